"""State changes of screening: the rule run and the appeal loop (one function per action).

Every action runs in `transaction.atomic` with the item row locked, checks scope (out of scope → NotFound,
404), role (→ Forbidden, 403) and the transition table (`transitions.py` → InvalidTransition), writes the
audit event and notifies whoever acts next. `actor=None` is the system (the upload hook, the demo).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.applications.models import ExpertProfile
from apps.applications.selectors import affiliated_hospitals
from apps.core.audit import record_event
from apps.core.calendar import add_working_days
from apps.core.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed
from apps.core.uploads import detect_content_type as detect_content_type
from apps.core.uploads import store_upload
from apps.core.workflow import recipients, tell, transition
from apps.groups.models import StatsVersion
from apps.notifications.services import Text, notify
from apps.tenants.access import get_access
from apps.tenants.models import Region, User
from apps.tenants.roles import BUREAU_ROLES, BUREAU_WRITERS, HOSPITAL_ROLES

from . import engine, selectors, transitions
from .enums import ALLOWED_CONTENT, RULE_ZH, Rule, Status, Suggestion
from .models import Attachment, ScreeningItem
from .transitions import WORKFLOW  # noqa: F401 - registers the table with the kernel

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
RUN_ROLES = BUREAU_WRITERS  # the screening policy: apps/screening/rules.py


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
    raise ValidationFailed(_("period: %(period)r is not YYYY-MM or YYYY") % {"period": period})


def published_stats_id(region: Region, year: int) -> int | None:
    return (StatsVersion.objects.with_scope(region=[region.pk]).filter(region=region, year=year, status="published")
            .values_list("pk", flat=True).first())


def screen_cases(*, actor: User | None, region: Region, period: str) -> RunResult:
    """Run the four rules over the region's cases discharged in `period` (YYYY or YYYY-MM); idempotent."""
    if actor is not None and not get_access(actor).has_role(region.pk, *RUN_ROLES):
        raise Forbidden(_("Only the bureau runs the screening rules."))
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
        notify(users=recipients(region.pk, HOSPITAL_ROLES, row["hospital_id"]), region=region,
               title=lambda n=row["n"]: _("%(n)s new screening findings") % {"n": n},
               body=lambda: _("Please explain each by %(date)s and upload the evidence.") % {"date": due.isoformat()},
               url=reverse("screening:list"), kind="screening.found")


def screen_after_upload(region: Region, years: list[int]) -> None:
    """The upload hook: screen each year the upload touched (never fails the upload)."""
    import logging

    for year in sorted(set(years)):
        try:
            screen_cases(actor=None, region=region, period=str(year))
        except Exception:  # noqa: BLE001 - the import itself is done; `screen_cases` can be re-run
            logging.getLogger(__name__).exception("screening %s %s after an upload failed", region.code, year)


# --- the appeal loop ---------------------------------------------------------------------------


def _label(item: ScreeningItem) -> str:
    return _("Finding #%(id)s (%(rule)s, %(case)s)") % {"id": item.pk, "rule": RULE_ZH[item.rule],
                                                        "case": item.case.settlement_id}


def _url(item: ScreeningItem) -> str:
    return reverse("screening:detail", args=[item.pk])


def _text(value: str | None, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(_("%(field)s: required.") % {"field": field})
    return value


def _guard(action: str):
    """The table's two time guards, checked under the row lock."""
    def check(item: ScreeningItem) -> dict:
        guard = transitions.GUARDS.get((item.status, action))
        today = timezone.localdate()
        if guard == "overdue" and not item.reply_due < today:
            raise InvalidTransition(_("The hospital may answer until %(date)s; an open item is confirmed directly "
                                      "only after that.") % {"date": item.reply_due.isoformat()})
        if guard == "in_time" and today > item.reply_due:
            raise InvalidTransition(_("The reply period ended on %(date)s.") % {"date": item.reply_due.isoformat()},
                                    code="deadline_passed")
        return {"rule": item.rule, "case": item.case.settlement_id}
    return check


def _passes_guard(item: ScreeningItem, action: str) -> bool:
    try:
        _guard(action)(item)
    except InvalidTransition:
        return False
    return True


def allowed_actions(actor: User, item: ScreeningItem) -> set[str]:
    """The actions `actor` may take on `item` now (role and guard of the table): what the screens offer."""
    workflow = transitions.WORKFLOW
    return {action for action in workflow.actions_in(item.status)
            if workflow.role_of(action).allows(actor, item) and _passes_guard(item, action)}


def _tell(item: ScreeningItem, roles, title: Text, body: Text = "", *, kind: str) -> None:
    hospital = item.hospital_id if roles == HOSPITAL_ROLES else None
    tell(item, roles, title, body, kind=kind, url=_url(item), hospital_id=hospital)


@transaction.atomic
def item_answer(*, actor: User | None, item: ScreeningItem, text: str, files=()) -> ScreeningItem:
    """open → answered: the hospital's explanation (and evidence files) within the reply period."""
    text = _text(text, "text")
    guard = _guard("answer")

    def check(locked: ScreeningItem) -> dict:
        found = guard(locked)
        for upload in files:
            _store_attachment(actor, locked, upload)
        return {**found, "attachments": locked.attachments.count()}

    return transition(item, "answer", actor=actor, check=check, answer_text=text,
                      answered_at=lambda i: timezone.now(), answered_by=actor,
                      after=lambda i, old: _tell(i, BUREAU_ROLES, lambda: _("The hospital answered %(label)s")
                                                 % {"label": _label(i)}, f"{i.hospital.name}：{text[:200]}",
                                                 kind="screening.answered"))


def _decide(actor: User | None, item: ScreeningItem, action: str, reason: str) -> ScreeningItem:
    reason = _text(reason, "reason")
    guard = _guard(action)

    def check(locked: ScreeningItem) -> dict:
        return {**guard(locked), "overdue_without_answer": locked.status == Status.OPEN and action == "confirm"}

    def after(locked: ScreeningItem, old: str) -> None:
        if action == "confirm":
            def title() -> str:
                return _("%(label)s confirmed as a violation") % {"label": _label(locked)}

            def body() -> str:
                return _("The case counts 0 points in later settlement runs. Reason: %(reason)s") % {"reason": reason}
        else:
            def title() -> str:
                return _("%(label)s cleared (false positive)") % {"label": _label(locked)}

            def body() -> str:
                return _("Reason: %(reason)s") % {"reason": reason}
        _tell(locked, HOSPITAL_ROLES, title, body, kind=f"screening.{locked.status}")

    return transition(item, action, actor=actor, reason=reason, check=check, decided_at=lambda i: timezone.now(),
                      decided_by=actor, decision_reason=reason, after=after)


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
    guard = _guard("assign")

    def check(locked: ScreeningItem) -> dict:
        if not ExpertProfile.objects.with_scope(region=[locked.region_id]).filter(
                region_id=locked.region_id, user=expert, active=True, user__is_active=True).exists():
            raise ValidationFailed(_("expert: %(name)s is not an active expert of the region.") % {"name": expert})
        if locked.hospital_id in affiliated_hospitals(expert, locked.region_id):
            raise ValidationFailed(_("expert: %(name)s is affiliated with the hospital.") % {"name": expert},
                                   code="conflict_of_interest")
        return {**guard(locked), "expert": expert.username}

    return transition(item, "assign", actor=actor, check=check, expert=expert, expert_suggestion="",
                      expert_opinion="", after=lambda i, old: notify(
                          users=[expert], region=i.region, url=_url(i), kind="screening.assigned",
                          title=lambda: _("Please give an expert opinion on %(label)s") % {"label": _label(i)}))


@transaction.atomic
def item_opinion(*, actor: User | None, item: ScreeningItem, suggestion: str, comment: str) -> ScreeningItem:
    if suggestion not in Suggestion.values:
        raise ValidationFailed(_("suggestion: one of %(values)s.") % {"values": ", ".join(Suggestion.values)})
    comment = _text(comment, "comment")
    guard = _guard("opinion")
    return transition(item, "opinion", actor=actor, check=lambda i: {**guard(i), "suggestion": suggestion},
                      expert_suggestion=suggestion, expert_opinion=comment,
                      after=lambda i, old: _tell(i, BUREAU_ROLES, lambda: _("The expert gave an opinion on %(label)s")
                                                 % {"label": _label(i)}, comment[:200], kind="screening.opinion"))


def _store_attachment(actor: User | None, item: ScreeningItem, upload) -> Attachment:
    stored = store_upload(upload, "screening", allowed=ALLOWED_CONTENT, max_bytes=MAX_ATTACHMENT_BYTES)
    attachment = Attachment.objects.with_scope(region=[item.region_id]).create(
        region_id=item.region_id, item=item, uploaded_by=actor, **stored)
    record_event(actor=actor, action="screening.attachment_added", obj=item,
                 new={"attachment": attachment.pk, "name": stored["original_name"], "sha256": stored["sha256"]})
    return attachment


ACTIONS = {"answer": item_answer, "confirm": item_confirm, "clear": item_clear}


def get_item(actor: User, pk: int) -> ScreeningItem:
    try:
        return selectors.item_get(actor, int(pk))
    except (TypeError, ValueError):
        raise NotFound() from None
