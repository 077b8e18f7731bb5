import pytest
from django_scopes import scopes_disabled

from apps.groups.services import catalogue_load_shipped


@pytest.fixture
def cworld(world):
    """The shared world plus the shipped CHS-DRG 2.0 catalogue active in regions A and B."""
    with scopes_disabled():
        for key in ("A", "B"):
            catalogue_load_shipped(actor=None, region=world[key].region)
    return world
