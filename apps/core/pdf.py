"""One PDF service for every official document (workflows.md §4): the red-head layout.

A document is described as data (`RedHeadDocument` with ordered blocks: headings, paragraphs, tables),
rendered by WeasyPrint with the Noto CJK fonts that the setup installs. Callers that need a different
page (training certificates) pass their own template to `render_template_pdf`; both share the fonts
and page rules of `core/pdf/base.css`.

Published files never change: `store_pdf` writes the bytes once under PRIVATE_MEDIA_ROOT and returns
the relative path and SHA-256 that the owning model stores; `read_stored_pdf` re-checks the hash on
every read so a tampered file is refused instead of served.
"""
from __future__ import annotations

import atexit
import datetime as dt
import hashlib
import re
import threading
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string

from apps.core.errors import NotFound

CN_DIGITS = "〇一二三四五六七八九"


@dataclass
class Heading:
    text: str


@dataclass
class Paragraph:
    text: str
    indent: bool = True  # first-line indent of two characters, as in official documents


@dataclass
class Table:
    headers: list[str]
    rows: list[list]
    caption: str = ""
    numeric_columns: tuple[int, ...] = ()  # right-aligned (figures)
    total_row: list | None = None


Block = Heading | Paragraph | Table


@dataclass
class RedHeadDocument:
    issuer: str  # 宣城市医疗保障局
    title: str  # 关于公布2024年度医疗机构系数的通知
    doc_number: str = ""  # 宣医保秘〔2024〕16号
    date: dt.date | None = None
    addressee: str = ""  # 各定点医疗机构：
    blocks: list[Block] = field(default_factory=list)
    signature: str = ""  # defaults to the issuer
    attachments: list[str] = field(default_factory=list)  # 附件 names listed after the body
    footer_note: str = ""  # e.g. 抄送 / 公开方式 line under the closing rule
    header_label: str = "文件"  # the red head reads「宣城市医疗保障局文件」

    @property
    def signature_text(self) -> str:
        return self.signature or self.issuer


def chinese_date(day: dt.date) -> str:
    """二〇二四年三月五日, the date style of official documents."""
    def number(n: int) -> str:
        if n < 10:
            return CN_DIGITS[n]
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else CN_DIGITS[tens]) + "十" + (CN_DIGITS[ones] if ones else "")

    year = "".join(CN_DIGITS[int(c)] for c in str(day.year))
    return f"{year}年{number(day.month)}月{number(day.day)}日"


def format_cell(value) -> str:
    """Figures as stored (plain decimals); None as an em dash."""
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _display_width(text: str) -> float:
    """Rough printed width in half-em units: CJK and full-width characters 2, capitals 1.3, others 1."""
    return sum(2 if ord(c) > 0x2E7F else 1.3 if c.isupper() else 1 for c in text)


def _longest_token(text: str) -> float:
    """The widest run that cannot wrap (Latin words, codes, figures)."""
    return max((_display_width(t) for t in text.split() if t.isascii()), default=0)


WRAP_AT = 36  # a column wider than this (half-ems) wraps its text instead of growing


def column_widths(headers: list[str], rows: list[list[str]], sample: int = 400) -> list[float]:
    """Column widths in percent from the content, so a table can use the fast fixed layout.

    WeasyPrint's automatic table layout measures every cell again for every page (quadratic in the
    rows of a long statement); `table-layout: fixed` with these widths renders in linear time.
    Headers may wrap (half their width counts); long texts wrap at WRAP_AT; codes and figures never do.
    """
    n = len(headers)
    if not n:
        return []
    widest = [max(min(_display_width(str(h)) / 2, WRAP_AT), _longest_token(str(h)), 4) for h in headers]
    step = max(1, len(rows) // sample)
    for row in rows[::step][:sample] + rows[-3:]:
        for i, cell in enumerate(row[:n]):
            text = str(cell)
            widest[i] = max(widest[i], min(_display_width(text), WRAP_AT), _longest_token(text))
    widest = [w + 2 for w in widest]  # cell padding
    total = sum(widest)
    return [round(100 * w / total, 2) for w in widest]


_local = threading.local()

# WeasyPrint's HTML user-agent sheet gives every element of the document six pseudo-element styles
# (::marker, ::footnote-call/-marker, ::note-call/-marker/-callback) that our documents never use:
# 31,000 computed styles for a 640-row statement instead of 5,000. The lean sheet drops the footnote/note
# rules and keeps ::marker for list items only (decision 0049).
_UNUSED_UA_RULES = re.compile(r"^::(footnote-call|footnote-marker|note-call|note-marker|note-callback)\b[^\n]*\n", re.M)


def _lean_ua_stylesheet():
    """WeasyPrint's html5_ua.css without the footnote/note pseudo-elements; ::marker kept for list items only."""
    import weasyprint
    from weasyprint import CSS

    source = (Path(weasyprint.__file__).parent / "css" / "html5_ua.css").read_text(encoding="utf-8")
    lean = _UNUSED_UA_RULES.sub("", source)
    lean = re.sub(r"^::marker\b", "li::marker, summary::marker", lean, flags=re.M)
    return CSS(string=lean)


def _renderer():
    """Per thread (Pango is not thread-safe): one FontConfiguration reused by every document, the subset-font
    @font-face sheet bound to it, and the HTML class with the lean UA sheet.

    Reusing the FontConfiguration keeps Pango's font map warm (faces loaded, glyph metrics cached) from one
    document to the next in a worker process instead of rebuilding it for every PDF.
    """
    renderer = getattr(_local, "renderer", None)
    if renderer is None:
        from weasyprint import CSS, HTML  # imported late: loading pango/harfbuzz costs ~0.3 s
        from weasyprint.text.fonts import FontConfiguration

        from apps.core.pdffonts import font_face_css

        font_config = FontConfiguration()
        faces = font_face_css()
        sheets = [CSS(string=faces, font_config=font_config)] if faces else []
        ua = _lean_ua_stylesheet()

        class OfficialHTML(HTML):
            def _ua_stylesheets(self, forms=False):  # WeasyPrint 70 hook (pinned in requirements.txt)
                return [ua] if not forms else super()._ua_stylesheets(forms)

        renderer = _local.renderer = (OfficialHTML, font_config, sheets)
        if threading.current_thread() is threading.main_thread():
            # Free it while the interpreter is still whole (its __del__ removes a temporary folder).
            atexit.register(lambda: _local.__dict__.pop("renderer", None))
    return renderer


def render_html_pdf(html: str) -> bytes:
    html_class, font_config, sheets = _renderer()
    return html_class(string=html, base_url=str(settings.BASE_DIR)).write_pdf(stylesheets=sheets,
                                                                              font_config=font_config)


def render_template_pdf(template_name: str, context: dict) -> bytes:
    return render_html_pdf(render_to_string(template_name, context))


def render_pdf(document: RedHeadDocument) -> bytes:
    blocks = []
    for block in document.blocks:
        if isinstance(block, Table):
            rows = [[format_cell(v) for v in row] for row in block.rows]
            total = [format_cell(v) for v in block.total_row] if block.total_row else None
            blocks.append({"kind": "table", "caption": block.caption, "headers": block.headers,
                           "numeric": set(block.numeric_columns), "rows": rows, "total": total,
                           "widths": column_widths(block.headers, rows + ([total] if total else []))})
        elif isinstance(block, Heading):
            blocks.append({"kind": "heading", "text": block.text})
        else:
            blocks.append({"kind": "paragraph", "text": block.text, "indent": block.indent})
    day = document.date or dt.date.today()
    return render_template_pdf("core/pdf/redhead.html", {"doc": document, "blocks": blocks,
                                                          "date_text": chinese_date(day)})


def sha256_hex(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _root() -> Path:
    return Path(settings.PRIVATE_MEDIA_ROOT).resolve()


def store_pdf(content: bytes, folder: str) -> tuple[str, str]:
    """Write once under PRIVATE_MEDIA_ROOT/<folder>/ with a random name; return (relative path, sha256)."""
    relative = f"{folder.strip('/')}/{uuid.uuid4().hex}.pdf"
    path = _root() / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "xb") as fh:  # never overwrite
        fh.write(content)
    return relative, sha256_hex(content)


def read_stored_pdf(relative: str, expected_sha256: str) -> bytes:
    """The stored bytes, refused (NotFound) when missing, outside the root or not matching the hash."""
    root = _root()
    path = (root / relative).resolve()
    if root not in path.parents or not path.is_file():
        raise NotFound("The document file is missing.")
    content = path.read_bytes()
    if expected_sha256 and sha256_hex(content) != expected_sha256:
        raise NotFound("The document file does not match its recorded SHA-256.")
    return content


def pdf_response(content: bytes, filename: str, inline: bool = True):
    """An HttpResponse for a PDF; the file name is ours (ASCII-safe + RFC 5987 UTF-8 form)."""
    from urllib.parse import quote

    from django.http import HttpResponse

    response = HttpResponse(content, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    ascii_name = "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "_" for c in filename) or "document.pdf"
    response["Content-Disposition"] = f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    response["X-Content-Type-Options"] = "nosniff"
    return response
