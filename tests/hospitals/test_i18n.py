"""Every string of the hospitals app has a Chinese translation."""
from __future__ import annotations

import re
from pathlib import Path

PO = Path(__file__).resolve().parents[2] / "apps" / "hospitals" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_catalogue_is_complete():
    text = PO.read_text(encoding="utf-8")
    entries = [e for e in text.split("\n\n")[1:] if "msgid" in e]
    assert len(entries) > 80
    untranslated = [e for e in entries if re.search(r'msgstr(\[0\])? ""\s*$', e)]
    assert untranslated == []
    assert "#, fuzzy" not in text
