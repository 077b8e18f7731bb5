"""API tokens that end: rotated on a password change and on deactivation, expired after idle hours, revocable.

Why: a DRF token is a bearer password. Before, a password reset ended the web sessions but the old
token kept working and the next login handed out the same key, and tokens never expired. Now every
change of the password hash or deactivation deletes the user's token (whatever path saved the user:
the bureau's reset, the user's own change, the admin), the next login creates a new key, a token
unused for API_TOKEN_IDLE_HOURS is refused and deleted, and each of these is an audit event.
"""
from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from apps.core.audit import record_event
from apps.core.errors import Forbidden

from .models import ApiTokenActivity, User

TOUCH_EVERY = timedelta(minutes=5)  # write the last use at most this often (no UPDATE per request)


def idle_limit() -> timedelta | None:
    hours = getattr(settings, "API_TOKEN_IDLE_HOURS", 24 * 7)
    return timedelta(hours=float(hours)) if hours else None


def issue_token(user: User) -> Token:
    """The user's token for a fresh login (a new key after a rotation or revocation)."""
    token, created = Token.objects.get_or_create(user=user)
    now = timezone.now()
    ApiTokenActivity.objects.update_or_create(token=token, defaults={"last_used_at": now})
    if created:
        record_event(actor=user, action="token.issue", obj=user, region=_region_of(user),
                     new={"username": user.username})
    return token


def revoke_tokens(*, actor: User | None, user: User, reason: str) -> int:
    """Delete the user's token(s); audited when there was one. Returns how many were deleted."""
    deleted, _rows = Token.objects.filter(user=user).delete()
    if deleted:
        record_event(actor=actor, action="token.revoke", obj=user, region=_region_of(user),
                     new={"username": user.username}, reason=reason)
    return 1 if deleted else 0


def _region_of(user: User):
    from .models import Membership

    membership = Membership.objects.with_scopes_disabled().filter(user=user, region__isnull=False) \
        .select_related("region").first()
    return membership.region if membership else None


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF token authentication with an idle expiry; the answer for an expired token is 401 `token_expired`."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        limit = idle_limit()
        now = timezone.now()
        activity = ApiTokenActivity.objects.filter(token=token).first()
        last = activity.last_used_at if activity else token.created
        if limit is not None and now - last > limit:
            revoke_tokens(actor=None, user=user, reason="idle expiry")
            raise exceptions.AuthenticationFailed(_("The token has expired; request a new one."), code="token_expired")
        if activity is None or now - last > TOUCH_EVERY:
            ApiTokenActivity.objects.update_or_create(token=token, defaults={"last_used_at": now})
        return user, token


@receiver(pre_save, sender=User)
def _remember_credentials(sender, instance: User, **kwargs) -> None:
    update_fields = kwargs.get("update_fields")
    if instance.pk is None or (update_fields is not None and not {"password", "is_active"} & set(update_fields)):
        return
    old = User.objects.filter(pk=instance.pk).values("password", "is_active").first()
    instance._token_rotate = None
    if old is not None:
        if old["password"] != instance.password:
            instance._token_rotate = "password change"
        elif old["is_active"] and not instance.is_active:
            instance._token_rotate = "deactivation"


@receiver(post_save, sender=User)
def _rotate_on_credentials(sender, instance: User, created: bool, **kwargs) -> None:
    reason = getattr(instance, "_token_rotate", None)
    if reason and not created:
        revoke_tokens(actor=None, user=instance, reason=reason)
        instance._token_rotate = None


def token_revoke(*, actor: User, user: User) -> int:
    """Revoke `user`'s API token: the user themselves, or whoever may reset their password (a bureau
    administrator for their region's users; the same grant check, so a user who also works in another
    region is out of a single bureau's reach)."""
    from django.db import transaction
    from django_scopes import scopes_disabled

    from .access import get_access
    from .models import Membership
    from .services import _check_membership_grant

    if actor.pk != user.pk:
        with scopes_disabled():
            held = list(Membership.objects.filter(user=user).select_related("region", "hospital"))
        if not held and not get_access(actor).is_platform_admin:
            raise Forbidden("Only a platform administrator can revoke this user's token.")
        for m in held:
            _check_membership_grant(actor, m.role, m.region, m.hospital)
    with transaction.atomic():
        return revoke_tokens(actor=actor, user=user, reason="revoked by the user" if actor.pk == user.pk
                             else "revoked by an administrator")
