"""Training courses, sessions and certificates (workflows.md §5)."""
from django.db import models  # noqa: F401
