"""`notify`: the one way to tell users that something needs them; rows now, e-mail after commit."""
from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone

from apps.core.errors import NotFound
from apps.core.i18n import Text, in_every_language, in_portal_language

from .models import Notification

log = logging.getLogger(__name__)


__all__ = ["Text", "mark_all_read", "mark_read", "notify"]


def notify(*, users: Iterable, region, title: Text, body: Text = "", url: str = "", kind: str = "") -> list[Notification]:
    """One notification per distinct active user; the e-mail goes out only if the transaction commits.

    `title` and `body` may be callables that build the text with gettext (e.g. `lambda: _("…") % {…}`): the
    notification then stores it in every language and each reader sees their own. Mail failures are logged,
    never raised: a transition must not fail because the mail server did.
    """
    titles, bodies = in_every_language(title), in_every_language(body)
    # the plain columns (and the e-mail) in the portal's first language, whatever language the actor's request
    # happens to be in: they are the fallback a reader sees when their language is missing
    title, body = in_portal_language(title, titles), in_portal_language(body, bodies)
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


