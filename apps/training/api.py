"""API of training (interfaces.md §3)."""
ROUTES: list = []
URLPATTERNS: list = []
