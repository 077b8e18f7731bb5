"""API of monitoring (interfaces.md §3)."""
ROUTES: list = []
URLPATTERNS: list = []
