"""The one safe XLSX reader every upload path uses (cases, hospitals, catalogue).

Why: an XLSX is a zip of XML, and what it *claims* costs memory. A 1.6 KB workbook whose `<dimension>`
says A1:XFD2000 made openpyxl pad every row to 16,384 cells (hundreds of MB for two real rows), and a
zip member can inflate a thousand-fold. So: the zip directory is checked before anything is
decompressed (total declared size and compression ratio; `zipfile` never yields more than the declared
size), the claimed dimension is ignored, only real cells are read, and rows/columns beyond fixed
limits are refused with a message naming the row or column.
"""
from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _

XLSX_MAGIC = b"PK\x03\x04"


class SpreadsheetError(ValueError):
    """The workbook is refused as a whole; the message is safe to show to the uploader."""


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def max_uncompressed_bytes() -> int:
    return _limit("XLSX_MAX_UNCOMPRESSED_BYTES", 200 * 1024 * 1024)


def max_ratio() -> int:
    return _limit("XLSX_MAX_COMPRESSION_RATIO", 200)


def check_zip(source: Path | bytes | IO[bytes]) -> None:
    """Refuse a zip bomb from its directory alone (nothing is inflated here)."""
    handle = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    try:
        with zipfile.ZipFile(handle) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as err:
        raise SpreadsheetError(_("The XLSX workbook cannot be read.")) from err
    if len(infos) > 1000:
        raise SpreadsheetError(_("The XLSX workbook has too many parts (%(n)d).") % {"n": len(infos)})
    total = sum(info.file_size for info in infos)
    packed = sum(info.compress_size for info in infos) or 1
    limit = max_uncompressed_bytes()
    if total > limit:
        raise SpreadsheetError(_("The XLSX workbook unpacks to %(mb)d MB, more than the %(limit)d MB allowed.")
                               % {"mb": total // (1024 * 1024), "limit": limit // (1024 * 1024)})
    # Small parts compress well legitimately; a high ratio only matters once the size is real.
    for info in infos:
        if info.file_size > 1024 * 1024 and info.file_size > max_ratio() * max(info.compress_size, 1):
            raise SpreadsheetError(_("The XLSX workbook is compressed suspiciously well (%(name)s); it is refused.")
                                   % {"name": info.filename[:60]})
    if total > 10 * 1024 * 1024 and total > max_ratio() * packed:
        raise SpreadsheetError(_("The XLSX workbook is compressed suspiciously well; it is refused."))


def column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(max(1, min(index, 16384)))


def iter_xlsx_rows(source: Path | bytes, *, max_rows: int, max_columns: int) -> Iterator[list[Any]]:
    """Yield the first sheet's rows as lists of values (trailing blanks trimmed), header included.

    `max_rows` counts data rows (the header is extra). Blank rows are yielded as [] so that row
    numbers stay spreadsheet row numbers. Raises SpreadsheetError for a bomb, a broken file, a
    non-blank cell right of `max_columns` or a non-blank row below the limit.
    """
    from openpyxl import load_workbook

    data = source.read_bytes() if isinstance(source, Path) else source
    check_zip(data)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as err:  # noqa: BLE001 - openpyxl raises many kinds for a broken file
        raise SpreadsheetError(_("The XLSX workbook cannot be read.")) from err
    try:
        if not book.worksheets:
            raise SpreadsheetError(_("The XLSX workbook has no sheet."))
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # the claimed <dimension> is ignored: only real cells are read
        try:
            for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                values = list(row)
                while values and (values[-1] is None or (isinstance(values[-1], str) and not values[-1].strip())):
                    values.pop()
                if not values:
                    yield []
                    continue
                if len(values) > max_columns:
                    raise SpreadsheetError(
                        _("Row %(row)d has a value in column %(col)s; at most %(max)d columns (up to %(last)s) are read.")
                        % {"row": number, "col": column_letter(len(values)), "max": max_columns,
                           "last": column_letter(max_columns)})
                if number > max_rows + 1:
                    raise SpreadsheetError(_("The file has more than %(max)d rows (row %(row)d); split it into "
                                             "several files.") % {"max": max_rows, "row": number})
                yield values
        except SpreadsheetError:
            raise
        except Exception as err:  # noqa: BLE001 - malformed sheet XML
            raise SpreadsheetError(_("The XLSX workbook cannot be read.")) from err
    finally:
        book.close()


def read_xlsx(source: Path | bytes, *, max_rows: int, max_columns: int) -> list[list[Any]]:
    """All rows at once, for the small imports (hospitals, catalogue)."""
    return list(iter_xlsx_rows(source, max_rows=max_rows, max_columns=max_columns))
