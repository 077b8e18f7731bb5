"""Where the apps above cases plug in (each fills its hook in its AppConfig.ready()).

Cases sit below groups' users, settlement, screening, applications and disputes (docs/architecture.md
"Which app may import which"), so cases never imports them; it asks through these lists instead.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

# End of an upload / of a grouping run (screening screens the touched years): hook(job), never raises.
AFTER_IMPORT: list[Callable[[Any], None]] = []
AFTER_GROUPING: list[Callable[[Any], None]] = []
# Years whose annual clearing is done (settlement): hook(region) -> years; the cases there are frozen.
CLEARED_YEARS: list[Callable[[Any], Iterable[int]]] = []
# What the case page links to, one key per owning app: hook(request, case) -> {context name: list}.
CASE_LINKS: list[Callable[[Any, Any], dict[str, list]]] = []


def register(hooks: list, hook: Callable) -> None:
    """Add `hook` once (ready() may run twice in tests)."""
    if hook not in hooks:
        hooks.append(hook)
