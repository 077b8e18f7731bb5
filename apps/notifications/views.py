"""The inbox screen: the user's own notifications, unread first-class, mark one or all read."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Window
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from apps.core.errors import NotFound

from . import selectors, services


@login_required
def inbox(request):
    qs = selectors.inbox(request.user)
    only_unread = request.GET.get("unread") == "1"
    if only_unread:
        qs = qs.filter(read_at__isnull=True)
    page_obj = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {
        "page_obj": page_obj, "only_unread": only_unread, "unread": selectors.unread_count(request.user)})


@login_required
@require_POST
def mark_read(request, pk: int):
    """Mark read and follow the link when asked (`?go=1`), so a click on a message opens its item."""
    try:
        row = services.mark_read(user=request.user, notification_id=pk)
    except NotFound:
        raise Http404
    if request.POST.get("go") and row.url and url_has_allowed_host_and_scheme(row.url, allowed_hosts={request.get_host()}):
        return redirect(row.url)
    return redirect("notifications:inbox")


@login_required
@require_POST
def mark_all_read(request):
    services.mark_all_read(user=request.user)
    return redirect("notifications:inbox")


def unread_widget(request) -> dict | None:
    """Dashboard: the latest unread notifications (hidden when there are none)."""
    qs = selectors.inbox(request.user).filter(read_at__isnull=True)
    items = list(qs.annotate(unread_total=Window(Count("id")))[:5])  # the count rides along: one query
    if not items:
        return None
    return {"count": items[0].unread_total, "items": items}
