"""The training workflows as tables: sessions and enrolments (state → action → next state, who may act).

```
session:    draft/published ─edit, cancel (bureau)→ unchanged / cancelled
            draft ─publish (bureau)→ published ─close (bureau)→ closed
enrolment:  enrolled/waitlisted ─cancel (participant, their hospital admin, bureau)→ cancelled
            enrolled/absent ─attend (bureau or trainer)→ attended;  enrolled/attended ─absent→ absent
            attended ─score (bureau or trainer)→ unchanged (a pass issues the certificate)
```
Every other (state, action) pair answers `invalid_transition` (apps.core.workflow.transition).
"""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from apps.core.workflow import Move, Role, Workflow

from . import rules
from .enums import EnrollmentStatus as E
from .enums import SessionStatus as S
from .models import Enrollment, Session


def _member(actor, item) -> bool:
    return rules.is_member(actor, item.region_id)


def _bureau(actor, item) -> bool:
    return rules.is_bureau(actor, item.region_id)


def _runner(actor, enrollment) -> bool:
    return rules.can_run(actor, enrollment.session)


def _canceller(actor, enrollment) -> bool:
    return (rules.is_bureau(actor, enrollment.region_id) or actor.pk == enrollment.user_id
            or rules.is_hospital_admin_of(actor, enrollment.region_id, enrollment.hospital_id))


def lock_enrollment(enrollment: Enrollment) -> Enrollment:
    """Lock the session first (the order every writer uses), then the enrolment."""
    session = Session.objects.with_scope(region=[enrollment.region_id]).select_for_update(of=("self",)) \
        .select_related("course", "region").get(pk=enrollment.session_id)
    locked = Enrollment.objects.with_scope(region=[enrollment.region_id]).select_for_update(of=("self",)) \
        .select_related("user", "hospital").get(pk=enrollment.pk)
    locked.session = session
    return locked


SESSION = Workflow(
    name="training",
    model=Session,
    can_see=_member,
    roles={"bureau": Role(_bureau, _("Only the medical insurance bureau manages training."))},
    moves=(
        Move("edit", (S.DRAFT, S.PUBLISHED), None, "bureau"),
        Move("publish", (S.DRAFT,), S.PUBLISHED, "bureau"),
        Move("cancel", (S.DRAFT, S.PUBLISHED), S.CANCELLED, "bureau"),
        Move("close", (S.PUBLISHED,), S.CLOSED, "bureau"),
    ),
    events={"edit": "session_updated", "publish": "session_published", "cancel": "session_cancelled",
            "close": "session_closed"},
    related=("course", "region"),
    state_message=_("Not possible while the session is %(status)s."),
)

ENROLLMENT = Workflow(
    name="training",
    model=Enrollment,
    can_see=rules.can_see_enrollment,
    roles={
        "canceller": Role(_canceller, _("Only the participant, their hospital administrator or the bureau can cancel.")),
        # attendance and scores: any member of the region is in scope (403, not 404, for a colleague's session)
        "runner": Role(_runner, _("Only the bureau or the session's trainer can do this."), scope=_member),
    },
    moves=(
        Move("cancel", (E.ENROLLED, E.WAITLISTED), E.CANCELLED, "canceller"),
        Move("attend", (E.ENROLLED, E.ABSENT), E.ATTENDED, "runner"),
        Move("absent", (E.ENROLLED, E.ATTENDED), E.ABSENT, "runner"),
        Move("score", (E.ATTENDED,), None, "runner"),
    ),
    events={"cancel": "enrollment_cancelled", "attend": "attended", "score": "scored"},
    locker=lock_enrollment,
    state_message=_("Not possible while the enrolment is %(status)s."),
)
