"""Shared bits of the groups commands."""
from __future__ import annotations

from django.core.management.base import CommandError

from apps.tenants.models import Region


def region_or_fail(code: str) -> Region:
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise CommandError(f"unknown region {code!r}")
    return region


def year_or_fail(year: int) -> int:
    if not 2000 <= year <= 2100:
        raise CommandError(f"year {year} is out of range")
    return year


class VersionOptionMixin:
    """Our `--version` (a catalogue version, interfaces.md §2) replaces Django's `--version` flag."""

    def create_parser(self, prog_name, subcommand, **kwargs):
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)
