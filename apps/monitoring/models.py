"""Indicators, rankings and reform coverage (domain.md §8)."""
from django.db import models  # noqa: F401
