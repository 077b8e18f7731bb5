import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def clear_lockout_counters():
    """The token lockout counts failures in the cache, which outlives a test's transaction."""
    cache.clear()
    yield
    cache.clear()
