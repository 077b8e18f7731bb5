"""Template helpers for what the reader sees: the region's payment vocabulary (DRG/DIP) and named codes.

``{% term "point_value" region %}`` — one term in that region's vocabulary (apps/core/vocabulary.py);
without a region, the reader's (``vocab`` in the context). ``{{ text|in_terms:region }}`` rewrites a text
composed with DRG words. ``{% coded_list codes "dx" as rows %}`` gives ``[(code, name)]`` from the national
code lists (ICD-10 / ICD-9-CM-3 医保版) so a page shows each code with its name.
"""
from __future__ import annotations

from django import template

from apps.core.vocabulary import localize_terms, vocabulary
from apps.core.vocabulary import term as _term

register = template.Library()


@register.simple_tag(takes_context=True)
def term(context, key: str, region=None) -> str:
    if region is None:
        vocab = context.get("vocab") or vocabulary()
        return str(vocab.get(key, key))
    return _term(key, region)


@register.filter
def in_terms(text, region=None) -> str:
    return localize_terms(str(text), region)


@register.simple_tag
def coded_list(codes, kind: str = "dx") -> list[tuple[str, str]]:
    """[(code, name)] for a code or a list of codes, in order; a code not in the list gets an empty name."""
    from apps.cases.models import DiagnosisCode, ProcedureCode

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
def action_label(action: str) -> str:
    """An audit action code as words in the reader's language (apps/core/labels.py)."""
    from apps.core.labels import action_label as label

    return label(action)


@register.filter
def case_warning_label(code: str) -> str:
    """A quality-check warning code (``los_short``) as its label in the reader's language."""
    from apps.cases.enums import CaseWarning

    return str(dict(CaseWarning.choices).get(code, code))


@register.filter
def import_error_message(error: dict) -> str:
    """An import error in the reader's language: rebuilt from its code, field and value when the row stored
    them (imports since issue 18), else the message as stored at import time."""
    from apps.cases.importer import error_messages
    from apps.cases.labels import field_label

    template_ = error_messages().get(error.get("code", ""))
    if template_ is None or "value" not in error:
        return error.get("message", "")
    return template_.replace("{field}", field_label(error.get("field", ""))).replace(
        "{value}", error.get("value") or "")


@register.filter
def field_label(name: str) -> str:
    from apps.cases.labels import field_label as label

    return label(name)
