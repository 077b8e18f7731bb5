"""The set-based settlement-list import: COPY into a staging table, SQL quality checks, one upsert.

Why this shape: a region uploads up to a million rows a year, so no Python loop touches the rows
after parsing. The file streams with COPY into an unlogged table of the import's own schema (decision
0045); one SQL pass (split over two sessions for a large file) types every field and
looks up hospitals, codes and groups and lists each row's broken rules (domain.md §9), which a few
INSERT … SELECT statements turn into one error row per rule; an INSERT of the new settlement ids and
an UPDATE of the changed ones land the good rows in one transaction (identical rows are not touched).
Row numbers are spreadsheet rows (the header is row 1).
"""
from __future__ import annotations

import csv
import datetime as dt
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils.translation import gettext as _

from apps.core.exports import sql_neutralise
from apps.core.partitioning import analyze_region
from apps.core.spreadsheets import SpreadsheetError, iter_xlsx_rows
from apps.tenants.models import Region

from . import selectors
from .columns import (
    BY_NAME,
    COLUMNS,
    DISCHARGE_METHODS,
    GENDERS,
    INSURANCE_TYPES,
    NAMES,
    REQUIRED_COLUMNS,
    map_header,
)

COPY_CHUNK = 1 << 20
PREVIEW_ERRORS = 50
PREVIEW_ROWS = 10
MONEY_FIELDS = ("total_cost", "drug_cost", "consumable_cost", "exam_cost", "self_pay", "fund_paid")
SETTLEMENT_ID_RE = "^[[:alnum:]][[:alnum:]_./:-]*$"
# the staging tables are scratch: no autovacuum/analyze worker should spend time on them (the steps ANALYZE them)
NO_AUTOVACUUM = "WITH (autovacuum_enabled = off)"


class FileError(Exception):
    """The file as a whole cannot be read (format, encoding, missing columns)."""


@dataclass
class ImportResult:
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: int = 0
    first_errors: list[dict] = field(default_factory=list)
    first_rows: list[dict] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


def error_messages() -> dict[str, str]:
    """Message templates per error code, in the active language; {field} and {value} are filled in by SQL."""
    return {
        "required": _("{field} is required"),
        "invalid_format": _("{field}: '{value}' is not in the expected format"),
        "invalid_choice": _("{field}: '{value}' is not an allowed value"),
        "too_long": _("{field} is too long: '{value}'"),
        "out_of_range": _("{field}: {value} is out of range"),
        "malformed_row": _("the row does not have the same number of columns as the header ({value})"),
        "discharge_before_admission": _("discharge date {value} is before the admission date"),
        "los_mismatch": _("length of stay does not match the dates: {value}"),
        "unknown_diagnosis": _("diagnosis code {value} is not in the ICD-10 医保版 2.0 list"),
        "unknown_procedure": _("procedure code {value} is not in the ICD-9-CM-3 医保版 2.0 list"),
        "negative_cost": _("{field} is negative: {value}"),
        "cost_parts_exceed_total": _("drug + consumable + exam cost exceed the total cost: {value}"),
        "self_pay_exceeds_total": _("self pay exceeds the total cost: {value}"),
        "gender_group_mismatch": _("group {value} does not fit the patient's gender"),
        "age_days_missing": _("age is 0 but age_days is empty"),
        "unknown_group": _("group {value} is not in the region's active catalogue for the discharge year"),
        "unknown_hospital": _("hospital code {value} is not a hospital of this region"),
        "hospital_out_of_scope": _("hospital {value} is not your hospital"),
        "duplicate_settlement_id": _("settlement id {value} appears more than once in the file with different content"),
        "period_cleared": _("the settlement year {value} is already cleared; the case cannot be added or changed"),
    }


# ---------------------------------------------------------------- reading the file into cs_stage

def _raw_cursor():
    return connection.cursor().cursor


def _create_stage(extra_columns: int) -> None:
    cols = ", ".join(f"{n} text" for n in NAMES)
    extra = "".join(f", x{i} text" for i in range(extra_columns))
    with connection.cursor() as cur:
        cur.execute(f"CREATE UNLOGGED TABLE cs_stage (rownum bigserial, {cols}{extra}, x_malformed text) {NO_AUTOVACUUM}")


def _copy_columns(mapped: list[str | None]) -> list[str]:
    names, extra = [], 0
    for name in mapped:
        if name:
            names.append(name)
        else:
            names.append(f"x{extra}")
            extra += 1
    return names


def _load_csv(path: Path) -> None:
    with path.open("rb") as fh:
        first = fh.readline()
    try:
        header_line = first.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise FileError(_("The file is not UTF-8 encoded text (save it as CSV UTF-8 or XLSX).")) from err
    header = next(csv.reader([header_line]), [])
    _check_header_width(header)
    mapped, problems = map_header(header)
    if problems:
        raise FileError("; ".join(problems))
    columns = _copy_columns(mapped)
    _create_stage(len(columns) - sum(1 for m in mapped if m))
    copy_sql = f"COPY cs_stage ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, HEADER true, ENCODING 'UTF8')"
    try:
        with transaction.atomic():  # a savepoint: a broken CSV falls back to the tolerant reader
            with _raw_cursor().copy(copy_sql) as copy, path.open("rb") as fh:
                chunk = fh.read(COPY_CHUNK)
                if chunk.startswith(b"\xef\xbb\xbf"):
                    chunk = chunk[3:]
                while chunk:
                    copy.write(chunk)
                    chunk = fh.read(COPY_CHUNK)
        return
    except Exception:  # noqa: BLE001 - any COPY failure: retry row by row below
        pass
    _load_csv_tolerant(path, columns)


def _load_csv_tolerant(path: Path, columns: list[str]) -> None:
    """Row-by-row reading for files COPY refuses (ragged rows, stray quotes); ragged rows become errors."""
    width = len(columns)
    copy_sql = f"COPY cs_stage (rownum, {', '.join(columns)}, x_malformed) FROM STDIN"
    with connection.cursor() as cur:
        cur.execute("TRUNCATE cs_stage")
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh, _raw_cursor().copy(copy_sql) as copy:
            reader = csv.reader(fh)
            next(reader, None)
            rownum = 0
            for record in reader:
                if not record or all(not v.strip() for v in record):
                    continue
                rownum += 1
                bad = None if len(record) == width else f"{len(record)} ≠ {width}"
                record = (record + [""] * width)[:width]
                copy.write_row([rownum, *[v or None for v in record], bad])
    except UnicodeDecodeError as err:
        raise FileError(_("The file is not UTF-8 encoded text (save it as CSV UTF-8 or XLSX).")) from err
    except csv.Error as err:
        raise FileError(_("The CSV file cannot be read: %(error)s") % {"error": err}) from err


def _cell(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(round(value, 6))
    if isinstance(value, Decimal):
        return format(value, "f")
    text = str(value)
    return text if text.strip() else None


def max_rows() -> int:
    """Rows per file (a region splits a year into several files; an XLSX holds 1,048,576 at most)."""
    return int(getattr(settings, "CASE_IMPORT_MAX_ROWS", 500_000))


def max_columns() -> int:
    """The settlement-list columns of interfaces.md plus a margin for a few extra columns."""
    return len(COLUMNS) + 20


def _check_header_width(header: list) -> None:
    if len(header) > max_columns():
        raise FileError(_("The header has %(n)d columns; at most %(max)d are read (the columns of the settlement list "
                          "plus a few extra).") % {"n": len(header), "max": max_columns()})


def _load_xlsx(path: Path) -> None:
    """The first sheet, read through the one safe reader (real cells only, bounded rows/columns/size)."""
    rows = iter_xlsx_rows(path, max_rows=max_rows(), max_columns=max_columns())
    try:
        header = next((r for r in rows if r), None)
        if header is None:
            raise FileError(_("The file is empty."))
        mapped, problems = map_header([str(h or "") for h in header])
        if problems:
            raise FileError("; ".join(problems))
        columns = _copy_columns(mapped)
        width = len(columns)
        _create_stage(width - sum(1 for m in mapped if m))
        with _raw_cursor().copy(f"COPY cs_stage (rownum, {', '.join(columns)}) FROM STDIN") as copy:
            rownum = 0
            for record in rows:
                cells = [_cell(v) for v in record][:width]
                if all(c is None for c in cells):
                    continue
                rownum += 1
                copy.write_row([rownum, *cells, *([None] * (width - len(cells)))])
    except SpreadsheetError as err:
        raise FileError(str(err)) from err


def load_file(path: Path) -> int:
    """Stage the file in cs_stage; returns its number of rows."""
    with path.open("rb") as fh:
        magic = fh.read(4)
    if magic == b"PK\x03\x04":
        _load_xlsx(path)
    else:
        _load_csv(path)
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM cs_stage")
        count = cur.fetchone()[0]
    if count > max_rows():
        raise FileError(_("The file has %(n)d rows, more than the %(max)d allowed per file; split it into several "
                          "files.") % {"n": count, "max": max_rows()})
    return count


# ---------------------------------------------------------------- the stored upload (patient ids at rest)

HASH_PREFIX = "sha256:"


def _hashed(value: str) -> str:
    import hashlib

    text = value.strip(" ")  # the same trim as the SQL's btrim
    if not text or text.startswith(HASH_PREFIX):
        return text
    hashed = HASH_PREFIX + hashlib.sha256((settings.PATIENT_ID_SALT + text).encode()).hexdigest()
    # a longer id keeps its length (padding) so the too_long check still names it — by length only
    return hashed.ljust(len(text), "#")


def protect_upload(path: Path) -> Path:
    """Rewrite a stored upload as UTF-8 CSV whose 人员编号 column holds `sha256:<salted hash>`.

    Why: docs/operations.md promises the patient id is kept only as a salted hash; the stored file is
    what sits on disk for 90 days. An XLSX goes through the safe reader here, so a bomb is refused at
    upload time. The importer recognises the prefix and does not hash twice. Returns the new path
    (`.csv`); the original file is removed. Raises FileError for a file that cannot be read.
    """
    target = path.with_suffix(".protected.csv")
    with path.open("rb") as fh:
        magic = fh.read(4)
    try:
        with target.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out, lineterminator="\n")
            if magic == b"PK\x03\x04":
                try:
                    _protect_rows((["" if v is None else _cell(v) or "" for v in r]
                                   for r in iter_xlsx_rows(path, max_rows=max_rows(), max_columns=max_columns())),
                                  writer)
                except SpreadsheetError as err:
                    raise FileError(str(err)) from err
            else:
                try:
                    with path.open(encoding="utf-8-sig", newline="") as fh:
                        _protect_rows(csv.reader(fh), writer)
                except UnicodeDecodeError as err:
                    raise FileError(_("The file is not UTF-8 encoded text (save it as CSV UTF-8 or XLSX).")) from err
                except csv.Error as err:
                    raise FileError(_("The CSV file cannot be read: %(error)s") % {"error": err}) from err
    except BaseException:
        target.unlink(missing_ok=True)
        path.unlink(missing_ok=True)
        raise
    final = path.with_suffix(".csv")
    path.unlink(missing_ok=True)
    target.replace(final)
    return final


def _protect_rows(rows, writer) -> None:
    header: list[str] | None = None
    column: int | None = None
    for record in rows:
        if header is None:
            if not record or all(not str(v).strip() for v in record):
                continue
            header = record
            _check_header_width(header)
            mapped, _problems = map_header(header)
            # without a 人员编号 column the import fails on the header (the job names the missing columns) and the
            # stored file is deleted then; nothing to hash here
            column = mapped.index("patient_id") if "patient_id" in mapped else None
            writer.writerow(header)
            continue
        if not record or all(not str(v).strip() for v in record):
            continue
        if column is not None and len(record) > column and record[column]:
            record = list(record)
            record[column] = _hashed(record[column])
        writer.writerow(record)
    if header is None:
        raise FileError(_("The file is empty."))


# ---------------------------------------------------------------- typing and checks (SQL)

def _int_expr(c: str) -> str:
    return f"CASE WHEN {c} ~ '^[+-]?[0-9]{{1,9}}([.]0*)?$' THEN trunc({c}::numeric)::int END"


def _money_expr(c: str) -> str:
    return f"CASE WHEN {c} ~ '^[+-]?[0-9]{{1,10}}([.][0-9]{{0,2}})?$' THEN {c}::numeric(12,2) END"


def _date_expr(c: str) -> str:
    """YYYY-MM-DD (or YYYY/MM/DD, optionally with a time) to a date; impossible dates give NULL, not an error."""
    d = f"replace(split_part(replace({c}, 'T', ' '), ' ', 1), '/', '-')"
    y, m, dd = (f"split_part({d}, '-', {i})::int" for i in (1, 2, 3))
    first = f"make_date({y}, {m}, 1)"
    return (
        f"CASE WHEN {d} ~ '^(19|20)[0-9]{{2}}-[0-9]{{1,2}}-[0-9]{{1,2}}$' THEN "
        f"CASE WHEN {m} BETWEEN 1 AND 12 AND {dd} BETWEEN 1 AND 31 THEN "
        f"CASE WHEN extract(month FROM {first} + ({dd} - 1)) = {m} THEN {first} + ({dd} - 1) END END END"
    )


def _list_expr(c: str) -> str:
    return f"CASE WHEN {c} IS NULL THEN '{{}}'::varchar[] ELSE array_remove(regexp_split_to_array({c}, '\\s*[|;,，；]\\s*'), '')::varchar[] END"


DATE_COLUMNS = tuple(c.name for c in COLUMNS if c.kind == "date")
RAW_HASH = "md5(concat_ws(chr(31), " + ", ".join(f"coalesce({n}, '')" for n in NAMES) + "))"


def _dates_table() -> None:
    """cs_dates(raw, d): each distinct trimmed date text parsed once (a year has ~365 dates, a file 1M rows)."""
    union = " UNION ".join(f"SELECT NULLIF(btrim({n}), '') FROM cs_stage" for n in DATE_COLUMNS)
    with connection.cursor() as cur:
        cur.execute(
            f"CREATE UNLOGGED TABLE cs_dates {NO_AUTOVACUUM} AS SELECT raw, {_date_expr('raw')} AS d "
            f"FROM ({union}) u(raw) WHERE raw IS NOT NULL"
        )
        cur.execute("ANALYZE cs_dates")


def _trims() -> str:
    return ", ".join(f"NULLIF(btrim({n}), '') AS {n}" for n in NAMES)


def _typed_select(where: str = "") -> str:
    """Typed values of the staged rows (`where`: which rows, e.g. a block range of cs_stage)."""
    trims = _trims()
    typed = []
    for col in COLUMNS:
        n = col.name
        if col.kind == "int":
            typed.append(f"{_int_expr(n)} AS v_{n}")
        elif col.kind == "money":
            typed.append(f"{_money_expr(n)} AS v_{n}")
        elif col.kind == "date":
            typed.append(f"j_{n}.d AS v_{n}")
        elif col.kind == "list":
            typed.append(f"{_list_expr(n)} AS v_{n}")
    joins = "".join(f" LEFT JOIN cs_dates j_{n} ON j_{n}.raw = t.{n}" for n in DATE_COLUMNS)
    return (
        f"SELECT t.*, {', '.join(typed)}, CASE WHEN gender IN ('1', '2') THEN gender::smallint END AS v_gender, "
        f"upper(drg_code) AS v_drg_code "
        f"FROM (SELECT rownum, {trims}, x_malformed AS malformed FROM cs_stage {where} OFFSET 0) t{joins}"
    )


CONTENT_FIELDS = (
    "hospital_id", "patient_hash", "insurance_type", "v_gender", "v_age", "v_age_days", "v_admission_date",
    "v_discharge_date", "v_los_days", "discharge_method", "principal_dx", "v_secondary_dx", "principal_proc",
    "v_other_procs", "v_drg_code", "v_total_cost", "v_drug_cost", "v_consumable_cost", "v_exam_cost",
    "v_self_pay", "v_fund_paid", "department", "v_birth_weight_g", "v_ventilation_hours",
)


def _content_hash_expr() -> str:
    """md5 of the values as they would be stored, so a re-export with other formatting is still 'identical'."""
    return "md5(concat_ws(chr(31), " + ", ".join(f"coalesce(x.{f}::text, '~')" for f in CONTENT_FIELDS) + "))"


KEPT_COLUMNS = (
    "rownum", "settlement_id", "hospital_code", "hospital_id", "patient_hash", "insurance_type", "discharge_method",
    "principal_dx", "principal_proc", "department", "year", "v_gender", "v_drg_code",
    *(f"v_{c.name}" for c in COLUMNS if c.kind in ("int", "money", "date", "list")),
)


def typing_sessions() -> int:
    """Database sessions that share the typing pass of a large file (the machine's cores, by default 2)."""
    return max(1, int(getattr(settings, "CASE_IMPORT_SESSIONS", 2)))


def parallel_min_rows() -> int:
    """Below this many rows one session types the file (a second connection costs more than it saves)."""
    return int(getattr(settings, "CASE_IMPORT_PARALLEL_MIN_ROWS", 50_000))


BLOCK_RANGE = "WHERE ctid >= %(lo)s::tid AND ctid < %(hi)s::tid"


def _build_rows(region_id: int, hospital_ids: set[int] | None, rows: int) -> int:
    """One pass: typed values, look-ups, content hash and every row's error list; returns the sessions used.

    cs_rows keeps only what the later steps read (typed values, not the ~1 KB of raw text), so the
    typing pass writes, and the checks and the write phase read, a narrow table. A large file is typed
    by several sessions at once, each over its own block range of cs_stage (the staging tables are
    unlogged, not temp, so other sessions read them); PostgreSQL's own parallel query cannot do it here,
    because the statement's OFFSET 0 fences (each expression computed once a row) stop partial plans.
    """
    with connection.cursor() as cur:
        cur.execute("ANALYZE cs_stage")
        cur.execute("ANALYZE cs_groups")
        _dates_table()
    parts = typing_sessions() if rows >= parallel_min_rows() else 1
    if parts == 1:
        sql, params = _rows_select(region_id, hospital_ids)
        with connection.cursor() as cur:
            cur.execute(f"CREATE UNLOGGED TABLE cs_rows {NO_AUTOVACUUM} AS {sql}", params)
            cur.execute("ANALYZE cs_rows")
        return 1
    sql, params = _rows_select(region_id, hospital_ids, BLOCK_RANGE)
    with connection.cursor() as cur:
        cur.execute(f"CREATE UNLOGGED TABLE cs_rows {NO_AUTOVACUUM} AS {sql} WITH NO DATA",
                    {**params, "lo": "(0,0)", "hi": "(0,0)"})
        cur.execute("SELECT pg_relation_size('cs_stage') / current_setting('block_size')::int, "
                    "current_setting('search_path')")
        blocks, search_path = cur.fetchone()
    bounds = [blocks * i // parts for i in range(parts)] + [blocks + 1]
    ranges = [{**params, "lo": f"({bounds[i]},0)", "hi": f"({bounds[i + 1]},0)"} for i in range(parts)]
    insert = f"INSERT INTO cs_rows {sql}"
    if connection.in_atomic_block:
        # an enclosing transaction (a test, a caller's atomic block): other sessions cannot see its
        # uncommitted staging tables, so the parts run one after the other on this connection
        with connection.cursor() as cur:
            for part in ranges:
                cur.execute(insert, part)
    else:
        with ThreadPoolExecutor(max_workers=parts - 1) as pool:
            others = [pool.submit(_run_in_own_session, search_path, insert, part) for part in ranges[1:]]
            with connection.cursor() as cur:
                cur.execute(insert, ranges[0])
            for other in others:
                other.result()  # re-raises a helper session's error: the import stops, nothing is written
    with connection.cursor() as cur:
        cur.execute("ANALYZE cs_rows")
    return parts


def _run_in_own_session(search_path: str, sql: str, params: dict) -> None:
    """One statement on a second connection that sees this import's workspace (a helper thread)."""
    side = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with side.cursor() as cur:
            cur.execute("SELECT set_config('search_path', %s, false)", [search_path])
            cur.execute("SET work_mem = '64MB'")
            cur.execute(sql, params)
    finally:
        side.close()


def _rows_select(region_id: int, hospital_ids: set[int] | None, where: str = "") -> tuple[str, dict]:
    """The typing pass's SELECT and its parameters (cs_stage, cs_dates and cs_groups must exist)."""
    kept = ", ".join(f"x.{c}" for c in KEPT_COLUMNS)
    sql = (
        f"SELECT {kept}, {_content_hash_expr()} AS content_hash, "
        f"{_errors_expr()} AS errs FROM ("
        "SELECT s.*, h.id AS hospital_id, "
        "CASE WHEN s.patient_id LIKE 'sha256:%%' THEN substr(s.patient_id, 8) "
        "ELSE encode(sha256(convert_to(%(salt)s || s.patient_id, 'UTF8')), 'hex') END AS patient_hash, "
        "(dc.code IS NOT NULL) AS dx_known, (pc.code IS NOT NULL) AS proc_known, "
        "(g.code IS NOT NULL) AS group_known, "
        "extract(year FROM s.v_discharge_date)::int AS year "
        f"FROM ({_typed_select(where)} OFFSET 0) s "
        "LEFT JOIN hospitals_hospital h ON h.region_id = %(region)s AND h.code = s.hospital_code "
        "LEFT JOIN cases_diagnosiscode dc ON dc.code = s.principal_dx "
        "LEFT JOIN cases_procedurecode pc ON pc.code = s.principal_proc "
        "LEFT JOIN cs_groups g ON g.year = extract(year FROM s.v_discharge_date)::int AND g.code = s.v_drg_code"
        " OFFSET 0) x"
    )
    params = {
        "salt": settings.PATIENT_ID_SALT, "region": region_id,
        "restricted": hospital_ids is not None, "allowed": sorted(hospital_ids or []),
    }
    return sql, params


def _error_rules() -> list[tuple[str, str, str, str]]:
    """(condition, field, code, value) per rule of domain.md §9, all evaluated in the typing pass."""
    v: list[tuple[str, str, str, str]] = []
    for name in REQUIRED_COLUMNS:
        v.append((f"{name} IS NULL", name, "required", "NULL"))
    for col in COLUMNS:
        n = col.name
        if col.kind in ("int", "money", "date"):
            v.append((f"{n} IS NOT NULL AND v_{n} IS NULL", n, "invalid_format", n))
        if col.max_length and n not in ("principal_dx", "principal_proc", "drg_code", "hospital_code"):
            # never echo a patient id (not even a prefix): its length says enough
            shown = f"length({n})::text" if n == "patient_id" else f"left({n}, 60)"
            v.append((f"length({n}) > {col.max_length}", n, "too_long", shown))
    # a settlement id is letters/digits with - _ . / : inside (never a leading = + - @: no formula reaches an export)
    v.append((f"settlement_id !~ '{SETTLEMENT_ID_RE}'", "settlement_id", "invalid_format", "left(settlement_id, 60)"))
    choices = (("insurance_type", INSURANCE_TYPES), ("gender", GENDERS), ("discharge_method", DISCHARGE_METHODS))
    for n, allowed in choices:
        quoted = ", ".join(f"'{a}'" for a in allowed)
        v.append((f"{n} IS NOT NULL AND {n} NOT IN ({quoted})", n, "invalid_choice", n))
    v += [
        ("v_age NOT BETWEEN 0 AND 150", "age", "out_of_range", "age"),
        ("v_age_days NOT BETWEEN 0 AND 366", "age_days", "out_of_range", "age_days"),
        ("v_birth_weight_g NOT BETWEEN 0 AND 10000", "birth_weight_g", "out_of_range", "birth_weight_g"),
        ("v_ventilation_hours < 0", "ventilation_hours", "out_of_range", "ventilation_hours"),
        ("malformed IS NOT NULL", "row", "malformed_row", "malformed"),
        ("v_discharge_date < v_admission_date", "discharge_date", "discharge_before_admission", "discharge_date"),
        ("v_discharge_date >= v_admission_date AND v_los_days <> greatest(v_discharge_date - v_admission_date, 1)",
         "los_days", "los_mismatch", "los_days || ' ≠ ' || greatest(v_discharge_date - v_admission_date, 1)"),
        ("principal_dx IS NOT NULL AND NOT dx_known", "principal_dx", "unknown_diagnosis", "principal_dx"),
        ("principal_proc IS NOT NULL AND NOT proc_known", "principal_proc", "unknown_procedure", "principal_proc"),
        ("v_drug_cost + v_consumable_cost + v_exam_cost > v_total_cost", "total_cost", "cost_parts_exceed_total",
         "(v_drug_cost + v_consumable_cost + v_exam_cost) || ' > ' || v_total_cost"),
        ("v_self_pay > v_total_cost", "self_pay", "self_pay_exceeds_total", "v_self_pay || ' > ' || v_total_cost"),
        ("(v_gender = 1 AND left(v_drg_code, 1) = 'N') OR (v_gender = 2 AND left(v_drg_code, 1) = 'M')",
         "drg_code", "gender_group_mismatch", "v_drg_code"),
        ("v_age = 0 AND age_days IS NULL", "age_days", "age_days_missing", "NULL"),
        ("v_drg_code IS NOT NULL AND year IS NOT NULL AND NOT group_known", "drg_code", "unknown_group", "v_drg_code"),
        ("hospital_code IS NOT NULL AND hospital_id IS NULL", "hospital_code", "unknown_hospital", "hospital_code"),
        ("hospital_id IS NOT NULL AND %(restricted)s AND hospital_id <> ALL(%(allowed)s)", "hospital_code",
         "hospital_out_of_scope", "hospital_code"),
    ]
    v += [(f"v_{n} < 0", n, "negative_cost", n) for n in MONEY_FIELDS]
    return v


def _errors_expr() -> str:
    """One array of error strings per row (empty for a good row), so good rows cost one expression, not sixty."""
    items = ", ".join(
        f"CASE WHEN {cond} THEN '{field}' || chr(31) || '{code}' || chr(31) || coalesce(({value})::text, '') END"
        for cond, field, code, value in _error_rules()
    )
    return f"array_remove(ARRAY[{items}], NULL)"


def _error_select() -> str:
    return (
        "SELECT rownum, settlement_id, split_part(x, chr(31), 1) AS field, split_part(x, chr(31), 2) AS code, "
        "NULLIF(split_part(x, chr(31), 3), '') AS value FROM ("
        "SELECT rownum, settlement_id, unnest(errs) AS x FROM cs_rows WHERE cardinality(errs) > 0 OFFSET 0) e"
    )


def _run_checks(region: Region) -> None:
    with connection.cursor() as cur:
        cur.execute(
            f"CREATE UNLOGGED TABLE cs_errors (rownum bigint, settlement_id text, field text, code text, value text) {NO_AUTOVACUUM}"
        )
        cur.execute(f"INSERT INTO cs_errors {_error_select()}")
        # every other procedure code must be in the national list too (one error per unknown code)
        cur.execute(
            "INSERT INTO cs_errors SELECT r.rownum, r.settlement_id, 'other_procs', 'unknown_procedure', p.code "
            "FROM cs_rows r CROSS JOIN LATERAL unnest(r.v_other_procs) AS p(code) "
            "WHERE cardinality(r.v_other_procs) > 0 AND NOT EXISTS (SELECT 1 FROM cases_procedurecode pc WHERE pc.code = p.code)"
        )
        # the same settlement id twice: identical rows count once, different content rejects them all
        cur.execute(
            # the raw-content hash (of the trimmed cells) is only computed for ids that occur more than once
            f"CREATE UNLOGGED TABLE cs_dups {NO_AUTOVACUUM} AS WITH d AS (SELECT settlement_id FROM cs_rows WHERE settlement_id IS NOT NULL "
            "GROUP BY settlement_id HAVING count(*) > 1), "
            "dr AS (SELECT r.rownum, r.settlement_id FROM cs_rows r JOIN d ON d.settlement_id = r.settlement_id), "
            f"h AS (SELECT dr.settlement_id, dr.rownum, {RAW_HASH.replace('coalesce(', 'coalesce(s.')} AS raw_hash "
            f"FROM dr JOIN (SELECT rownum, {_trims()} FROM cs_stage) s ON s.rownum = dr.rownum) "
            "SELECT settlement_id, min(rownum) AS first_row, min(raw_hash) <> max(raw_hash) AS conflict "
            "FROM h GROUP BY settlement_id"
        )
        cur.execute(
            "INSERT INTO cs_errors SELECT r.rownum, r.settlement_id, 'settlement_id', 'duplicate_settlement_id', r.settlement_id "
            "FROM cs_rows r JOIN cs_dups d ON d.settlement_id = r.settlement_id WHERE d.conflict"
        )
        cur.execute("ANALYZE cs_errors")
        cur.execute("ANALYZE cs_dups")
        cleared = sorted(selectors.cleared_years(region))
        if cleared:
            # a cleared year is frozen: no new case there, and no change to a case of (or into) it
            cur.execute(
                "INSERT INTO cs_errors SELECT r.rownum, r.settlement_id, 'discharge_date', 'period_cleared', "
                "coalesce(extract(year FROM c.discharge_date)::int, r.year)::text FROM cs_rows r "
                "LEFT JOIN cases_case c ON c.region_id = %(region)s AND c.settlement_id = r.settlement_id "
                "WHERE (r.year = ANY(%(cleared)s) OR extract(year FROM c.discharge_date)::int = ANY(%(cleared)s)) "
                "AND (c.id IS NULL OR c.content_hash <> r.content_hash) "
                "AND NOT EXISTS (SELECT 1 FROM cs_errors e WHERE e.rownum = r.rownum)",
                {"region": region.pk, "cleared": cleared},
            )


def _groups_table(region: Region) -> None:
    with connection.cursor() as cur:
        cur.execute("CREATE UNLOGGED TABLE cs_groups (year int, code text, PRIMARY KEY (year, code))")
        cur.execute(
            "SELECT DISTINCT substring(btrim(discharge_date) FROM '^(?:19|20)[0-9]{2}')::int FROM cs_stage "
            "WHERE btrim(discharge_date) ~ '^(19|20)[0-9]{2}'"
        )
        years = [y for (y,) in cur.fetchall()]
    # look the codes up before COPY starts: no other query may run on the connection during a COPY
    rows = [(year, code.upper()) for year in years for code in set(selectors.catalogue_group_codes(region, year))]
    with _raw_cursor().copy("COPY cs_groups (year, code) FROM STDIN") as copy:
        for item in rows:
            copy.write_row(item)


VALID_ROWS = (
    "FROM cs_rows r LEFT JOIN cs_dups d ON d.settlement_id = r.settlement_id "
    "WHERE NOT EXISTS (SELECT 1 FROM cs_errors e WHERE e.rownum = r.rownum) "
    "AND (d.settlement_id IS NULL OR r.rownum = d.first_row)"
)

CASE_COLUMNS = (
    "hospital_id", "patient_hash", "insurance_type", "gender", "age", "age_days", "admission_date", "discharge_date",
    "los_days", "discharge_method", "principal_dx", "secondary_dx", "principal_proc", "other_procs", "drg_code",
    "total_cost", "drug_cost", "consumable_cost", "exam_cost", "self_pay", "fund_paid", "department",
    "birth_weight_g", "ventilation_hours", "warnings", "content_hash", "import_job_id",
    "declared_drg_code", "grouping_status",
)
CASE_VALUES = (
    "r.hospital_id", "r.patient_hash", "r.insurance_type", "r.v_gender", "r.v_age", "r.v_age_days", "r.v_admission_date",
    "r.v_discharge_date", "r.v_los_days", "r.discharge_method", "r.principal_dx", "r.v_secondary_dx",
    "coalesce(r.principal_proc, '')", "r.v_other_procs", "coalesce(r.v_drg_code, '')", "r.v_total_cost", "r.v_drug_cost",
    "r.v_consumable_cost", "r.v_exam_cost", "r.v_self_pay", "r.v_fund_paid", "coalesce(r.department, '')",
    "r.v_birth_weight_g", "r.v_ventilation_hours",
    "array_remove(ARRAY[CASE WHEN r.v_los_days > 60 THEN 'los_long' END, "
    "CASE WHEN r.v_los_days <= 2 THEN 'los_short' END, "
    "CASE WHEN r.v_total_cost > 10 * coalesce(mp.mean, mr.mean) THEN 'cost_outlier' END], NULL)::varchar[]",
    "r.content_hash", "%(job)s",
    # what the hospital declared; a new or changed row waits for the portal grouper again ('' = not grouped)
    "coalesce(r.v_drg_code, '')", "''",
)
TODO_ROWS = (
    "FROM cs_todo t JOIN cs_rows r ON r.rownum = t.rownum "
    "LEFT JOIN cs_means mp ON mp.year = r.year AND mp.drg_code = r.v_drg_code "
    "LEFT JOIN cs_means mr ON mr.year IS NULL AND mr.drg_code = r.v_drg_code AND NOT r.year = ANY(%(published)s) "
)


def _pending(region: Region) -> int:
    """cs_match: the stored cases whose settlement id is in the file (read once, used by the means too);
    cs_todo(rownum, case_id): the good rows that are new (case_id NULL) or changed; identical ones are left out."""
    with connection.cursor() as cur:
        cur.execute(
            f"CREATE UNLOGGED TABLE cs_match {NO_AUTOVACUUM} AS SELECT c.id, c.settlement_id, c.content_hash, c.drg_code, c.total_cost "
            "FROM cases_case c WHERE c.region_id = %(region)s AND c.settlement_id IN (SELECT settlement_id FROM cs_rows)",
            {"region": region.pk},
        )
        cur.execute("ANALYZE cs_match")
        cur.execute(
            f"CREATE UNLOGGED TABLE cs_todo {NO_AUTOVACUUM} AS SELECT r.rownum, m.id AS case_id "
            f"FROM (SELECT r.rownum, r.settlement_id, r.content_hash {VALID_ROWS}) r LEFT JOIN cs_match m "
            "ON m.settlement_id = r.settlement_id WHERE m.id IS NULL OR m.content_hash <> r.content_hash"
        )
        cur.execute("ANALYZE cs_todo")
        cur.execute("SELECT count(*) FROM cs_todo")
        return cur.fetchone()[0]


def _write(region: Region, job_id: int | None, published: list[int]) -> tuple[int, int]:
    """New ids by a plain INSERT (no speculative insertion), changed ones by an UPDATE on the primary key.

    Both read cs_todo, computed under the region's advisory lock in the same transaction, so no other
    import can add or change these settlement ids in between.
    """
    params = {"region": region.pk, "job": job_id, "published": published}
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO cases_case (region_id, settlement_id, {', '.join(CASE_COLUMNS)}, created_at, updated_at) "
            f"SELECT %(region)s, r.settlement_id, {', '.join(CASE_VALUES)}, now(), now() {TODO_ROWS} "
            "WHERE t.case_id IS NULL",
            params,
        )
        created = cur.rowcount
        values = ", ".join(f"{v} AS {c}" for c, v in zip(CASE_COLUMNS, CASE_VALUES, strict=True))
        updates = ", ".join(f"{c} = s.{c}" for c in CASE_COLUMNS)
        cur.execute(
            f"UPDATE cases_case SET {updates}, updated_at = now() "
            f"FROM (SELECT t.case_id, {values} {TODO_ROWS} WHERE t.case_id IS NOT NULL) s "
            "WHERE cases_case.id = s.case_id",
            params,
        )
        updated = cur.rowcount
    return created, updated


def _group_means(region: Region, years: list[int]) -> None:
    """cs_means(year, drg_code, mean) for the cost-outlier warning, computed before the upsert.

    A year with published statistics uses their group means; other years (year NULL) use the mean of
    the region's cases as they will be after this import: stored cases not in the file plus the
    file's good rows (identical rows count once; a stored case whose new row is rejected is left out).
    """
    with connection.cursor() as cur:
        cur.execute("CREATE UNLOGGED TABLE cs_means (year int, drg_code text, mean numeric)")
        published = []
        for year in years:
            means = selectors.published_group_means(region, year)
            if means:
                published.append(year)
                cur.executemany("INSERT INTO cs_means VALUES (%s, %s, %s)", [(year, c, m) for c, m in means.items()])
        if len(published) < len(years):
            # all stored cases (a query without temp tables, so PostgreSQL may scan in parallel), minus the
            # stored cases this file names (cs_match), plus the file's good rows; sums are exact numerics
            cur.execute(
                "SELECT drg_code, sum(total_cost), count(*) FROM cases_case WHERE region_id = %s AND drg_code <> '' "
                "GROUP BY drg_code",
                [region.pk],
            )
            sums = cur.fetchall()
            cur.execute("CREATE UNLOGGED TABLE cs_sums (drg_code text, s numeric, n bigint)")
            cur.executemany("INSERT INTO cs_sums VALUES (%s, %s, %s)", sums)
            cur.execute(
                "INSERT INTO cs_means SELECT NULL, drg_code, sum(s) / sum(n) FROM ("
                " SELECT drg_code, s, n FROM cs_sums"
                " UNION ALL SELECT drg_code, -sum(total_cost), -count(*) FROM cs_match WHERE drg_code <> ''"
                " GROUP BY drg_code"
                f" UNION ALL SELECT r.v_drg_code, sum(r.v_total_cost), count(*) {VALID_ROWS} AND r.v_drg_code IS NOT NULL"
                " GROUP BY r.v_drg_code) t GROUP BY drg_code HAVING sum(n) > 0"
            )
        cur.execute("ANALYZE cs_means")
    return published


# ---------------------------------------------------------------- reporting

def _error_sql(limit: bool) -> str:
    return (
        "SELECT e.rownum + 1 AS row, coalesce(e.settlement_id, '') AS settlement_id, e.field, e.code, e.value, "
        "replace(replace(m.template, '{field}', coalesce(f.label, e.field)), '{value}', coalesce(e.value, '')) AS message "
        "FROM cs_errors e JOIN cs_messages m ON m.code = e.code LEFT JOIN cs_fields f ON f.name = e.field "
        "ORDER BY e.rownum, e.field, e.code"
        + (f" LIMIT {PREVIEW_ERRORS}" if limit else "")
    )


def _write_messages() -> None:
    with connection.cursor() as cur:
        cur.execute("CREATE UNLOGGED TABLE cs_messages (code text PRIMARY KEY, template text)")
        cur.executemany("INSERT INTO cs_messages VALUES (%s, %s)", list(error_messages().items()))
        # field labels (性别, not gender) in the active language: a coder reads the names they know
        from .labels import FIELD_LABELS

        cur.execute("CREATE UNLOGGED TABLE cs_fields (name text PRIMARY KEY, label text)")
        cur.executemany("INSERT INTO cs_fields VALUES (%s, %s)", [(k, str(v)) for k, v in FIELD_LABELS.items()])


def write_error_file(path: Path) -> None:
    """Stream every error (row,settlement_id,field,code,message) to CSV with COPY TO."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        fh.write(b"\xef\xbb\xbf")  # so that Excel opens the Chinese messages as UTF-8

        safe = (f"SELECT row, {sql_neutralise('settlement_id')} AS settlement_id, field, code, "
                f"{sql_neutralise('message')} AS message FROM ({_error_sql(limit=False)}) e")
        with _raw_cursor().copy(f"COPY ({safe}) TO STDOUT WITH (FORMAT csv, HEADER true)") as copy:
            for chunk in copy:
                fh.write(chunk)


def _first_errors() -> list[dict]:
    with connection.cursor() as cur:
        cur.execute(_error_sql(limit=True))
        cols = [c.name for c in cur.description]
        return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]


def _first_rows() -> list[dict]:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT r.rownum + 1, r.settlement_id, r.hospital_code, r.v_discharge_date::text, coalesce(r.v_drg_code, ''), "
            f"r.v_total_cost::text, r.v_los_days {VALID_ROWS.replace('FROM cs_rows r', 'FROM (SELECT * FROM cs_rows LIMIT 2000) r')} "
            f"ORDER BY r.rownum LIMIT {PREVIEW_ROWS}"
        )
        keys = ("row", "settlement_id", "hospital_code", "discharge_date", "drg_code", "total_cost", "los_days")
        return [dict(zip(keys, row, strict=True)) for row in cur.fetchall()]


WORKSPACE_PREFIX = "cs_imp_"


def _open_workspace() -> str:
    """A schema of UNLOGGED tables for this import, first on the search_path; returns the previous search_path.

    Why not TEMP tables: PostgreSQL never scans a temp table in parallel (only the owning backend can read
    it), so the typing pass ran on one core. Unlogged tables write no WAL either, other sessions (parallel
    workers, or a second import worker) can read them, and the statements keep their short names (cs_rows)
    through the search_path. The schema is named after the backend's pid: a session runs one import at a
    time, and a schema whose pid is no longer a live session is a crashed import's leftover, dropped here.
    """
    with connection.cursor() as cur:
        cur.execute(
            "SELECT n.nspname, current_setting('search_path'), pg_backend_pid() FROM (SELECT 1) one "
            "LEFT JOIN (SELECT nspname, substring(nspname FROM %(pattern)s)::int AS pid FROM pg_namespace "
            "WHERE nspname ~ %(pattern)s) n "
            "ON n.pid = pg_backend_pid() OR NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = n.pid)",
            {"pattern": f"^{WORKSPACE_PREFIX}([0-9]+)$"},
        )
        rows = cur.fetchall()
    previous, pid = rows[0][1], rows[0][2]
    for stale in sorted(name for name, _path, _pid in rows if name and name.startswith(WORKSPACE_PREFIX)):
        try:
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute(f'DROP SCHEMA IF EXISTS "{stale}" CASCADE')
        except Exception:  # noqa: BLE001 - another import is dropping the same leftover right now
            pass
    schema = f"{WORKSPACE_PREFIX}{pid}"
    with connection.cursor() as cur:
        cur.execute(f"CREATE SCHEMA {schema}")
        cur.execute("SELECT set_config('search_path', %s, false)", [f"{schema}, {previous}"])
    return previous


def _close_workspace(previous: str) -> None:
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        schema = f"{WORKSPACE_PREFIX}{cur.fetchone()[0]}"
        cur.execute("SELECT set_config('search_path', %s, false)", [previous])
        cur.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


# ---------------------------------------------------------------- the pipeline

ANALYZE_AFTER_ROWS = 50_000  # new rows that make the case table's statistics worth refreshing


def run_import(
    *,
    path: Path,
    region: Region,
    job_id: int | None,
    hospital_ids: set[int] | None = None,
    dry_run: bool = False,
    error_path: Path | None = None,
    progress: Callable[[int], None] = lambda p: None,
) -> ImportResult:
    """Import one file for one region. Raises FileError for a file-level problem (nothing written)."""
    result = ImportResult()
    clock = [time.monotonic()]

    def step(name: str) -> None:
        now = time.monotonic()
        result.timings[name] = round(now - clock[0], 3)
        clock[0] = now

    previous_path = _open_workspace()
    try:
        with connection.cursor() as cur:
            cur.execute("SET work_mem = '64MB'")
        staged = load_file(path)
        step("copy")
        progress(30)
        _groups_table(region)
        _build_rows(region.pk, hospital_ids, staged)
        step("type")
        progress(45)
        _run_checks(region)
        step("checks")
        progress(65)
        with connection.cursor() as cur:
            cur.execute("SELECT count(*) FROM cs_rows")
            result.total = cur.fetchone()[0]
            cur.execute("SELECT count(*), count(DISTINCT rownum) FROM cs_errors")
            result.errors, result.rejected = cur.fetchone()
            cur.execute("SELECT DISTINCT year FROM cs_rows WHERE year IS NOT NULL")
            years = sorted(y for (y,) in cur.fetchall())
        if dry_run:
            with connection.cursor() as cur:
                cur.execute(
                    "SELECT count(*) FILTER (WHERE c.id IS NULL), count(*) FILTER (WHERE c.content_hash <> r.content_hash) "
                    f"FROM (SELECT r.* {VALID_ROWS}) r LEFT JOIN cases_case c "
                    "ON c.region_id = %(region)s AND c.settlement_id = r.settlement_id",
                    {"region": region.pk},
                )
                result.created, result.updated = cur.fetchone()
        else:
            with transaction.atomic():
                with connection.cursor() as cur:
                    # one import per region at a time; the upsert and the warnings commit together
                    cur.execute("SELECT pg_advisory_xact_lock(%s, %s)", [734_001, region.pk])
                if _pending(region):
                    published = _group_means(region, years)
                    step("means")
                    result.created, result.updated = _write(region, job_id, published)
                step("upsert")
                progress(85)
            step("commit")
            if result.created >= ANALYZE_AFTER_ROWS:
                # A large upload changes the table's statistics at once; refresh them now for the grouping and the
                # screening that follow the upload (autovacuum would, later): with the old ones the planner picked
                # the (region, discharge date) index for every grouping chunk of a 1M-row upload.
                with connection.cursor() as cur:
                    analyze_region(cur, "cases_case", region.pk)
                step("analyze")
        result.unchanged = result.total - result.rejected - result.created - result.updated
        _write_messages()
        result.first_errors = _first_errors()
        result.first_rows = _first_rows()
        if error_path is not None and result.errors:
            write_error_file(error_path)
        step("report")
        progress(95)
        return result
    finally:
        if not connection.needs_rollback:
            try:
                with transaction.atomic():
                    _close_workspace(previous_path)
                    with connection.cursor() as cur:
                        cur.execute("RESET work_mem")
                        cur.execute("RESET jit")
            except Exception:  # noqa: BLE001 - the next run drops them anyway
                pass


__all__ = ["BY_NAME", "FileError", "ImportResult", "protect_upload", "run_import", "write_error_file"]
