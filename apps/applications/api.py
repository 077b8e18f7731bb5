"""API routes of this app, collected by config/api.py."""

ROUTES: list = []
URLPATTERNS: list = []
