"""Notices and published documents (workflows.md §4)."""
from django.db import models  # noqa: F401
