"""`{% prepare_notice_button kind item %}`: the "prepare notice" button of a published source page
(coefficient version, group statistics, settlement run), shown only to users who may draft notices."""
from __future__ import annotations

from django import template

from .. import rules

register = template.Library()


@register.inclusion_tag("notices/_prepare_button.html", takes_context=True)
def prepare_notice_button(context, kind: str, item) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    show = (item is not None and getattr(item, "status", "") == "published" and user is not None
            and user.is_authenticated and rules.can_draft(user, item.region_id)
            and not (kind in ("run", "run-publish") and getattr(item, "kind", "") == "simulation")
            and (kind != "run-publish" or rules.can_publish(user, item.region_id)))
    return {"show": show, "kind": kind, "source_id": getattr(item, "pk", None), "csrf_token": context.get("csrf_token")}
