import pytest
from django_scopes import scope, scopes_disabled

from apps.hospitals.models import Hospital
from apps.tenants.access import get_access
from apps.tenants.enums import Role


@pytest.mark.django_db
def test_world_has_two_regions_with_data(world):
    with scopes_disabled():
        assert Hospital.objects.count() == 9
    a = world["A"]
    access = get_access(a.users[Role.BUREAU_ADMIN])
    assert access.region_ids == [a.region.pk]
    with scope(region=access.region_ids):
        assert set(Hospital.objects.values_list("region_id", flat=True)) == {a.region.pk}
    sup = get_access(world["supervisor"])
    assert sorted(sup.region_ids) == sorted([a.region.pk, world["B"].region.pk])


# The world is built once per module (tests/conftest.py); what one test changes must not reach the next.
@pytest.mark.django_db
def test_a_test_may_change_the_shared_world(world):
    from apps.tenants.models import Region

    a = world["A"]
    with scopes_disabled():
        Region.objects.filter(pk=a.region.pk).update(name="改名")
        Hospital.objects.filter(pk=a.hospitals[2].pk).delete()
    a.region.name = "改名"
    a.hospitals.pop()
    world["extra"] = object()


@pytest.mark.django_db
def test_the_next_test_sees_the_world_as_built(world, request):
    from apps.tenants.models import Region
    from tests.conftest import SHARE_WORLDS

    assert (request.getfixturevalue("module_world") is not None) == SHARE_WORLDS  # shared here, unless switched off
    a = world["A"]
    assert a.region.name == "宣城" and len(a.hospitals) == 3 and "extra" not in world
    with scopes_disabled():
        assert Region.objects.get(pk=a.region.pk).name == "宣城"
        assert Hospital.objects.count() == 9
