"""Who may see training items (scope) and who may act on them (role).

Courses and published sessions: every member of the region. Draft sessions: region-wide readers.
Enrolments: region-wide readers; the participant; a hospital administrator for their hospital's staff;
the session's trainer. Managing (courses, sessions, attendance, scores): bureau roles of the region;
the trainer of a session may mark attendance and scores for it. Anything out of scope is 404.
"""
from __future__ import annotations

from apps.tenants.access import get_access, is_bureau
from apps.tenants.enums import Role
from apps.tenants.roles import BUREAU_ROLES, EXPERT_ROLES

__all__ = ["TRAINER_ROLES", "can_run", "is_participant", "can_see_enrollment", "is_bureau", "is_member", "reads_region"]


# Who may be named trainer of a session: the region's experts and bureau.
TRAINER_ROLES = EXPERT_ROLES | BUREAU_ROLES


def is_participant(access) -> bool:
    """Takes part in training as a learner somewhere (experts and hospital users): the participant widget."""
    return access.is_expert() or access.is_hospital_user()


def is_member(user, region_id: int) -> bool:
    return region_id in get_access(user).region_ids


def reads_region(user, region_id: int) -> bool:
    return get_access(user).reads_region(region_id)


def is_trainer(user, session) -> bool:
    return user is not None and session.trainer_id is not None and session.trainer_id == user.pk


def can_run(user, session) -> bool:
    """Mark attendance and enter scores: the bureau of the region or the session's trainer."""
    return is_bureau(user, session.region_id) or (is_trainer(user, session) and is_member(user, session.region_id))


def is_hospital_admin_of(user, region_id: int, hospital_id: int | None) -> bool:
    access = get_access(user)
    return (hospital_id is not None and access.has_role(region_id, Role.HOSPITAL_ADMIN)
            and hospital_id in access.hospital_ids(region_id))


def can_see_enrollment(user, enrollment) -> bool:
    if user is None:
        return True
    if reads_region(user, enrollment.region_id) or enrollment.user_id == user.pk:
        return True
    if is_hospital_admin_of(user, enrollment.region_id, enrollment.hospital_id):
        return True
    return is_trainer(user, enrollment.session) and is_member(user, enrollment.region_id)
