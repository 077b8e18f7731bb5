"""Where the apps above settlement plug into its engine (each fills its slot in its AppConfig.ready()).

Settlement sits below applications and screening (docs/architecture.md "Which app may import which"):
the engine never imports them; it asks these slots for their SQL and lines.
"""
from __future__ import annotations

from collections.abc import Callable

# name -> provider:
#   "adjustments_sql"  () -> SELECT of approved applications (apps.applications.adjustments)
#   "deductions_sql"   () -> SELECT of confirmed screening items (apps.screening.selectors)
#   "deduction_line"   (region_id, item_id) -> the explained line of a deducted case (apps.screening.selectors)
PROVIDERS: dict[str, Callable[..., str]] = {}


def provide(name: str, provider: Callable[..., str]) -> None:
    """Fill slot `name` (called from the providing app's ready())."""
    PROVIDERS[name] = provider
