"""`notify`: the one way to tell users that something needs them; rows now, e-mail after commit."""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone, translation

from apps.core.errors import NotFound

from .models import Notification

log = logging.getLogger(__name__)


Text = str | Callable[[], str]


def in_every_language(text: Text) -> dict[str, str]:
    """A callable builds the text in the active language: call it once per portal language. A plain string
    has only the sender's language (an empty dict: every reader sees it as given)."""
    if not callable(text):
        return {}
    rendered = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            rendered[code] = str(text())
    return rendered


def notify(*, users: Iterable, region, title: Text, body: Text = "", url: str = "", kind: str = "") -> list[Notification]:
    """One notification per distinct active user; the e-mail goes out only if the transaction commits.

    `title` and `body` may be callables that build the text with gettext (e.g. `lambda: _("…") % {…}`): the
    notification then stores it in every language and each reader sees their own. Mail failures are logged,
    never raised: a transition must not fail because the mail server did.
    """
    titles, bodies = in_every_language(title), in_every_language(body)
    title = str(title()) if callable(title) else str(title)
    body = str(body()) if callable(body) else str(body)
    seen: set[int] = set()
    rows = []
    for user in users:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        rows.append(Notification(region_id=region.pk, user=user, kind=kind, title=title[:200], body=body,
                                 url=url, title_i18n={k: v[:200] for k, v in titles.items()}, body_i18n=bodies))
    if not rows:
        return []
    Notification._base_manager.bulk_create(rows)
    recipients = {row.pk: row.user.email for row in rows if row.user.email}
    if recipients:
        transaction.on_commit(lambda: _send_mail(recipients, title, body, url))
    return rows


def _send_mail(recipients: dict[int, str], title: str, body: str, url: str) -> None:
    base = getattr(settings, "PORTAL_BASE_URL", "")
    text = body + (f"\n\n{base}{url}" if url else "")
    sent = []
    try:
        with get_connection() as connection:
            for pk, address in recipients.items():
                EmailMessage(subject=title, body=text, to=[address], connection=connection).send()
                sent.append(pk)
    except Exception:  # noqa: BLE001 - the in-portal notification stays; the mail is best effort
        log.exception("notification mail failed")
    if sent:
        Notification._base_manager.filter(pk__in=sent).update(emailed=True)


def mark_read(*, user, notification_id: int) -> Notification:
    """Mark one of the user's own notifications read (idempotent); another user's is 404."""
    row = Notification._base_manager.filter(pk=notification_id, user=user).first()
    if row is None:
        raise NotFound()
    if row.read_at is None:
        row.read_at = timezone.now()
        row.save(update_fields=["read_at"])
    return row


def mark_all_read(*, user) -> int:
    return Notification._base_manager.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())


def users_with_roles(region_id: int, roles, hospital_id: int | None = None) -> list:
    """Active users holding one of `roles` in the region (and, if given, at the hospital): whom to notify."""
    from apps.tenants.models import Membership, User

    qs = Membership.objects.with_scope(region=[region_id]).filter(
        region_id=region_id, role__in=list(roles), user__is_active=True)
    if hospital_id is not None:
        qs = qs.filter(hospital_id=hospital_id)
    ids = set(qs.values_list("user_id", flat=True))
    return list(User.objects.filter(pk__in=ids).order_by("pk"))
