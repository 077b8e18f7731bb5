"""Regenerate the demo's per-DRG case templates from the grouper's rule tables (verified by the engine).

    .venv/bin/python scripts/build_demo_templates.py [chs-drg-1.1 yancheng-2023 yunnan-2023]

Writes apps/cases/data/demo_templates_<version>.csv; run again after a grouper rule change.
"""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from apps.groups.grouper_demo import DEMO_VERSION, write_templates

    for version in sys.argv[1:] or [DEMO_VERSION]:
        started = time.monotonic()
        print(json.dumps({**write_templates(version), "seconds": round(time.monotonic() - started, 1)}))


if __name__ == "__main__":
    main()
