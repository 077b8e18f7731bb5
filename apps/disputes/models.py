"""Dispute handling (workflows.md §3)."""
from django.db import models  # noqa: F401
