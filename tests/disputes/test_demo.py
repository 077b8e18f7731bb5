"""The demo hook: disputes in every state, some overdue, idempotent."""
from __future__ import annotations

from django_scopes import scopes_disabled

from apps.disputes import demo, letter
from apps.disputes.enums import Status
from apps.disputes.models import Dispute

from .conftest import PDF


def test_seed_region_every_state_some_overdue_idempotent(dw, monkeypatch):
    monkeypatch.setattr(letter, "render_pdf", lambda document: PDF)
    region = dw["A"].region
    assert demo.seed_region(region) == len(demo.PLAN)
    assert demo.seed_region(region) == 0
    with scopes_disabled():
        rows = Dispute.objects.filter(region=region)
        assert set(rows.values_list("status", flat=True)) == set(Status.values)
        assert rows.filter(overdue=True).count() == 2
        assert rows.filter(subject_type="case").exists()
        assert not Dispute.objects.filter(region=dw["B"].region).exists()
