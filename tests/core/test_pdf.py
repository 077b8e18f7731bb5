"""The red-head PDF service: real CJK text, document number, tables, page numbers; stored once with SHA-256."""
import datetime as dt
import subprocess
from decimal import Decimal

import pytest

from apps.core.errors import NotFound
from apps.core.pdf import (
    Heading,
    Paragraph,
    RedHeadDocument,
    Table,
    chinese_date,
    read_stored_pdf,
    render_pdf,
    store_pdf,
)


def _text(content: bytes) -> str:
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True).stdout.decode()


def test_chinese_date():
    assert chinese_date(dt.date(2024, 3, 5)) == "二〇二四年三月五日"
    assert chinese_date(dt.date(2026, 10, 20)) == "二〇二六年十月二十日"
    assert chinese_date(dt.date(2025, 12, 31)) == "二〇二五年十二月三十一日"


def test_red_head_document_text_and_figures(tmp_path, settings):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    doc = RedHeadDocument(issuer="宣城市医疗保障局", title="关于公布2024年度医疗机构系数的通知",
                          doc_number="宣医保秘〔2024〕16号", date=dt.date(2024, 3, 5), addressee="各定点医疗机构：",
                          blocks=[Paragraph("现将系数予以公示。"), Heading("一、系数"),
                                  Table(["机构编码", "系数"], [["H001", Decimal("1.0234")]], numeric_columns=(1,))])
    content = render_pdf(doc)
    text = _text(content)
    for expected in ("宣城市医疗保障局文件", "宣医保秘〔2024〕16号", "关于公布2024年度医疗机构系数的通知", "1.0234",
                     "二〇二四年三月五日", "—1—"):
        assert expected in text
    relative, digest = store_pdf(content, "test-docs")
    assert read_stored_pdf(relative, digest) == content
    (tmp_path / relative).write_bytes(content + b"x")
    with pytest.raises(NotFound):
        read_stored_pdf(relative, digest)
    with pytest.raises(NotFound):
        read_stored_pdf("../../etc/passwd", "")
