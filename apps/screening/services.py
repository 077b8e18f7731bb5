"""State changes of screening: the rule run and the appeal loop (one function per action).

Every action runs in `transaction.atomic` with the item row locked, checks scope (out of scope → NotFound,
404), role (→ Forbidden, 403) and the transition table (`transitions.py` → InvalidTransition), writes the
audit event and notifies whoever acts next. `actor=None` is the system (the upload hook, the demo).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from apps.core.audit import record_event
from apps.core.calendar import add_working_days
from apps.core.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed
from apps.notifications.services import notify
from apps.tenants.access import get_access
from apps.tenants.enums import BUREAU_ROLES, HOSPITAL_ROLES, Role
from apps.tenants.models import Membership, Region, User

from . import engine, selectors, transitions
from .enums import ALLOWED_CONTENT, RULE_ZH, Rule, Status, Suggestion
from .models import Attachment, ScreeningItem

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
RUN_ROLES = (*BUREAU_ROLES, Role.PLATFORM_ADMIN)


@dataclass
class RunResult:
    region: str
    period: str
    counts: dict[str, int]  # items of the period per rule (every status)
    new: dict[str, int]  # of which found by this run
    stats_version: int | None

    def as_dict(self) -> dict:
        return {"region": self.region, "period": self.period, "counts": self.counts, "new": self.new,
                "stats_version": self.stats_version}


def parse_period(period: str) -> tuple[int, int | None]:
    text = (period or "").strip()
    if len(text) == 7 and text[4] == "-" and text[:4].isdigit() and text[5:].isdigit() and 1 <= int(text[5:]) <= 12:
        return int(text[:4]), int(text[5:])
    if len(text) == 4 and text.isdigit():
        return int(text), None
    raise ValidationFailed(f"period: {period!r} is not YYYY-MM or YYYY")


def published_stats_id(region: Region, year: int) -> int | None:
    from apps.groups.models import StatsVersion

    return (StatsVersion.objects.with_scope(region=[region.pk]).filter(region=region, year=year, status="published")
            .values_list("pk", flat=True).first())


def screen_cases(*, actor: User | None, region: Region, period: str) -> RunResult:
    """Run the four rules over the region's cases discharged in `period` (YYYY or YYYY-MM); idempotent."""
    if actor is not None and not get_access(actor).has_role(region.pk, *RUN_ROLES):
        raise Forbidden("Only the bureau runs the screening rules.")
    year, month = parse_period(period)
    policy = selectors.policy_for(region, year)
    start, end = engine.period_dates(year, month)
    now = timezone.now()
    stats = published_stats_id(region, year)
    params = {
        "region": region.pk, "start": start, "end": end, "year_start": dt.date(year, 1, 1),
        "year_end": dt.date(year + 1, 1, 1), "readmit": int(policy.readmit_days), "factor": policy.shift_factor,
        "low1": policy.low_ratio_1, "low2": policy.low_ratio_2, "low3": policy.low_ratio_3, "stats": stats,
        "now": now, "reply_due": add_working_days(region, timezone.localdate(), int(policy.screen_reply_days)),
    }
    with transaction.atomic(), connection.cursor() as cursor:
        engine.run_rules(cursor, params)
    items = ScreeningItem.objects.with_scope(region=[region.pk]).filter(region=region, year=year)
    if month is not None:
        items = items.filter(month=month)
    rows = {r["rule"]: r for r in items.values("rule").annotate(n=Count("id"), new=Count("id", filter=Q(found_at=now)))}
    result = RunResult(region=region.code, period=period, stats_version=stats,
                       counts={r: rows.get(r, {}).get("n", 0) for r in Rule.values},
                       new={r: rows.get(r, {}).get("new", 0) for r in Rule.values})
    record_event(actor=actor, action="screening.run", region=region, object_type="screening.period",
                 object_id=period, new=result.as_dict())
    _notify_new(region, items.filter(found_at=now))
    return result


def _notify_new(region: Region, new_items) -> None:
    """One message per hospital with new items: the hospital acts next (answers within the reply period)."""
    per_hospital = list(new_items.values("hospital_id").annotate(n=Count("id"), due=Count("reply_due")))
    if not per_hospital:
        return
    due = new_items.values_list("reply_due", flat=True).first()
    for row in per_hospital:
        notify(users=_users(region.pk, HOSPITAL_ROLES, row["hospital_id"]), region=region,
               title=f"新的医保监管疑点 {row['n']} 条",
               body=f"请于 {due.isoformat()} 前逐条说明并上传佐证材料。", url=reverse("screening:list"),
               kind="screening.found")


def screen_after_upload(region: Region, years: list[int]) -> None:
    """The upload hook: screen each year the upload touched (never fails the upload)."""
    import logging

    for year in sorted(set(years)):
        try:
            screen_cases(actor=None, region=region, period=str(year))
        except Exception:  # noqa: BLE001 - the import itself is done; `screen_cases` can be re-run
            logging.getLogger(__name__).exception("screening %s %s after an upload failed", region.code, year)


# --- the appeal loop ---------------------------------------------------------------------------


def _users(region_id: int, roles, hospital_id: int | None = None) -> list[User]:
    qs = Membership.objects.with_scope(region=[region_id]).filter(region_id=region_id, role__in=list(roles),
                                                                  user__is_active=True)
    if hospital_id is not None:
        qs = qs.filter(hospital_id=hospital_id)
    return list(User.objects.filter(pk__in=set(qs.values_list("user_id", flat=True))).order_by("pk"))


def _label(item: ScreeningItem) -> str:
    return f"疑点 #{item.pk}（{RULE_ZH[item.rule]}，{item.case.settlement_id}）"


def _url(item: ScreeningItem) -> str:
    return reverse("screening:detail", args=[item.pk])


def _can_see(actor: User, item: ScreeningItem) -> bool:
    return selectors.visible_items(actor).filter(pk=item.pk).exists()


def _has_role(actor: User, item: ScreeningItem, roles) -> bool:
    access = get_access(actor)
    if not access.has_role(item.region_id, *roles):
        return False
    wanted = set(roles)
    if wanted <= set(HOSPITAL_ROLES):
        return item.hospital_id in access.hospital_ids(item.region_id)
    if wanted == {Role.EXPERT}:
        return item.expert_id == actor.pk
    return True


def _lock(item: ScreeningItem) -> ScreeningItem:
    return (ScreeningItem.objects.with_scope(region=[item.region_id]).select_for_update(of=("self",))
            .select_related("region", "hospital", "case").get(pk=item.pk))


def _text(value: str | None, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(f"{field}: required.")
    return value


def transition(actor: User | None, item: ScreeningItem, action: str) -> tuple[ScreeningItem, str]:
    """Scope, role, table and guard checks of one action; returns the locked item and its old state."""
    if action not in transitions.ACTIONS:
        raise InvalidTransition(f"Unknown action {action!r}.")
    if actor is not None:
        if not _can_see(actor, item):
            raise NotFound()
        if not _has_role(actor, item, transitions.roles_for(action)):
            raise Forbidden("Your role does not allow this action on this item.")
    item = _lock(item)
    move = transitions.move(item.status, action)
    if move is None or (actor is not None and not _has_role(actor, item, move.roles)):
        raise InvalidTransition(f"Not possible while the item is {item.get_status_display()}.")
    today = timezone.localdate()
    if move.guard == "overdue" and not item.reply_due < today:
        raise InvalidTransition(f"The hospital may answer until {item.reply_due.isoformat()}; an open item is "
                                f"confirmed directly only after that.")
    if move.guard == "in_time" and today > item.reply_due:
        raise InvalidTransition(f"The reply period ended on {item.reply_due.isoformat()}.", code="deadline_passed")
    return item, item.status


def allowed_actions(actor: User, item: ScreeningItem) -> set[str]:
    """The actions `actor` may take on `item` now (role and guard of the table): what the screens offer."""
    today = timezone.localdate()
    found = set()
    for action in transitions.actions_in(item.status):
        move = transitions.move(item.status, action)
        if not _has_role(actor, item, move.roles):
            continue
        if move.guard == "overdue" and not item.reply_due < today:
            continue
        if move.guard == "in_time" and today > item.reply_due:
            continue
        found.add(action)
    return found


def _event(actor, item: ScreeningItem, action: str, old: str, reason: str = "", **extra) -> None:
    record_event(actor=actor, action=f"screening.{action}", obj=item, old={"status": old},
                 new={"status": item.status, "rule": item.rule, "case": item.case.settlement_id, **extra},
                 reason=reason)


@transaction.atomic
def item_answer(*, actor: User | None, item: ScreeningItem, text: str, files=()) -> ScreeningItem:
    """open → answered: the hospital's explanation (and evidence files) within the reply period."""
    text = _text(text, "text")
    item, old = transition(actor, item, "answer")
    for upload in files:
        _store_attachment(actor, item, upload)
    item.status = Status.ANSWERED
    item.answer_text = text
    item.answered_at = timezone.now()
    item.answered_by = actor
    item.save()
    _event(actor, item, "answered", old, attachments=item.attachments.count())
    notify(users=_users(item.region_id, BUREAU_ROLES), region=item.region, title=f"医院已说明 {_label(item)}",
           body=f"{item.hospital.name}：{text[:200]}", url=_url(item), kind="screening.answered")
    return item


def _decide(actor: User | None, item: ScreeningItem, action: str, reason: str) -> ScreeningItem:
    reason = _text(reason, "reason")
    item, old = transition(actor, item, action)
    item.status = Status.CONFIRMED if action == "confirm" else Status.CLEARED
    item.decided_at = timezone.now()
    item.decided_by = actor
    item.decision_reason = reason
    item.save()
    _event(actor, item, "confirmed" if action == "confirm" else "cleared", old, reason=reason,
           overdue_without_answer=old == Status.OPEN and action == "confirm")
    if action == "confirm":
        title, body = f"{_label(item)} 已确认违规", f"该病例在之后的结算中按 0 点计。理由：{reason}"
    else:
        title, body = f"{_label(item)} 已排除（误报）", f"理由：{reason}"
    notify(users=_users(item.region_id, HOSPITAL_ROLES, item.hospital_id), region=item.region, title=title,
           body=body, url=_url(item), kind=f"screening.{item.status}")
    return item


@transaction.atomic
def item_confirm(*, actor: User | None, item: ScreeningItem, reason: str) -> ScreeningItem:
    """answered → confirmed (or open → confirmed once overdue): the case's points are 0 in later runs."""
    return _decide(actor, item, "confirm", reason)


@transaction.atomic
def item_clear(*, actor: User | None, item: ScreeningItem, reason: str) -> ScreeningItem:
    """open/answered → cleared: kept as a false positive of its rule."""
    return _decide(actor, item, "clear", reason)


@transaction.atomic
def item_assign(*, actor: User | None, item: ScreeningItem, expert: User) -> ScreeningItem:
    """Ask an expert of the region's pool for an opinion; one affiliated with the hospital is refused
    (`conflict_of_interest`, the rule of applications and disputes)."""
    from apps.applications.models import ExpertProfile
    from apps.applications.selectors import affiliated_hospitals

    item, old = transition(actor, item, "assign")
    if not ExpertProfile.objects.with_scope(region=[item.region_id]).filter(
            region_id=item.region_id, user=expert, active=True, user__is_active=True).exists():
        raise ValidationFailed(f"expert: {expert} is not an active expert of the region.")
    if item.hospital_id in affiliated_hospitals(expert, item.region_id):
        raise ValidationFailed(f"expert: {expert} is affiliated with the hospital.", code="conflict_of_interest")
    item.expert = expert
    item.expert_suggestion = ""
    item.expert_opinion = ""
    item.save()
    _event(actor, item, "expert_assigned", old, expert=expert.username)
    notify(users=[expert], region=item.region, title=f"请对 {_label(item)} 提出专家意见", url=_url(item),
           kind="screening.assigned")
    return item


@transaction.atomic
def item_opinion(*, actor: User | None, item: ScreeningItem, suggestion: str, comment: str) -> ScreeningItem:
    if suggestion not in Suggestion.values:
        raise ValidationFailed(f"suggestion: one of {', '.join(Suggestion.values)}.")
    comment = _text(comment, "comment")
    item, old = transition(actor, item, "opinion")
    item.expert_suggestion = suggestion
    item.expert_opinion = comment
    item.save()
    _event(actor, item, "expert_opinion", old, suggestion=suggestion)
    notify(users=_users(item.region_id, BUREAU_ROLES), region=item.region, title=f"专家已对 {_label(item)} 提出意见",
           body=comment[:200], url=_url(item), kind="screening.opinion")
    return item


def detect_content_type(head: bytes):
    from apps.applications.services import detect_content_type as detect

    return detect(head)


def _store_attachment(actor: User | None, item: ScreeningItem, upload) -> Attachment:
    size = getattr(upload, "size", None)
    if size is None or size > MAX_ATTACHMENT_BYTES:
        raise ValidationFailed("file: larger than 10 MB.")
    if size == 0:
        raise ValidationFailed("file: empty.")
    upload.seek(0)
    detected = detect_content_type(upload.read(8))
    if detected is None or detected[0] not in ALLOWED_CONTENT:
        raise ValidationFailed("file: its content is not an accepted type (PDF, JPEG, PNG).")
    content_type, ext = detected
    folder = settings.PRIVATE_MEDIA_ROOT / "screening"
    folder.mkdir(parents=True, exist_ok=True)
    stored = secrets.token_hex(16) + ext
    digest = hashlib.sha256()
    upload.seek(0)
    with open(folder / stored, "xb") as out:
        for chunk in upload.chunks():
            digest.update(chunk)
            out.write(chunk)
    name = (getattr(upload, "name", "") or "file").replace("/", "_").replace("\\", "_")[-255:]
    attachment = Attachment.objects.with_scope(region=[item.region_id]).create(
        region_id=item.region_id, item=item, stored_name=stored, original_name=name, content_type=content_type,
        size=size, sha256=digest.hexdigest(), uploaded_by=actor)
    record_event(actor=actor, action="screening.attachment_added", obj=item,
                 new={"attachment": attachment.pk, "name": name, "sha256": attachment.sha256})
    return attachment


ACTIONS = {"answer": item_answer, "confirm": item_confirm, "clear": item_clear}


def get_item(actor: User, pk: int) -> ScreeningItem:
    try:
        return selectors.item_get(actor, int(pk))
    except (TypeError, ValueError):
        raise NotFound() from None
