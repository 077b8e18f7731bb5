"""Small template helpers shared by every list screen: query-string editing and sortable headers."""
from __future__ import annotations

from django import template
from django.utils.html import format_html

from apps.tenants.enums import Role

register = template.Library()


@register.simple_tag(takes_context=True)
def query_replace(context, **changes) -> str:
    """The current query string with some parameters replaced (None or "" removes one)."""
    request = context["request"]
    params = request.GET.copy()
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = value
    return params.urlencode()


@register.simple_tag(takes_context=True)
def sort_link(context, field: str, label: str, param: str = "sort") -> str:
    """A header link that sorts by `field`, toggling ascending/descending; page resets to 1.

    Use in `<th>` of a `table.data`: `{% sort_link "code" _("Code") %}`. The view reads
    `?sort=code` or `?sort=-code` and must whitelist the field.
    """
    request = context["request"]
    current = request.GET.get(param, "")
    descending = current == field
    target = f"-{field}" if descending else field
    params = request.GET.copy()
    params[param] = target
    params.pop("page", None)
    css, arrow = "sort", ""
    if current == field:
        css, arrow = "sort sorted-asc", " ▲"
    elif current == f"-{field}":
        css, arrow = "sort sorted-desc", " ▼"
    return format_html('<a class="{}" href="?{}">{}{}</a>', css, params.urlencode(), label, arrow)


@register.filter
def role_label(value: str) -> str:
    """The display name of a role value."""
    try:
        return str(Role(value).label)
    except ValueError:
        return value
