"""The dispute workflow (workflows.md §3) as a table: state → action → next state, and who may act.

```
draft ─edit (hospital)→ draft   ─withdraw (hospital)→ withdrawn   ─submit (hospital admin)→ submitted
submitted ─accept (bureau)→ accepted   ─not_accept (bureau)→ closed
accepted ─assign (bureau)→ under_review;  under_review/appealed ─assign (bureau)→ unchanged
under_review/appealed ─decline, opinion (assigned expert)→ unchanged
accepted/under_review/appealed ─decide (bureau admin)→ decided
decided ─acknowledge (hospital admin)→ closed   ─appeal (hospital admin, once)→ appealed
decided ─close (the system, when the appeal period has passed)→ closed
every state but withdrawn ─comment, attach (hospital, bureau, assigned expert)→ unchanged
```
Every other (state, action) pair answers `invalid_transition` (apps.core.workflow.transition).
"""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from apps.core.workflow import Move, Role, Workflow
from apps.tenants.access import get_access

from . import rules
from .enums import DECIDING, Status
from .models import Dispute

REVIEWING = (Status.UNDER_REVIEW, Status.APPEALED)


def _hospital(actor, dispute) -> bool:
    return rules.is_hospital_of(get_access(actor), dispute.region_id, dispute.hospital_id)


def _hospital_admin(actor, dispute) -> bool:
    return rules.is_hospital_admin_of(get_access(actor), dispute.region_id, dispute.hospital_id)


def _bureau(actor, dispute) -> bool:
    return rules.is_bureau(actor, dispute.region_id)


def _bureau_admin(actor, dispute) -> bool:
    return rules.is_bureau_admin(actor, dispute.region_id)


def _system(actor, dispute) -> bool:
    return False  # only the daily sweep (actor None) closes a decision nobody appealed


WORKFLOW = Workflow(
    name="dispute",
    model=Dispute,
    can_see=rules.can_see,
    roles={
        "hospital": Role(_hospital, _("Only the disputing hospital can do this.")),
        "hospital_admin": Role(_hospital_admin, _("Only the hospital's insurance office head can do this.")),
        "bureau": Role(_bureau, _("Only the medical insurance bureau can do this.")),
        "bureau_admin": Role(_bureau_admin, _("Only the bureau administrator decides disputes.")),
        "assigned_expert": Role(rules.is_assigned_expert, _("Only an assigned expert can do this.")),
        "writer": Role(rules.can_write, _("Read-only access.")),
        "system": Role(_system, _("Only the system closes a dispute whose appeal period has passed.")),
    },
    moves=(
        Move("edit", (Status.DRAFT,), None, "hospital"),
        Move("withdraw", (Status.DRAFT,), Status.WITHDRAWN, "hospital"),
        Move("submit", (Status.DRAFT,), Status.SUBMITTED, "hospital_admin"),
        Move("accept", (Status.SUBMITTED,), Status.ACCEPTED, "bureau"),
        Move("not_accept", (Status.SUBMITTED,), Status.CLOSED, "bureau"),
        Move("assign", (Status.ACCEPTED,), Status.UNDER_REVIEW, "bureau"),
        Move("assign", REVIEWING, None, "bureau"),
        Move("decline", REVIEWING, None, "assigned_expert"),
        Move("opinion", REVIEWING, None, "assigned_expert"),
        Move("decide", DECIDING, Status.DECIDED, "bureau_admin"),
        Move("acknowledge", (Status.DECIDED,), Status.CLOSED, "hospital_admin"),
        Move("appeal", (Status.DECIDED,), Status.APPEALED, "hospital_admin"),
        Move("close", (Status.DECIDED,), Status.CLOSED, "system"),
        Move("comment", tuple(s for s in Status.values if s != Status.WITHDRAWN), None, "writer"),
        Move("attach", tuple(s for s in Status.values if s != Status.WITHDRAWN), None, "writer"),
    ),
    events={"edit": "edited", "withdraw": "withdrawn", "submit": "submitted", "accept": "accepted",
            "not_accept": "not_accepted", "assign": "experts_assigned", "decline": "assignment_declined",
            "decide": "decided", "acknowledge": "acknowledged", "appeal": "appealed", "close": "closed",
            "attach": "attachment_added"},
    related=("region", "hospital", "case", "run", "coefficient_version", "application"),
    state_message=_("Not possible while the dispute is %(status)s."),
)
