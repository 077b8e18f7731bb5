"""Benchmark: a per-hospital settlement statement (结算通知单 + case statement) of ~20 A4 pages.

Renders the same red-head document the notices app publishes (apps.core.pdf.render_pdf) with a summary table
and N case rows, reports pages, seconds (wall and CPU) and bytes. No database needed (the rows are synthetic).

With --baseline-ref the same document is also rendered the way a git revision did it (that revision's
red-head template and base.css, a plain `weasyprint.HTML(...).write_pdf()`: fresh font configuration,
installed fonts), interleaved with the current code in the same process, so the ratio is measured at the
same load (decision 0049).

    .venv/bin/python bench/bench_pdf.py [--rows 640] [--repeat 3] [--out /tmp/statement.pdf] [--baseline-ref REV]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench._setup import django_setup, peak_rss_mb  # noqa: E402

CASE_TYPES = ["正常病例", "费用极高", "费用极低", "不稳定组", "未入组", "特病单议"]


def statement(rows: int):
    from apps.core.pdf import Heading, Paragraph, RedHeadDocument, Table

    rng = random.Random(7)
    case_rows = []
    total_cost = Decimal(0)
    total_points = Decimal(0)
    for i in range(rows):
        cost = Decimal(rng.randint(150000, 4000000)) / 100
        base = Decimal(rng.randint(3000, 40000)) / 100
        points = (base * Decimal("1.1133")).quantize(Decimal("0.0001"))
        total_cost += cost
        total_points += points
        case_rows.append([f"3418002025{i:08d}", f"E{rng.choice('BCDFGR')}{rng.randint(10, 39)}",
                          rng.choice(CASE_TYPES), format(cost, "f"), format(base, "f"), "1.1133", format(points, "f")])
    summary = Table(headers=["结算期", "病例数", "总点数", "调整后点数", "点值（元/点）", "应拨付（元）", "已预付（元）", "清算差额（元）"],
                    rows=[["2025", rows, format(total_points, "f"), format(total_points, "f"), "10.2536",
                           "12345678.90", "11728395.00", "617283.90"]], numeric_columns=(1, 2, 3, 4, 5, 6, 7),
                    caption="结算汇总")
    cases = Table(caption="附件：病例结算明细", headers=["结算ID", "DRG组", "病例类型", "总费用（元）", "基准点数", "系数", "点数"],
                  rows=case_rows, numeric_columns=(3, 4, 5, 6),
                  total_row=["合计", f"{rows}例", "", format(total_cost, "f"), "", "", format(total_points, "f")])
    return RedHeadDocument(issuer="宣城市医疗保障局", title="宣城市第一人民医院2025年度DRG付费年度清算结算通知单",
                           doc_number="宣医保发〔2026〕12号", date=dt.date(2026, 3, 5), addressee="宣城市第一人民医院：",
                           blocks=[Paragraph("根据2025年度清算结果，你单位本期DRG付费结算情况如下。"), Heading("一、结算汇总"),
                                   summary, Heading("二、病例明细"), cases])


def _pages(content: bytes) -> int | None:
    """Page count from poppler's pdfinfo (the PDF's objects are compressed, so no regex on the bytes)."""
    import subprocess
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".pdf") as fh:
        fh.write(content)
        fh.flush()
        try:
            info = subprocess.run(["pdfinfo", fh.name], capture_output=True, text=True, check=True).stdout
        except (OSError, subprocess.CalledProcessError):
            return None
    match = re.search(r"^Pages:\s+(\d+)", info, re.M)
    return int(match.group(1)) if match else None


def baseline_renderer(ref: str, document):
    """A callable rendering `document` as revision `ref` did (its templates, plain WeasyPrint)."""
    import subprocess
    import tempfile

    from django.template import Context, Engine
    from weasyprint import HTML

    import apps.core.pdf as pdf

    folder = Path(tempfile.mkdtemp(prefix="bench-pdf-")) / "core" / "pdf"
    folder.mkdir(parents=True)
    for name in ("redhead.html", "base.css"):
        source = subprocess.run(["git", "show", f"{ref}:apps/core/templates/core/pdf/{name}"], check=True,
                                capture_output=True, text=True, cwd=Path(__file__).resolve().parents[1]).stdout
        (folder / name).write_text(source, encoding="utf-8")
    engine = Engine(dirs=[str(folder.parents[1])],
                    builtins=["django.template.defaulttags", "django.template.defaultfilters"])
    captured = {}
    original = pdf.render_template_pdf
    pdf.render_template_pdf = lambda name, context: captured.setdefault("context", context) and b""
    try:
        pdf.render_pdf(document)
    finally:
        pdf.render_template_pdf = original
    html = engine.get_template("core/pdf/redhead.html").render(Context(captured["context"]))
    return lambda: HTML(string=html, base_url=str(pdf.settings.BASE_DIR)).write_pdf()


def _timed(render, timings, cpu):
    start, start_cpu = time.perf_counter(), time.process_time()
    content = render()
    timings.append(time.perf_counter() - start)
    cpu.append(time.process_time() - start_cpu)
    return content


def _summary(timings, cpu) -> dict:
    return {"seconds_min": round(min(timings), 2), "seconds_median": round(sorted(timings)[len(timings) // 2], 2),
            "cpu_seconds_min": round(min(cpu), 2), "cpu_seconds_median": round(sorted(cpu)[len(cpu) // 2], 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=640, help="case rows (≈ 33 rows per page: 640 → 20 pages)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", default="")
    parser.add_argument("--baseline-ref", default="", help="git revision whose rendering is the floor (e.g. HEAD)")
    args = parser.parse_args()
    django_setup()
    from apps.core.pdf import render_pdf

    document = statement(args.rows)
    render_pdf(statement(10))  # warm-up: fonts and pango load once per process
    baseline = baseline_renderer(args.baseline_ref, document) if args.baseline_ref else None
    if baseline:
        baseline()
    timings, cpu, base_timings, base_cpu, content = [], [], [], [], b""
    for _ in range(args.repeat):
        content = _timed(lambda: render_pdf(document), timings, cpu)
        if baseline:
            base_content = _timed(baseline, base_timings, base_cpu)
    pages = _pages(content)
    if args.out:
        Path(args.out).write_bytes(content)
    result = {"rows": args.rows, "pages": pages, **_summary(timings, cpu), "bytes": len(content)}
    if baseline:
        result["baseline"] = {"ref": args.baseline_ref, "pages": _pages(base_content), **_summary(base_timings, base_cpu),
                              "bytes": len(base_content)}
        result["cpu_ratio_min"] = round(min(base_cpu) / min(cpu), 2)
        result["cpu_ratio_median"] = round(sorted(base_cpu)[len(base_cpu) // 2] / sorted(cpu)[len(cpu) // 2], 2)
    result["load"] = [round(x, 1) for x in os.getloadavg()]
    result["peak_rss_mb"] = round(peak_rss_mb(), 1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
