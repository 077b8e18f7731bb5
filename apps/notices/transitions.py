"""The notice workflow (workflows.md §4) as a table: state → action → next state, and who may act.

```
draft ─edit, delete (bureau)→ draft (deleted)   ─publish (bureau admin)→ published ─finalize (system)→ final
published/final ─withdraw (bureau admin)→ withdrawn   ─supersede (bureau admin)→ superseded
published/final ─revise (bureau admin: a new draft replacing it), acknowledge (addressed hospital)→ unchanged
```
Every other (state, action) pair answers `invalid_transition` (apps.core.workflow.transition).
"""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from apps.core.workflow import Move, Role, Workflow

from . import rules
from .enums import LIVE, NoticeStatus
from .models import Notice, NoticeRecipient


def _drafter(actor, notice) -> bool:
    return rules.can_draft(actor, notice.region_id)


def _publisher(actor, notice) -> bool:
    return rules.can_publish(actor, notice.region_id)


def _addressed(actor, notice) -> bool:
    hospitals = rules.own_hospitals(actor, notice.region_id)
    return bool(hospitals) and NoticeRecipient.objects.with_scope(region=[notice.region_id]).filter(
        notice_id=notice.pk, hospital_id__in=hospitals).exists()


def _system(actor, notice) -> bool:
    return False  # the objection period ends by itself (the beat task, actor None)


WORKFLOW = Workflow(
    name="notice",
    model=Notice,
    can_see=rules.can_see,
    roles={
        "drafter": Role(_drafter, _("Only the medical insurance bureau can prepare notices.")),
        "publisher": Role(_publisher, _("Only the bureau administrator can publish, withdraw or supersede notices.")),
        "addressed": Role(_addressed, _("Only users of an addressed hospital can acknowledge a notice.")),
        "system": Role(_system, _("A notice becomes final when its objection period ends.")),
    },
    moves=(
        Move("edit", (NoticeStatus.DRAFT,), None, "drafter"),
        Move("delete", (NoticeStatus.DRAFT,), None, "drafter"),
        Move("publish", (NoticeStatus.DRAFT,), NoticeStatus.PUBLISHED, "publisher"),
        Move("finalize", (NoticeStatus.PUBLISHED,), NoticeStatus.FINAL, "system"),
        Move("withdraw", LIVE, NoticeStatus.WITHDRAWN, "publisher"),
        Move("supersede", LIVE, NoticeStatus.SUPERSEDED, "publisher"),
        Move("revise", LIVE, None, "publisher"),
        Move("acknowledge", LIVE, None, "addressed"),
    ),
    events={"edit": "update"},
    related=("region",),
    state_message=_("Not possible while the notice is %(status)s."),
)
