"""Texts the portal writes itself, stored in every portal language so each reader sees their own.

Inbox messages (decision 0039) and generated notices (decision 0043) take a text either as a plain string
(written by a person: kept as given, every reader sees it) or as a callable that builds it with gettext
(`lambda: _("…") % {…}`), rendered once per `settings.LANGUAGES` entry when the row is written and stored as
a JSON `{language: text}` beside the plain column. Reading picks the active language, else the plain column.
"""
from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db import models
from django.utils import translation

Text = str | Callable[[], str]


def in_every_language(text: Text) -> dict[str, str]:
    """A callable builds the text in the active language: call it once per portal language. A plain string
    has only the writer's language (an empty dict: every reader sees it as given)."""
    if not callable(text):
        return {}
    rendered = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            rendered[code] = str(text())
    return rendered


def in_portal_language(text: Text, texts: dict[str, str]) -> str:
    """What the plain column stores (the official text, the fallback, the e-mail): a plain string as given, a
    built text in the portal's first language (`settings.LANGUAGE_CODE`), whatever language is active now."""
    if not callable(text):
        return str(text or "")
    return texts.get(settings.LANGUAGE_CODE) or next(iter(texts.values()), "")


def in_language(texts: dict | None, fallback: str, language: str | None = None) -> str:
    """The text in `language` (default: the reader's, i.e. the active one) from `texts`, else `fallback`."""
    return (texts or {}).get(language or translation.get_language() or "", fallback)


class TranslatedTitleBody(models.Model):
    """A `title`/`body` pair the portal writes, kept in every portal language beside the plain columns (which
    hold the writer's language: the official Chinese of a notice, the inbox message as first written)."""

    title_i18n = models.JSONField(default=dict, blank=True)
    body_i18n = models.JSONField(default=dict, blank=True)

    class Meta:
        abstract = True

    @property
    def display_title(self) -> str:
        return in_language(self.title_i18n, self.title)

    @property
    def display_body(self) -> str:
        return in_language(self.body_i18n, self.body)
