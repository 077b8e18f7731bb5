"""Template helpers for cases on any page: codes with their names, warning and import-error labels.

``{% coded_list codes "dx" as rows %}`` gives ``[(code, name)]`` from the national code lists (ICD-10 /
ICD-9-CM-3 医保版) so a page shows each code with its name. They live in cases (not in core's ``ux_tags``)
because they read the cases app: core sits below it.
"""
from __future__ import annotations

from django import template

from apps.cases.enums import CaseWarning
from apps.cases.importer import error_messages
from apps.cases.labels import field_label as _field_label
from apps.cases.models import DiagnosisCode, ProcedureCode

register = template.Library()


@register.simple_tag
def coded_list(codes, kind: str = "dx") -> list[tuple[str, str]]:
    """[(code, name)] for a code or a list of codes, in order; a code not in the list gets an empty name."""
    if isinstance(codes, str):
        codes = [codes]
    codes = [c for c in (codes or []) if c]
    if not codes:
        return []
    model = DiagnosisCode if kind == "dx" else ProcedureCode
    names = dict(model.objects.filter(code__in=codes).values_list("code", "name"))
    return [(c, names.get(c, "")) for c in codes]


@register.inclusion_tag("includes/coded.html")
def coded(codes, kind: str = "dx", empty: str = "—"):
    """Each code with its name, one per line (diagnoses: kind "dx"; procedures: "proc")."""
    return {"rows": coded_list(codes, kind), "empty": empty}


@register.filter
def case_warning_label(code: str) -> str:
    """A quality-check warning code (``los_short``) as its label in the reader's language."""
    return str(dict(CaseWarning.choices).get(code, code))


@register.filter
def import_error_message(error: dict) -> str:
    """An import error in the reader's language: rebuilt from its code, field and value when the row stored
    them (imports since issue 18), else the message as stored at import time."""
    template_ = error_messages().get(error.get("code", ""))
    if template_ is None or "value" not in error:
        return error.get("message", "")
    return template_.replace("{field}", _field_label(error.get("field", ""))).replace(
        "{value}", error.get("value") or "")


@register.filter
def field_label(name: str) -> str:
    return _field_label(name)
