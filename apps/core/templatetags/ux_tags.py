"""Template helpers for what the reader sees: the region's payment vocabulary (DRG/DIP) and named codes.

``{% term "point_value" region %}`` — one term in that region's vocabulary (apps/core/vocabulary.py);
without a region, the reader's (``vocab`` in the context). ``{{ text|in_terms:region }}`` rewrites a text
composed with DRG words. Codes with their names and case labels: ``case_tags`` (apps/cases/templatetags).
"""
from __future__ import annotations

from django import template

from apps.core.labels import action_label as label
from apps.core.vocabulary import localize_terms, vocabulary
from apps.core.vocabulary import term as _term

register = template.Library()


@register.simple_tag(takes_context=True)
def term(context, key: str, region=None) -> str:
    if region is None:
        vocab = context.get("vocab") or vocabulary()
        return str(vocab.get(key, key))
    return _term(key, region)


@register.filter(is_safe=True)  # replaces words only: a safe text (blocktranslate asvar) stays safe
def in_terms(text, region=None) -> str:
    return localize_terms(str(text), region)


@register.filter
def action_label(action: str) -> str:
    """An audit action code as words in the reader's language (apps/core/labels.py)."""
    return label(action)
