"""Building hostile spreadsheets and measuring a process's peak memory (issue 17)."""
from __future__ import annotations

import io
import re
import zipfile
from contextlib import contextmanager
from pathlib import Path

from openpyxl import Workbook

from apps.cases.columns import EXPORT_COLUMNS


def xlsx(rows: list[list], *, dimension: str | None = None, extra_cell: str | None = None) -> bytes:
    """A real workbook; `dimension` overwrites the claimed <dimension ref>, `extra_cell` (e.g. "XFD2") adds
    one real cell far to the right."""
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    if extra_cell:
        sheet[extra_cell] = "x"
    out = io.BytesIO()
    book.save(out)
    data = out.getvalue()
    if dimension is None:
        return data
    return _rewrite(data, "xl/worksheets/sheet1.xml",
                    lambda xml: re.sub(rb'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{dimension}"/>'.encode(), xml))


def zip_bomb(rows: list[list], padding_mb: int = 60) -> bytes:
    """A workbook whose sheet XML carries `padding_mb` MB of blanks (an XML comment): ~1000:1 compression."""
    def pad(xml: bytes) -> bytes:
        blank = b" " * (1024 * 1024)
        return xml.replace(b"<sheetData>", b"<!--" + blank * padding_mb + b"--><sheetData>", 1)

    return _rewrite(xlsx(rows), "xl/worksheets/sheet1.xml", pad)


def _rewrite(data: bytes, member: str, change) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info.filename)
            target.writestr(info.filename, change(body) if info.filename == member else body)
    return out.getvalue()


def case_rows(hospital_code: str, n: int = 2) -> list[list]:
    from tests.cases.helpers import row

    header = list(EXPORT_COLUMNS)
    return [header, *[[row(i, hospital_code=hospital_code)[c] for c in header] for i in range(1, n + 1)]]


def _status(field: str) -> int:
    match = re.search(rf"{field}:\s+(\d+)", Path("/proc/self/status").read_text())
    return int(match.group(1)) * 1024 if match else 0


class Peak:
    growth_mb: float = 0.0


@contextmanager
def peak_rss_growth():
    """Peak resident memory growth of this process inside the block, in MB: the kernel's high-water mark
    (VmHWM) is reset through /proc/self/clear_refs first, so an earlier peak cannot hide the growth."""
    import gc

    gc.collect()
    try:
        Path("/proc/self/clear_refs").write_text("5")
        resettable = True
    except OSError:
        resettable = False
    before = _status("VmRSS")
    if not resettable:
        import resource

        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    peak = Peak()
    try:
        yield peak
    finally:
        if resettable:
            after = _status("VmHWM")
        else:
            import resource

            after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        peak.growth_mb = (after - before) / (1024 * 1024)
