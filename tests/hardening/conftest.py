"""Hardening fixtures: the `world` with one object of each common kind per hospital, so leaks would show."""
from __future__ import annotations

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django_scopes import scopes_disabled

from apps.tenants.enums import Role


def seed_objects(world) -> dict:
    """A case, an application and an import job for every hospital; a catalogue, group, statistics, coefficients,
    settlement run and notification for every region. Returns the markers that identify each owner."""
    from tests.tenancy import test_isolation as iso

    with scopes_disabled():
        for key in ("A", "B", "C"):
            rw = world[key]
            for hospital in rw.hospitals:
                iso._application(hospital)
                iso._import_job(hospital)
            iso._group(rw)
            iso._coefficient_version(rw)
            iso._settlement_run(rw)
            iso._notification(rw)
            iso._expert_profile(rw)
    return world


@pytest.fixture
def seeded_world(world):
    return seed_objects(world)


def foreign_markers(world, *, region_key: str = "A", hospital_index: int = 0) -> list[str]:
    """Strings that must never appear in an answer to a hospital user of world[region_key].hospitals[index]:
    the codes and names of other regions' hospitals and their cases, and other hospitals' cases of its region."""
    markers = []
    for key in ("A", "B", "C"):
        rw = world[key]
        for i, hospital in enumerate(rw.hospitals):
            if key == region_key and i == hospital_index:
                continue
            markers.append(f"ISO-{hospital.code}")  # the case's settlement_id (seeded above)
            if key != region_key:
                markers += [hospital.code, hospital.name]
        if key != region_key:
            markers.append(rw.region.name)
    return markers


@pytest.fixture
def raw_wsgi():
    """The project's WSGI application called in-process (same thread, same test transaction).

    Django closes the connection when a request starts and finishes; inside a test transaction that would drop the test's
    data, so the handler is disconnected for the test (as Django's own test client does)."""
    from config.wsgi import application

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield application
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


HOSPITAL_FUZZ_ROLE = Role.HOSPITAL_STAFF


# ---------------------------------------------------------------- the figures, printed at the end of a run
SUMMARY: dict[str, str] = {}


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    import sys

    matrix = sys.modules.get("tests.hardening.test_access_matrix")
    if matrix is not None and matrix.COUNTS["cases"]:
        SUMMARY["access matrix"] = (f"{matrix.COUNTS['cases']} cases, {matrix.COUNTS['wrong']} not as expected, "
                                    f"{matrix.COUNTS['rows']} table rows checked")
    for name, line in SUMMARY.items():
        terminalreporter.write_line(f"hardening {name}: {line}")
