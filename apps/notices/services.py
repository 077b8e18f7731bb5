"""State changes of notices (workflows.md §4): one function per transition.

draft → published → final (objection period over) | withdrawn | superseded (by a later notice).
Each runs in `transaction.atomic` with the notice locked, checks scope (404) and role (403), refuses illegal
transitions (InvalidTransition) and writes the audit trail. `actor=None` is the system (beat task, demo,
other apps' services acting on their own authority) and skips the role checks.

Publishing renders the PDF once (Celery task `notices.render_pdf`; inline with `sync=True` or when Celery
runs eagerly) and stores the file and its SHA-256; nothing rewrites them afterwards.
"""
from __future__ import annotations

import datetime as dt
import logging
import re

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.core import jobs
from apps.core.audit import record_event
from apps.core.calendar import add_working_days
from apps.core.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed
from apps.core.i18n import Text, in_every_language, in_language, in_portal_language
from apps.core.pdf import store_pdf
from apps.core.scoping import scoped
from apps.core.workflow import authorize, require_state, transition
from apps.hospitals.models import Hospital
from apps.notifications.services import notify
from apps.tenants.access import get_access
from apps.tenants.enums import HOSPITAL_ROLES
from apps.tenants.models import Membership, PolicyYear, Region, User

from . import rules
from .enums import LIVE, TYPE_CN, NoticeStatus, NoticeType
from .models import Acknowledgement, Notice, NoticeRecipient
from .transitions import WORKFLOW

log = logging.getLogger(__name__)

EDITABLE_FIELDS = ("type", "title", "doc_number", "body", "blocks", "addressees", "objection_days", "year")
BLOCK_KINDS = {"heading", "paragraph", "table", "settlement_cases"}


_scoped = scoped  # the shared helper (apps.core.scoping.scoped)


def _require_live(notice: Notice) -> None:
    """The other notice of a supersession must itself be in force (the table's sources of `supersede`)."""
    require_state(WORKFLOW, notice, "supersede")


def notice_url(notice: Notice) -> str:
    return reverse("notices:detail", args=[notice.pk])


# --- validation ------------------------------------------------------------------------------------


def clean_addressees(region_id: int, addressees) -> dict:
    """{"all": true} | {"levels": [1..3]} | {"hospitals": [codes of this region]}; None → all."""
    if not addressees:
        return {"all": True}
    if not isinstance(addressees, dict):
        raise ValidationFailed(_("addressees: expected an object."))
    if addressees.get("all"):
        return {"all": True}
    if "levels" in addressees and addressees["levels"]:
        try:
            levels = sorted({int(v) for v in addressees["levels"]})
        except (TypeError, ValueError):
            raise ValidationFailed(_("addressees: levels are 1, 2 or 3.")) from None
        if not set(levels) <= {1, 2, 3}:
            raise ValidationFailed(_("addressees: levels are 1, 2 or 3."))
        return {"levels": levels}
    codes = addressees.get("hospitals")
    if codes:
        codes = sorted({str(c).strip() for c in codes if str(c).strip()})
        known = set(_scoped(Hospital, region_id).filter(region_id=region_id, code__in=codes)
                    .values_list("code", flat=True))
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise ValidationFailed(_("addressees: unknown hospital codes %(codes)s.") % {"codes": ", ".join(unknown)})
        return {"hospitals": codes}
    raise ValidationFailed(_("addressees: choose all hospitals, levels or hospitals."))


def clean_blocks(blocks) -> list:
    if blocks is None:
        return []
    if not isinstance(blocks, list):
        raise ValidationFailed(_("blocks: expected a list."))
    for block in blocks:
        if not isinstance(block, dict) or block.get("kind") not in BLOCK_KINDS:
            raise ValidationFailed(_("blocks: each block needs a kind (heading, paragraph, table)."))
        if block["kind"] == "table":
            headers = block.get("headers") or []
            rows = block.get("rows") or []
            if not headers or any(not isinstance(r, list) or len(r) != len(headers) for r in rows):
                raise ValidationFailed(_("blocks: every table row needs one cell per header."))
    return blocks


def _clean_text(value: str, field: str, required: bool = False, max_length: int = 0) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailed(_("%(field)s is required.") % {"field": field})
    if max_length and len(value) > max_length:
        raise ValidationFailed(_("%(field)s is too long.") % {"field": field})
    return value


# --- drafts ----------------------------------------------------------------------------------------


@transaction.atomic
def notice_create(*, actor, region, type: str, title: Text, doc_number: str = "", body: Text = "",  # noqa: A002
                  blocks: list | None = None, addressees: dict | None = None, objection_days: int | None = None,
                  source_kind: str = "", source_id: int | None = None, year: int | None = None) -> Notice:
    """A draft notice of `region`. Other apps (training, monitoring, disputes) call this with actor=None.

    `title` and `body` written by the portal are callables building the text with gettext: the notice stores
    them in every portal language (each reader sees their own, decision 0043) and the Chinese as `title` /
    `body` (the official text of the PDF). A string (a clerk's typing) is stored as given."""
    if actor is not None and not get_region_visible(actor, region.pk):
        raise NotFound()
    if not rules.can_draft(actor, region.pk):
        raise Forbidden(_("Only the medical insurance bureau can prepare notices."))
    if type not in NoticeType.values:
        raise ValidationFailed(_("Unknown notice type."))
    if objection_days is not None and int(objection_days) < 0:
        raise ValidationFailed(_("The objection period cannot be negative."))
    titles, bodies = in_every_language(title), in_every_language(body)
    notice = Notice.objects.with_scope(region=[region.pk]).create(
        region=region, type=type, title=_clean_text(in_portal_language(title, titles), "title", required=True, max_length=200),
        title_i18n={k: v.strip()[:200] for k, v in titles.items()}, body_i18n=bodies,
        doc_number=_clean_text(doc_number, "doc_number", max_length=60), body=in_portal_language(body, bodies),
        blocks=clean_blocks(blocks), addressees=clean_addressees(region.pk, addressees),
        objection_days=int(objection_days) if objection_days is not None else None,
        source_kind=source_kind or "", source_id=source_id, year=year,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    record_event(actor=actor, action="notice.create", obj=notice,
                 new={"status": notice.status, "type": notice.type, "title": notice.title,
                      "source": f"{source_kind}:{source_id}" if source_kind else ""})
    return notice


def get_region_visible(actor, region_id: int) -> bool:
    return region_id in get_access(actor).region_ids


@transaction.atomic
def notice_update(*, actor, notice: Notice, **changes) -> Notice:
    """Edit a draft (any of EDITABLE_FIELDS); a published notice never changes."""
    def clean() -> None:
        unknown = set(changes) - set(EDITABLE_FIELDS)
        if unknown:
            raise ValidationFailed(_("Cannot change %(fields)s.") % {"fields": ", ".join(sorted(unknown))})

    def check(locked: Notice) -> None:
        if "type" in changes and changes["type"] not in NoticeType.values:
            raise ValidationFailed(_("Unknown notice type."))
        if "title" in changes:
            changes["title"] = _clean_text(changes["title"], "title", required=True, max_length=200)
        if "doc_number" in changes:
            changes["doc_number"] = _clean_text(changes["doc_number"], "doc_number", max_length=60)
        if "addressees" in changes:
            changes["addressees"] = clean_addressees(locked.region_id, changes["addressees"])
        if "blocks" in changes:
            changes["blocks"] = clean_blocks(changes["blocks"])
        if changes.get("objection_days") is not None and int(changes["objection_days"]) < 0:
            raise ValidationFailed(_("The objection period cannot be negative."))
        old.update({k: str(getattr(locked, k))[:200] for k in changes})
        for key in ("title", "body"):  # a clerk's new wording replaces the generated one in every language
            if key in changes and (changes[key] or "") != getattr(locked, key):
                setattr(locked, f"{key}_i18n", {})
        for key, value in changes.items():
            setattr(locked, key, value if key != "body" else (value or ""))

    old: dict = {}
    return transition(notice, "edit", actor=actor, clean=clean, check=check, audit=False,
                      after=lambda n, status: record_event(actor=actor, action="notice.update", obj=n, old=old,
                                                           new={k: str(getattr(n, k))[:200] for k in changes}))


@transaction.atomic
def notice_delete_draft(*, actor, notice: Notice) -> None:
    transition(notice, "delete", actor=actor, snapshot=("title",), after=lambda n, old: n.delete())


# --- publishing ------------------------------------------------------------------------------------


def resolve_recipients(notice: Notice) -> list[int]:
    """Hospital ids addressed by the notice (active hospitals of its region)."""
    qs = _scoped(Hospital, notice.region_id).filter(region_id=notice.region_id)
    addressees = notice.addressees or {"all": True}
    if addressees.get("hospitals"):
        qs = qs.filter(code__in=addressees["hospitals"])
    elif addressees.get("levels"):
        qs = qs.filter(level__in=addressees["levels"])
    if hasattr(Hospital, "active") and not addressees.get("hospitals"):
        qs = qs.filter(active=True)
    return list(qs.order_by("code").values_list("pk", flat=True))


def _objection_days(notice: Notice, day: dt.date) -> int | None:
    if notice.objection_days is not None:
        return notice.objection_days or None
    if notice.type != NoticeType.COEFFICIENT:
        return None
    year = notice.year or day.year
    policy = _scoped(PolicyYear, notice.region_id).filter(region_id=notice.region_id, year=year).first()
    return policy.objection_days if policy is not None else 5


def _abbreviation(region: Region) -> str:
    return (region.name or "医")[0]


def next_doc_number(region: Region, year: int) -> str:
    """宣医保发〔2026〕7号: one number per published notice of the region and year."""
    prefix = f"{_abbreviation(region)}医保发〔{year}〕"
    used = _scoped(Notice, region.pk).filter(region=region, doc_number__startswith=prefix).values_list(
        "doc_number", flat=True)
    numbers = [int(m.group(1)) for d in used if (m := re.search(r"〕(\d+)号$", d))]
    return f"{prefix}{max(numbers, default=0) + 1}号"


def _hospital_users(region_id: int, hospital_ids) -> list[User]:
    ids = set(_scoped(Membership, region_id).filter(region_id=region_id, role__in=list(HOSPITAL_ROLES),
                                                    hospital_id__in=list(hospital_ids), user__is_active=True)
              .values_list("user_id", flat=True))
    return list(User.objects.filter(pk__in=ids).order_by("pk"))


@transaction.atomic
def notice_publish(*, actor, notice: Notice, sync: bool = False) -> Notice:
    """draft → published: number, date, objection period, addressed hospitals, notifications; PDF rendered once."""
    # One publication at a time per region: document numbers stay unique.
    Region.objects.select_for_update().filter(pk=notice.region_id).first()
    hospital_ids: list[int] = []
    replaced: list[Notice] = []

    def check(locked: Notice) -> dict:
        hospital_ids.extend(resolve_recipients(locked))
        if not hospital_ids:
            raise ValidationFailed(_("The notice is not addressed to any hospital."), code="no_addressees")
        if locked.replaces_id:
            replaced.append(_scoped(Notice, locked.region_id).select_for_update().get(pk=locked.replaces_id))
            _require_live(replaced[0])
        now = timezone.now()
        today = timezone.localdate(now)
        locked.published_at = now
        locked.published_by = actor if actor is not None and actor.is_authenticated else None
        if not locked.doc_number:
            locked.doc_number = next_doc_number(locked.region, locked.year or today.year)
        days = _objection_days(locked, today)
        locked.objection_days = days
        locked.objection_ends = add_working_days(locked.region, today, days) if days else None
        return {"doc_number": locked.doc_number, "recipients": len(hospital_ids),
                "objection_ends": locked.objection_ends}

    def after(locked: Notice, old: str) -> None:
        NoticeRecipient.objects.with_scope(region=[locked.region_id]).bulk_create(
            [NoticeRecipient(region_id=locked.region_id, notice=locked, hospital_id=h) for h in hospital_ids])
        if replaced:
            _supersede(actor, replaced[0], locked)
        notify(users=_hospital_users(locked.region_id, hospital_ids), region=locked.region,
               title=lambda: _("[%(label)s] %(title)s") % {"label": _type_label(locked),
                                                           "title": in_language(locked.title_i18n, locked.title)},
               body=lambda: _("%(number)s Please read and acknowledge.") % {"number": locked.doc_number},
               url=notice_url(locked), kind="notice")

    notice = transition(notice, "publish", actor=actor, check=check, after=after)
    _dispatch_render(notice, sync)
    notice.refresh_from_db()
    return notice


def _type_label(notice: Notice) -> str:
    """The notice's type in the active language: the official Chinese name (TYPE_CN), else the type's label."""
    if translation.get_language() == settings.LANGUAGE_CODE:
        return TYPE_CN.get(notice.type, "通知")
    return str(notice.get_type_display())


def _dispatch_render(notice: Notice, sync: bool) -> None:
    if sync or getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        render_stored_pdf(notice.pk, notice.region_id)
        return

    def send() -> None:
        try:
            jobs.enqueue("notices.render_pdf", region_id=notice.region_id, notice_id=notice.pk)
        except Exception as err:  # broker down: say so on the notice; `notices.finalize_expired` retries
            log.exception("could not queue notice rendering")
            Notice._base_manager.filter(pk=notice.pk, sha256="").update(render_error=f"not queued: {err}"[:2000])

    transaction.on_commit(send)


def render_stored_pdf(notice_id: int, region_id: int) -> Notice:
    """Render and store the PDF of a published notice once; a second call finds it done and does nothing."""
    from .documents import render_notice_pdf

    with transaction.atomic():
        notice = _scoped(Notice, region_id).select_for_update(of=("self",)).select_related("region").get(pk=notice_id)
        if notice.sha256 or notice.status == NoticeStatus.DRAFT:
            return notice
        try:
            content = render_notice_pdf(notice)
        except Exception as err:
            Notice._base_manager.filter(pk=notice.pk).update(render_error=str(err)[:2000])
            raise
        path, digest = store_pdf(content, f"notices/{notice.region_id}")
        notice.pdf_path, notice.sha256, notice.pdf_size = path, digest, len(content)
        notice.pdf_pages = content.count(b"/Type /Page\n") or content.count(b"/Type /Page") or None
        notice.render_error = ""
        # A queryset update: the published row's other fields are untouched.
        Notice._base_manager.filter(pk=notice.pk, sha256="").update(
            pdf_path=path, sha256=digest, pdf_size=len(content), pdf_pages=notice.pdf_pages, render_error="")
        record_event(actor=None, action="notice.pdf", obj=notice, new={"sha256": digest, "size": len(content)})
    return notice


# --- after publication -----------------------------------------------------------------------------


@transaction.atomic
def notice_withdraw(*, actor, notice: Notice, reason: str) -> Notice:
    reason = (reason or "").strip()

    def clean() -> None:
        if not reason:
            raise ValidationFailed(_("A reason is required."))

    def after(locked: Notice, old: str) -> None:
        hospital_ids = _scoped(NoticeRecipient, locked.region_id).filter(notice=locked).values_list("hospital_id",
                                                                                                    flat=True)
        notify(users=_hospital_users(locked.region_id, hospital_ids), region=locked.region,
               title=lambda: _("[Withdrawn] %(title)s") % {"title": in_language(locked.title_i18n, locked.title)},
               body=reason, url=notice_url(locked),
               kind="notice")

    return transition(notice, "withdraw", actor=actor, reason=reason, clean=clean, withdrawn_at=lambda n: timezone.now(),
                      withdraw_reason=reason, after=after)


def _supersede(actor, notice: Notice, replacement: Notice) -> Notice:
    return transition(notice, "supersede", actor=actor, superseded_by=replacement,
                      extra={"superseded_by": replacement.pk})


@transaction.atomic
def notice_supersede(*, actor, notice: Notice, replacement: Notice) -> Notice:
    """published/final → superseded by `replacement` (a published notice of the same region)."""
    authorize(notice, "supersede", actor=actor)
    found = _scoped(Notice, notice.region_id).filter(pk=replacement.pk, region_id=notice.region_id).first()
    if found is None or found.pk == notice.pk:
        raise NotFound()
    _require_live(found)
    return _supersede(actor, notice, found)


@transaction.atomic
def notice_revise(*, actor, notice: Notice) -> Notice:
    """A new draft copying a published notice; publishing it supersedes the original."""
    drafts: list[Notice] = []

    def check(locked: Notice) -> dict:
        draft = notice_create(actor=actor, region=locked.region, type=locked.type, title=locked.title,
                              body=locked.body, blocks=locked.blocks, addressees=locked.addressees,
                              objection_days=locked.objection_days, source_kind=locked.source_kind,
                              source_id=locked.source_id, year=locked.year)
        draft.replaces = locked
        draft.title_i18n, draft.body_i18n = locked.title_i18n, locked.body_i18n  # the same texts, every language
        draft.save(update_fields=["replaces", "title_i18n", "body_i18n"])
        drafts.append(draft)
        return {"revision": draft.pk}

    transition(notice, "revise", actor=actor, check=check)
    return drafts[0]


def notice_acknowledge(*, actor, notice: Notice) -> Acknowledgement:
    """签收 by a user of an addressed hospital: recorded once per hospital (idempotent, also concurrently)."""
    notice = _scoped(Notice, notice.region_id).get(pk=notice.pk)
    authorize(notice, "acknowledge", actor=actor)  # scope, then an addressed hospital's user
    hospitals = rules.own_hospitals(actor, notice.region_id)
    addressed = set(_scoped(NoticeRecipient, notice.region_id).filter(notice=notice, hospital_id__in=hospitals)
                    .values_list("hospital_id", flat=True))
    require_state(WORKFLOW, notice, "acknowledge")
    manager = Acknowledgement.objects.with_scope(region=[notice.region_id])
    with transaction.atomic():
        existing = set(manager.filter(notice=notice, hospital_id__in=addressed).values_list("hospital_id", flat=True))
        # INSERT … ON CONFLICT DO NOTHING: two users clicking at once still leave one row per hospital.
        manager.bulk_create([Acknowledgement(region_id=notice.region_id, notice=notice, hospital_id=h, user=actor)
                             for h in sorted(addressed - existing)], ignore_conflicts=True)
        rows = list(manager.filter(notice=notice, hospital_id__in=addressed).order_by("hospital_id"))
        for row in rows:
            if row.hospital_id not in existing and row.user_id == actor.pk:
                record_event(actor=actor, action="notice.acknowledge", obj=notice,
                             new={"hospital": row.hospital_id, "at": row.at})
    return rows[0]


def notice_mark_read(*, user, notice: Notice) -> None:
    from .models import NoticeRead

    if rules.own_hospitals(user, notice.region_id):
        NoticeRead.objects.with_scope(region=[notice.region_id]).bulk_create(
            [NoticeRead(region_id=notice.region_id, notice=notice, user=user)], ignore_conflicts=True)


def notice_finalize_expired(today: dt.date | None = None) -> int:
    """published → final for every notice whose objection period ended before `today` (all regions)."""
    from django_scopes import scopes_disabled

    today = today or timezone.localdate()
    done = 0
    with scopes_disabled():
        ids = list(Notice.objects.filter(status=NoticeStatus.PUBLISHED, objection_ends__lt=today)
                   .values_list("pk", flat=True))
        for pk in ids:
            notice = Notice.objects.filter(pk=pk).first()
            try:
                transition(notice, "finalize", actor=None, finalized_at=lambda n: timezone.now(),
                           check=lambda n: {"objection_ends": n.objection_ends})
            except InvalidTransition:
                continue  # withdrawn or superseded in the meantime
            done += 1
        # Published notices whose PDF never got rendered (broker was down): render now.
        for pk, region_id in Notice.objects.filter(status__in=LIVE, sha256="").values_list("pk", "region_id"):
            try:
                render_stored_pdf(pk, region_id)
            except Exception:  # noqa: BLE001 - keep finalizing the others; render_error says why
                log.exception("notice %s: rendering failed", pk)
    return done
