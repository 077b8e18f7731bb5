"""Loading of the national ICD-10 / ICD-9-CM-3 医保版 code lists (set-based, idempotent)."""
from __future__ import annotations

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
DIAGNOSES_FILE = DATA_DIR / "icd10_yibao_2.0_diagnoses_from_OpenDRG.txt"
PROCEDURES_FILE = DATA_DIR / "icd9cm3_yibao_2.0_procedures_from_OpenDRG.txt"
LISTS = (("cases_diagnosiscode", DIAGNOSES_FILE), ("cases_procedurecode", PROCEDURES_FILE))


def _rows(path: Path):
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            code, _, name = line.strip().partition(" ")
            if code:
                yield code, name.strip()[:200]


def load_code_lists(connection) -> dict[str, int]:
    """COPY both lists into a temp table, then upsert; safe to run any number of times."""
    counts = {}
    with connection.cursor() as cursor:
        raw = cursor.cursor if hasattr(cursor, "cursor") else cursor
        for table, path in LISTS:
            raw.execute("CREATE TEMP TABLE IF NOT EXISTS _codelist_load (code text, name text)")
            raw.execute("TRUNCATE _codelist_load")
            with raw.copy("COPY _codelist_load (code, name) FROM STDIN") as copy:
                for row in _rows(path):
                    copy.write_row(row)
            raw.execute(
                f"INSERT INTO {table} (code, name) SELECT DISTINCT ON (code) code, name FROM _codelist_load "  # noqa: S608 - fixed names
                "ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name WHERE %s.name IS DISTINCT FROM EXCLUDED.name" % table
            )
            raw.execute(f"SELECT count(*) FROM {table}")  # noqa: S608
            counts[table] = raw.fetchone()[0]
            raw.execute("DROP TABLE _codelist_load")
            raw.execute(f"ANALYZE {table}")
    return counts
