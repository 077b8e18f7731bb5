"""API of disputes (interfaces.md §3)."""
ROUTES: list = []
URLPATTERNS: list = []
