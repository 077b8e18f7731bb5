"""The decision letter (争议处理决定书) rendered by apps.core.pdf: red-head document with the doc number, the
claim, the decision, the adjustment and the appeal clause; stored once with its SHA-256."""
from __future__ import annotations

import hashlib
import os

from django.conf import settings
from django_scopes import scopes_disabled

from apps.disputes.letter import letter_document

from .conftest import make


def test_letter_is_a_red_head_pdf(dw):
    a = dw["A"]
    d = make(a, "decided", subject_type="case", outcome="upheld")
    assert d.letter_path.startswith("disputes/letters/") and d.letter_sha256
    content = (settings.PRIVATE_MEDIA_ROOT / d.letter_path).read_bytes()
    assert content.startswith(b"%PDF") and hashlib.sha256(content).hexdigest() == d.letter_sha256
    with scopes_disabled():
        doc = letter_document(d)
    assert doc.title == "争议处理决定书" and doc.doc_number == d.letter_number
    assert doc.addressee == f"{a.hospital.name}：" and doc.issuer.endswith("医疗保障局")
    text = " ".join(getattr(b, "text", "") for b in doc.blocks)
    assert d.claim in text and "维持原结果" in text and "申请复议一次" in text
    if os.environ.get("DISPUTES_LETTER_OUT"):  # for looking at it: pdftoppm -r 60 -png
        with open(os.environ["DISPUTES_LETTER_OUT"], "wb") as fh:
            fh.write(content)
