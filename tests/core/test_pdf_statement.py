"""A long settlement statement through the PDF service: the same pages and text as before the speed-up
(decision 0049), the small GB 2312 fonts embedded, and rare characters still drawn from the full Noto font."""
import datetime as dt
import subprocess
import tempfile
import threading
from decimal import Decimal

import pytest

from apps.core import pdf, pdffonts
from apps.core.pdf import Heading, Paragraph, RedHeadDocument, Table, render_pdf

RARE_HOSPITAL = "宣城市堃祎𠮷医院"  # 堃 祎 𠮷 are outside GB 2312 (𠮷 outside the BMP)


def _poppler(tool: str, content: bytes, *args: str) -> str:
    """pdftotext / pdfinfo / pdffonts of the bytes (through a file: pdfinfo and pdffonts do not read stdin)."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as fh:
        fh.write(content)
        fh.flush()
        out = subprocess.run([tool, *args, fh.name, *(["-"] if tool == "pdftotext" else [])],
                             capture_output=True, check=True)
    return out.stdout.decode()


def _text(content: bytes) -> str:
    return "".join(_poppler("pdftotext", content, "-layout").split())


def _pages(content: bytes) -> int:
    info = _poppler("pdfinfo", content)
    return int(next(line.split()[1] for line in info.splitlines() if line.startswith("Pages:")))


def _statement(rows: int, hospital: str = "宣城市第一人民医院") -> RedHeadDocument:
    case_rows = [[f"3418002025{i:08d}", "EB21", "正常病例", Decimal("12345.67") + i, "305.04", "1.1133",
                  Decimal("339.6010")] for i in range(rows)]
    cases = Table(caption="附件：病例结算明细", headers=["结算ID", "DRG组", "病例类型", "总费用（元）", "基准点数", "系数", "点数"],
                  rows=case_rows, numeric_columns=(3, 4, 5, 6),
                  total_row=["合计", f"{rows}例", "", "1481480.40", "", "", "40752.1200"])
    return RedHeadDocument(issuer="宣城市医疗保障局", title=f"{hospital}2025年度DRG付费年度清算结算通知单",
                           doc_number="宣医保发〔2026〕12号", date=dt.date(2026, 3, 5), addressee=f"{hospital}：",
                           blocks=[Paragraph("根据2025年度清算结果，你单位本期DRG付费结算情况如下。"), Heading("二、病例明细"), cases])


def test_statement_pages_and_chinese_text():
    """120 cases: 4 pages, each starting with the same case as with collapsed borders and the full fonts
    (the rendering before decision 0049)."""
    content = render_pdf(_statement(120))
    assert _pages(content) == 4
    for page, first_case in ((2, "341800202500000020"), (3, "341800202500000056"), (4, "341800202500000092")):
        lines = _poppler("pdftotext", content, "-f", str(page), "-l", str(page), "-layout").splitlines()
        assert next(line.split()[0] for line in lines if line.strip().startswith("3418")) == first_case
    text = _text(content)
    for expected in ("宣城市医疗保障局文件", "宣医保发〔2026〕12号", "宣城市第一人民医院2025年度DRG付费年度清算结算通知单",
                     "附件：病例结算明细", "结算ID", "病例类型", "正常病例", "341800202500000000", "341800202500000119",
                     "12464.67", "339.6010", "合计", "120例", "1481480.40", "二〇二六年三月五日", "—4—"):
        assert expected in text, expected


def test_small_fonts_embedded_and_rare_characters_fall_back():
    if not pdffonts.font_face_css():
        pytest.skip("no Noto CJK / libharfbuzz-subset here: documents use the installed fonts")
    content = render_pdf(_statement(3, hospital=RARE_HOSPITAL))
    fonts = _poppler("pdffonts", content)
    assert "Doc-Serif-SC" in fonts and "Doc-Sans-SC-Bold" in fonts  # the GB 2312 subsets carry the text
    assert "Noto-Serif-CJK-SC" in fonts and "Noto-Sans-CJK-SC-Bold" in fonts  # 堃祎𠮷 from the full fonts
    text = _text(content)
    assert f"{RARE_HOSPITAL}：" in text and f"{RARE_HOSPITAL}2025年度" in text


def test_subset_font_holds_gb2312_only():
    points = pdffonts.subset_codepoints()
    assert {ord("宣"), ord("〔"), ord("〕"), ord("—"), ord("（"), ord("0")} <= points
    assert ord("堃") not in points and 0x20BB7 not in points
    assert len([p for p in points if 0x4E00 <= p <= 0x9FFF]) == 6763  # the GB 2312 hanzi


def test_a_family_is_declared_with_all_its_weights_or_not_at_all(monkeypatch, tmp_path):
    monkeypatch.setattr(pdffonts, "_faces_css", None)
    monkeypatch.setattr(pdffonts, "subset_font",
                        lambda pattern: None if pattern == "Noto Sans CJK SC:weight=200" else tmp_path / "f.otf")
    css = pdffonts.font_face_css()
    assert css.count("@font-face") == 2 and '"Doc Serif SC"' in css and "Doc Sans SC" not in css
    monkeypatch.setattr(pdffonts, "_faces_css", None)  # the next caller builds the real sheet again


def test_font_configuration_reused_per_thread():
    first = pdf._renderer()
    assert pdf._renderer() is first
    other = []
    thread = threading.Thread(target=lambda: other.append(pdf._renderer()))
    thread.start()
    thread.join()
    assert other[0][1] is not first[1]  # Pango is not thread-safe: one FontConfiguration per thread
