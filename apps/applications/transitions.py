"""The application workflow (workflows.md §2) as a table: state → action → next state, and who may act.

```
draft/returned ─edit, attach, detach (hospital)→ unchanged      draft/returned ─submit (hospital)→ submitted
draft/submitted/returned ─withdraw (hospital)→ withdrawn
submitted ─accept (bureau)→ under_review   ─return (bureau)→ returned   ─reject_at_intake (bureau)→ rejected
under_review ─assign (bureau) / decline (assigned expert)→ unchanged   ─review (bureau, or the system)→ reviewed
under_review/reviewed ─opinion (assigned expert)→ unchanged
reviewed ─approve (bureau admin)→ approved   ─reject (bureau admin)→ rejected
approved/rejected ─revise_approve / revise_reject (bureau admin, on a dispute decision)→ approved / rejected
```
Every other (state, action) pair answers `invalid_transition`; `apps.core.workflow.transition` is the only
reader, so screens, API, tasks and tests follow the same table.
"""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from apps.core.workflow import Move, Role, Workflow
from apps.tenants.access import get_access

from . import rules
from .enums import Status
from .models import Application

EDITABLE = (Status.DRAFT, Status.RETURNED)
DECIDED = (Status.APPROVED, Status.REJECTED)


def _hospital(actor, application) -> bool:
    return rules.is_hospital_of(get_access(actor), application.region_id, application.hospital_id)


def _bureau(actor, application) -> bool:
    return rules.is_bureau(actor, application.region_id)


def _bureau_admin(actor, application) -> bool:
    return rules.is_bureau_admin(actor, application.region_id)


WORKFLOW = Workflow(
    name="application",
    model=Application,
    can_see=rules.can_see,
    roles={
        "hospital": Role(_hospital, _("Only the hospital of the case can do this.")),
        "bureau": Role(_bureau, _("Only the medical insurance bureau can do this.")),
        "bureau_admin": Role(_bureau_admin, _("Only the bureau administrator decides.")),
        "assigned_expert": Role(rules.is_assigned_expert, _("Only an assigned expert can do this.")),
    },
    moves=(
        Move("edit", EDITABLE, None, "hospital"),
        Move("attach", EDITABLE, None, "hospital"),
        Move("detach", EDITABLE, None, "hospital"),
        Move("submit", EDITABLE, Status.SUBMITTED, "hospital"),
        Move("withdraw", (Status.DRAFT, Status.SUBMITTED, Status.RETURNED), Status.WITHDRAWN, "hospital"),
        Move("accept", (Status.SUBMITTED,), Status.UNDER_REVIEW, "bureau"),
        Move("return", (Status.SUBMITTED,), Status.RETURNED, "bureau"),
        Move("reject_at_intake", (Status.SUBMITTED,), Status.REJECTED, "bureau"),
        Move("assign", (Status.UNDER_REVIEW,), None, "bureau"),
        Move("decline", (Status.UNDER_REVIEW,), None, "assigned_expert"),
        Move("opinion", (Status.UNDER_REVIEW, Status.REVIEWED), None, "assigned_expert"),
        Move("review", (Status.UNDER_REVIEW,), Status.REVIEWED, "bureau"),
        Move("approve", (Status.REVIEWED,), Status.APPROVED, "bureau_admin"),
        Move("reject", (Status.REVIEWED,), Status.REJECTED, "bureau_admin"),
        Move("revise_approve", DECIDED, Status.APPROVED, "bureau_admin"),
        Move("revise_reject", DECIDED, Status.REJECTED, "bureau_admin"),
    ),
    events={"edit": "edited", "attach": "attachment_added", "detach": "attachment_removed", "submit": "submitted",
            "withdraw": "withdrawn", "accept": "accepted", "return": "returned", "assign": "experts_assigned",
            "decline": "assignment_declined", "review": "reviewed", "approve": "decided", "reject": "decided",
            "revise_approve": "decision_revised", "revise_reject": "decision_revised"},
    related=("case", "hospital", "region"),
    state_message=_("Not possible while the application is %(status)s."),
)
