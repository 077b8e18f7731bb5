"""Coefficients (domain §3) from the small world of conftest.py, expected values written by hand."""
from __future__ import annotations

from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from apps.settlement.models import HospitalCoefficient

D = Decimal
LI3 = D("10.02") / D(9)
LI2 = D("8.54") / D(9)


def rows(version) -> dict[int, HospitalCoefficient]:
    with scopes_disabled():
        return {r.hospital_id: r for r in HospitalCoefficient.objects.filter(version=version)}


@pytest.mark.django_db
def test_coefficients_worked_example(small):
    version = small["coefficients"]
    h1, h2, h3, h4, h5 = small["h"]
    got = rows(version)
    assert set(got) == {h.pk for h in small["h"]}
    assert version.level_index_3 == D("1.1133333333333333")
    assert version.level_index_2 == D("0.9488888888888889")
    assert version.level_index_1 == D("0.7200000000000000")
    assert got[h1.pk].cost_index == LI3.quantize(D("1e-16")) and got[h1.pk].n_cases == 9
    assert got[h2.pk].cost_index == LI2.quantize(D("1e-16")) and got[h2.pk].n_cases == 9
    assert got[h3.pk].cost_index == D("0.72") and got[h3.pk].n_cases == 2
    assert (got[h1.pk].computed, got[h2.pk].computed, got[h3.pk].computed) == (D("1.1133"), D("0.9489"), D("0.7200"))
    # new hospitals: 0.8 × LI below the level minimum → the minimum
    assert got[h4.pk].is_new and got[h4.pk].cost_index is None and got[h4.pk].computed == D("1.1133")
    assert got[h5.pk].is_new and got[h5.pk].computed == D("0.7200")
