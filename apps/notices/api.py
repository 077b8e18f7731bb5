"""API of notices (interfaces.md §3)."""
ROUTES: list = []
URLPATTERNS: list = []
