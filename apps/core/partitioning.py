"""Region partitions: region-owned fact tables as `PARTITION BY LIST (region_id)` (decision 0044).

A region's batch work (import, grouping, settlement runs, screening) then reads and writes only its own
partition, and the planner prunes every region-filtered query to it (docs/scaling.md "Partitioning by region").

`partition_by_region` rebuilds an existing table in place, keeping its rows, ids and id sequence. It reads
the table's shape from pg_catalog at the moment it runs (columns, defaults, check/unique constraints,
indexes, outgoing foreign keys, triggers), so it does not depend on which migrations came before it.
"""
from __future__ import annotations

from typing import Any

from django.db import connection as default_connection
from django.db import transaction

# Tables partitioned by region, in the order partitions are created for a new region.
PARTITIONED_TABLES = ("cases_case", "settlement_caseresult")
KEY = "region_id"


def _q(name: str) -> str:
    """Quote an identifier (table, constraint, sequence names come from pg_catalog or our constants)."""
    return '"' + name.replace('"', '""') + '"'


def partition_name(table: str, region_id: int | None) -> str:
    """`cases_case_r12` for region 12, `cases_case_default` for the DEFAULT partition."""
    return f"{table}_default" if region_id is None else f"{table}_r{int(region_id)}"


def is_partitioned(cursor: Any, table: str) -> bool:
    cursor.execute("SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(%s)", [table])
    return cursor.fetchone() is not None


def _shape(cursor: Any, table: str, key: str) -> dict[str, Any]:
    """Everything that must be re-created on the rebuilt table, read from pg_catalog."""
    cursor.execute("SELECT to_regclass(%s)::oid", [table])
    (oid,) = cursor.fetchone()
    if oid is None:
        raise RuntimeError(f"partitioning: no table {table}")
    cursor.execute(
        "SELECT conrelid::regclass::text, conname FROM pg_constraint WHERE confrelid = %s AND contype = 'f' "
        "AND conrelid <> %s", [oid, oid])
    incoming = cursor.fetchall()
    if incoming:
        # A foreign key needs a unique target; `id` alone is no longer unique. The referencing fields are
        # `db_constraint=False` (Django keeps on_delete); a new one must be too.
        raise RuntimeError(f"partitioning {table}: foreign keys point into it: {incoming}")
    cursor.execute(
        "SELECT DISTINCT v.oid::regclass::text FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid "
        "JOIN pg_class v ON v.oid = r.ev_class WHERE d.refobjid = %s AND v.oid <> %s", [oid, oid])
    views = cursor.fetchall()
    if views:
        raise RuntimeError(f"partitioning {table}: views depend on it: {views}")
    cursor.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = %s AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
        [oid])
    columns = [r[0] for r in cursor.fetchall()]
    if key not in columns or "id" not in columns:
        raise RuntimeError(f"partitioning {table}: needs columns id and {key}")
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    (seq,) = cursor.fetchone()
    last_value, is_called = 1, False
    if seq:
        cursor.execute(f"SELECT last_value, is_called FROM {seq}")  # seq: a regclass name from PostgreSQL
        last_value, is_called = cursor.fetchone()
    cursor.execute(f"SELECT max(id) FROM {_q(table)}")
    (max_id,) = cursor.fetchone()
    if max_id is not None and (max_id > last_value or not is_called and max_id >= last_value):
        last_value, is_called = max_id, True  # never hand out an id a row already has
    cursor.execute(
        "SELECT conname, contype, pg_get_constraintdef(oid), "
        "       %s = ANY(SELECT attname FROM pg_attribute WHERE attrelid = conrelid AND attnum = ANY(conkey)) "
        "FROM pg_constraint WHERE conrelid = %s AND contype IN ('p', 'u', 'f', 'x') ORDER BY contype, conname",
        [key, oid])
    constraints = cursor.fetchall()
    pk = [name for name, kind, _, _ in constraints if kind == "p"]
    for name, kind, definition, has_key in constraints:
        if kind in ("u", "x") and not has_key:
            raise RuntimeError(f"partitioning {table}: unique constraint {name} ({definition}) lacks {key}")
    cursor.execute(
        "SELECT i.relname, pg_get_indexdef(x.indexrelid), x.indisunique, "
        "       %s = ANY(SELECT attname FROM pg_attribute WHERE attrelid = x.indrelid AND attnum = ANY(x.indkey)) "
        "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
        "WHERE x.indrelid = %s AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid "
        "                                      AND c.conrelid = x.indrelid) ORDER BY i.relname",
        [key, oid])
    indexes = cursor.fetchall()
    for name, _definition, unique, has_key in indexes:
        if unique and not has_key:
            raise RuntimeError(f"partitioning {table}: unique index {name} lacks {key}")
    cursor.execute("SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = %s AND NOT tgisinternal", [oid])
    triggers = [r[0] for r in cursor.fetchall()]
    return {
        "columns": columns, "last_value": last_value, "is_called": is_called,
        "pk": pk[0] if pk else f"{table}_pkey",
        # A foreign key left NOT VALID (added to a busy table and never validated) is re-created validated: a
        # partitioned table accepts no NOT VALID foreign key, and the copy is checked when the key is added.
        "constraints": [(n, d.removesuffix(" NOT VALID")) for n, k, d, _ in constraints if k != "p"],
        "indexes": [d for _, d, _, _ in indexes], "triggers": triggers,
    }


def _rebuild(schema_editor: Any, table: str, *, partitioned: bool, key: str = KEY) -> None:
    """Re-create `table` (partitioned by `key`, or plain), moving its rows; ids and sequence continue."""
    run = schema_editor.execute
    with schema_editor.connection.cursor() as cursor:
        shape = _shape(cursor, table, key)
        regions: list[int] = []
        if partitioned:
            cursor.execute("SELECT id FROM tenants_region ORDER BY id")
            regions = [r[0] for r in cursor.fetchall()]
    old = f"{table}__rebuild"
    cols = ", ".join(_q(c) for c in shape["columns"])
    run(f"ALTER TABLE {_q(table)} RENAME TO {_q(old)}")
    # LIKE copies columns, NOT NULL, defaults and CHECK constraints (with their names), not the identity:
    # PostgreSQL 15 has no identity column on a partitioned table, so `id` takes its default from a sequence.
    run(f"CREATE TABLE {_q(table)} (LIKE {_q(old)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE "
        f"INCLUDING COMMENTS)" + (f" PARTITION BY LIST ({_q(key)})" if partitioned else ""))
    run(f"ALTER TABLE {_q(table)} ALTER COLUMN id DROP DEFAULT")  # a copied nextval() would pin the old sequence
    for region_id in regions:
        run(f"CREATE TABLE {_q(partition_name(table, region_id))} PARTITION OF {_q(table)} "
            f"FOR VALUES IN ({int(region_id)})")
    if partitioned:
        run(f"CREATE TABLE {_q(partition_name(table, None))} PARTITION OF {_q(table)} DEFAULT")
    # rows first, indexes after: one sorted build per index and partition instead of row-by-row inserts
    run(f"INSERT INTO {_q(table)} ({cols}) SELECT {cols} FROM {_q(old)}")
    run(f"DROP TABLE {_q(old)}")  # its identity sequence, indexes and constraints go with it
    seq = f"{table}_id_seq"
    run(f"DROP SEQUENCE IF EXISTS {_q(seq)}")
    # OWNED BY: pg_get_serial_sequence finds it, so Django's sequence reset keeps working
    run(f"CREATE SEQUENCE {_q(seq)} AS bigint OWNED BY {_q(table)}.id")
    run(f"SELECT setval('{seq}', {int(shape['last_value'])}, {'true' if shape['is_called'] else 'false'})")
    run(f"ALTER TABLE {_q(table)} ALTER COLUMN id SET DEFAULT nextval('{seq}'::regclass)")
    # (id, region_id): a lookup by id alone still uses the key; region_id makes it legal on a partitioned table
    run(f"ALTER TABLE {_q(table)} ADD CONSTRAINT {_q(shape['pk'])} PRIMARY KEY "
        + (f"(id, {_q(key)})" if partitioned else "(id)"))
    for name, definition in shape["constraints"]:
        run(f"ALTER TABLE {_q(table)} ADD CONSTRAINT {_q(name)} {definition}")
    for definition in shape["indexes"] + shape["triggers"]:
        run(definition)
    run(f"ANALYZE {_q(table)}")


def partition_by_region(schema_editor: Any, table: str) -> None:
    """Make `table` a `PARTITION BY LIST (region_id)` table: one partition per region plus DEFAULT."""
    with schema_editor.connection.cursor() as cursor:
        if is_partitioned(cursor, table):
            return
    _rebuild(schema_editor, table, partitioned=True)


def unpartition(schema_editor: Any, table: str) -> None:
    """The reverse of `partition_by_region` (a plain table keyed by id, rows and sequence kept)."""
    with schema_editor.connection.cursor() as cursor:
        if not is_partitioned(cursor, table):
            return
    _rebuild(schema_editor, table, partitioned=False)


def create_region_partitions(region_id: int, connection: Any = None) -> list[str]:
    """Give a region its own partition of every partitioned table (idempotent; returns the ones created).

    Rows of the region already in the DEFAULT partition (a region created without `region_create`) are
    moved into the new partition, since PostgreSQL refuses a partition whose rows sit in DEFAULT.
    """
    conn = connection or default_connection
    created = []
    # one transaction: the rows taken out of DEFAULT must reach the new partition or stay where they were
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        for table in PARTITIONED_TABLES:
            if not is_partitioned(cursor, table):
                continue
            name = partition_name(table, region_id)
            if _exists(cursor, name):
                continue
            default = partition_name(table, None)
            moved = f"{name}__moving"
            stray = _exists(cursor, default) and _has_rows(cursor, default, region_id)
            if stray:
                cursor.execute(f"CREATE TEMP TABLE {_q(moved)} ON COMMIT DROP AS WITH m AS (DELETE FROM "
                               f"{_q(default)} WHERE region_id = %s RETURNING *) SELECT * FROM m", [region_id])
            cursor.execute(f"CREATE TABLE {_q(name)} PARTITION OF {_q(table)} FOR VALUES IN ({int(region_id)})")
            if stray:
                cursor.execute(f"INSERT INTO {_q(table)} SELECT * FROM {_q(moved)}")
                cursor.execute(f"DROP TABLE {_q(moved)}")
            created.append(name)
    return created


def analyze_region(cursor: Any, table: str, region_id: int) -> None:
    """Refresh the planner statistics of the partition holding a region's rows (its own, else DEFAULT; a table
    that is not partitioned is analysed whole): a region-filtered query is planned on that partition's statistics,
    and analysing the parent would sample every other region's rows too."""
    target = table
    if is_partitioned(cursor, table):
        own = partition_name(table, region_id)
        target = own if _exists(cursor, own) else partition_name(table, None)
    cursor.execute(f"ANALYZE {_q(target)}")


def _exists(cursor: Any, name: str) -> bool:
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
    return cursor.fetchone()[0]


def _has_rows(cursor: Any, table: str, region_id: int) -> bool:
    cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {_q(table)} WHERE region_id = %s)", [region_id])
    return cursor.fetchone()[0]
