"""Reads of notices: what a user may see, the hospital inbox, acknowledgement status, the objection window."""
from __future__ import annotations

import datetime as dt

from django.db.models import BooleanField, Count, Exists, OuterRef, Q, QuerySet, Value

from apps.core.errors import NotFound
from apps.tenants.access import get_access
from apps.tenants.roles import REGION_WIDE_READ_ROLES

from .enums import LIVE, VISIBLE_TO_HOSPITALS, NoticeStatus, NoticeType
from .models import Acknowledgement, Notice, NoticeRead, NoticeRecipient


def visible_q(user) -> Q:
    """Notices a user may read: whole regions for region-wide readers, addressed notices for hospital users."""
    access = get_access(user)
    wide = access.regions_with(*REGION_WIDE_READ_ROLES)
    q = Q(region_id__in=wide)
    own = {h for r in access.region_ids for h in access.own_hospitals(r)}
    if own:
        q |= Q(status__in=VISIBLE_TO_HOSPITALS, pk__in=NoticeRecipient.objects.filter(hospital_id__in=own)
               .values("notice_id"))
    return q


def visible_notices(user) -> QuerySet[Notice]:
    return (Notice.objects.filter(visible_q(user)).select_related("region", "published_by", "created_by")
            .annotate(acknowledged_count=Count("acknowledgements", distinct=True),
                      recipient_count=Count("recipients", distinct=True)))


def get_visible(user, pk) -> Notice:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound() from None
    notice = visible_notices(user).filter(pk=pk).first()
    if notice is None:
        raise NotFound()
    return notice


def hospital_ids_of(user) -> set[int]:
    access = get_access(user)
    return {h for r in access.region_ids for h in access.own_hospitals(r)}


def annotate_for_hospital(qs: QuerySet[Notice], user) -> QuerySet[Notice]:
    """`acknowledged` (by one of the user's hospitals) and `is_read` (opened by the user)."""
    own = hospital_ids_of(user)
    if not own:  # `acknowledged` is null for callers without a hospital
        return qs.annotate(acknowledged=Value(None, output_field=BooleanField()),
                           is_read=Value(True, output_field=BooleanField()))
    return qs.annotate(
        acknowledged=Exists(Acknowledgement.objects.filter(notice=OuterRef("pk"), hospital_id__in=own)),
        is_read=Exists(NoticeRead.objects.filter(notice=OuterRef("pk"), user_id=user.pk)),
    )


def inbox(user) -> QuerySet[Notice]:
    qs = visible_notices(user).filter(status__in=VISIBLE_TO_HOSPITALS,
                                      pk__in=NoticeRecipient.objects.filter(hospital_id__in=hospital_ids_of(user))
                                      .values("notice_id"))
    return annotate_for_hospital(qs, user).order_by("-published_at", "-id")


def inbox_counts(user) -> dict[str, int]:
    if not hospital_ids_of(user):
        return {"unread": 0, "unacknowledged": 0, "total": 0}
    return inbox(user).aggregate(  # one statement (the hospital dashboard asks on every visit)
        total=Count("id"),
        unread=Count("id", filter=Q(is_read=False)),
        unacknowledged=Count("id", filter=Q(acknowledged=False, status__in=LIVE)),
    )


def acknowledgement_status(notice: Notice) -> list[dict]:
    """Every addressed hospital with who acknowledged and when (None = not yet)."""
    acks = {a.hospital_id: a for a in Acknowledgement.objects.with_scope(region=[notice.region_id])
            .filter(notice=notice).select_related("user")}
    rows = []
    for r in (NoticeRecipient.objects.with_scope(region=[notice.region_id]).filter(notice=notice)
              .select_related("hospital").order_by("hospital__code")):
        ack = acks.get(r.hospital_id)
        rows.append({"hospital": r.hospital, "acknowledged": ack is not None,
                     "user": ack.user if ack else None, "at": ack.at if ack else None})
    return rows


def objection_window(region_id: int, year: int) -> tuple[dt.date, dt.date] | None:
    """The objection period (publish date, last day) of the latest published/final coefficient notice of `year`.

    Coefficient disputes of that year are allowed inside it (disputes ask here).
    """
    from django.utils import timezone

    notice = (Notice.objects.with_scope(region=[region_id])
              .filter(region_id=region_id, type=NoticeType.COEFFICIENT, year=year,
                      status__in=(NoticeStatus.PUBLISHED, NoticeStatus.FINAL), objection_ends__isnull=False)
              .order_by("-published_at", "-id").first())
    if notice is None:
        return None
    return timezone.localdate(notice.published_at), notice.objection_ends
