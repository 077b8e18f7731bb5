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
