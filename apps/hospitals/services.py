"""State changes for hospitals: create, update (bureau administrators), each audited."""
from __future__ import annotations

import io
import os
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from apps.core import exports as safe_csv
from apps.core.audit import diff, model_snapshot, record_event
from apps.core.errors import Forbidden, ValidationFailed
from apps.tenants.access import get_access
from apps.tenants.enums import Role
from apps.tenants.models import Region, User

from .models import Hospital
from .resources import COLUMNS, FileFormatError, HospitalResource, cell_text

EDITABLE_FIELDS = ("code", "name", "level", "grade", "type", "drg_enabled_from", "active")


def _check_can_manage(actor: User | None, region: Region) -> None:
    if actor is not None and not get_access(actor).has_role(region.pk, Role.BUREAU_ADMIN, Role.PLATFORM_ADMIN):
        raise Forbidden("Only the bureau administrator can manage hospitals.")


def _validate(hospital: Hospital) -> None:
    try:
        hospital.full_clean(validate_unique=False, exclude=["region"])
    except ValidationError as err:
        raise ValidationFailed("; ".join(f"{k}: {' '.join(v)}" for k, v in err.message_dict.items()))
    clash = Hospital.objects.with_scope(region=[hospital.region_id]).filter(region_id=hospital.region_id, code=hospital.code)
    if clash.exclude(pk=hospital.pk).exists():
        raise ValidationFailed(f"code: hospital code {hospital.code} already exists in this region")


@transaction.atomic
def hospital_create(*, actor: User | None, region: Region, **fields: Any) -> Hospital:
    _check_can_manage(actor, region)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(f"unknown field(s): {', '.join(sorted(unknown))}")
    hospital = Hospital(region=region, **fields)
    _validate(hospital)
    hospital.save()
    record_event(actor=actor, action="hospital.create", obj=hospital, new=model_snapshot(hospital, list(EDITABLE_FIELDS)))
    return hospital


@transaction.atomic
def hospital_update(*, actor: User | None, hospital: Hospital, reason: str = "", **fields: Any) -> Hospital:
    _check_can_manage(actor, hospital.region)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(f"unknown field(s): {', '.join(sorted(unknown))}")
    locked = Hospital.objects.with_scope(region=[hospital.region_id]).select_for_update().get(pk=hospital.pk)
    before = model_snapshot(locked, list(EDITABLE_FIELDS))
    for name, value in fields.items():
        setattr(locked, name, value)
    _validate(locked)
    locked.save()
    old, new = diff(before, model_snapshot(locked, list(EDITABLE_FIELDS)))
    if old or new:
        record_event(actor=actor, action="hospital.update", obj=locked, old=old, new=new, reason=reason)
    return locked


# -- import of the hospitals file (interfaces.md §1) ------------------------------------------------

COMPARED_FIELDS = ("name", "level", "grade", "type", "drg_enabled_from")


@dataclass
class RowError:
    """One problem of one row. `row` is the spreadsheet row number (header = 1, first data row = 2)."""

    row: int
    code: str
    field: str
    error_code: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class RowPreview:
    """What happens (or would happen) to one row: create, update, unchanged or rejected."""

    row: int
    code: str
    name: str
    action: str
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)


@dataclass
class ImportReport:
    dry_run: bool = False
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    rows: list[RowPreview] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {"dry_run": self.dry_run, "created": self.created, "updated": self.updated,
                "unchanged": self.unchanged, "rejected": self.rejected}

    def errors_csv(self) -> bytes:
        """The error report `row,code,field,error_code,message` (UTF-8 with BOM for Excel)."""
        out = io.StringIO()
        writer = safe_csv.writer(out, lineterminator="\n")  # uploaded values never come back as formulas
        writer.writerow(ERROR_COLUMNS)
        for err in self.errors:
            writer.writerow([err.row, _cell(err.code), err.field, err.error_code, _cell(err.message)])
        return ("\ufeff" + out.getvalue()).encode("utf-8")


ERROR_COLUMNS = ("row", "code", "field", "error_code", "message")


def _cell(value: str) -> str:
    """Echoed upload text must not become a spreadsheet formula when the error report is opened in Excel."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


class ImportFileError(ValidationFailed):
    """The file as a whole is unusable (unreadable, or wrong/missing columns); nothing was imported."""

    def __init__(self, message: str, *, missing: list[str] | None = None, unknown: list[str] | None = None):
        super().__init__(message)
        self.missing = missing or []
        self.unknown = unknown or []


@dataclass
class _Row:
    row: int
    raw_code: str
    values: dict[str, Any]
    errors: list[RowError]

    def key(self, raw: dict[str, Any]) -> tuple:
        """What the row says, for comparing duplicates: cleaned values, or the raw text where unclean."""
        bad = {e.field for e in self.errors}
        return tuple((c, cell_text(raw[c]) if c in bad else self.values.get(c)) for c in COLUMNS)


def _parse_rows(dataset) -> list[_Row]:
    resource = HospitalResource()
    parsed: list[_Row] = []
    keys: list[tuple] = []
    for raw in dataset.dict:
        number = int(raw["__row__"])
        code = cell_text(raw["code"])
        values, cell_errors = resource.clean_row(raw)
        errors = [RowError(number, code, name, err.error_code, err.message) for name, err in cell_errors.items()]
        if raw["__extra__"]:
            errors.append(RowError(number, code, "", "extra_cells", _("The row has more cells than the header.")))
        item = _Row(number, code, values, errors)
        parsed.append(item)
        keys.append(item.key(raw))
    _mark_duplicates(parsed, keys)
    return parsed


def _mark_duplicates(parsed: list[_Row], keys: list[tuple]) -> None:
    """A code twice in one file: later copies are rejected as `duplicate`; if any copy says something
    different from the first, the first is rejected too, because nobody can tell which one is right."""
    positions: dict[str, list[int]] = defaultdict(list)
    for index, item in enumerate(parsed):
        if "code" in item.values:
            positions[item.values["code"]].append(index)
    for code, indexes in positions.items():
        if len(indexes) < 2:
            continue
        rows = ", ".join(str(parsed[i].row) for i in indexes)
        differ = any(keys[i] != keys[indexes[0]] for i in indexes[1:])
        if differ:
            message = _("Code %(code)s appears in rows %(rows)s with different contents; all of them are rejected.")
            targets = indexes
        else:
            message = _("Code %(code)s appears more than once (rows %(rows)s); only the first occurrence is used.")
            targets = indexes[1:]
        for i in targets:
            item = parsed[i]
            item.errors.append(RowError(item.row, code, "code", "duplicate", message % {"code": code, "rows": rows}))


def _load(data: bytes):
    try:
        return HospitalResource().load_dataset(data)
    except FileFormatError as err:
        raise ImportFileError(err.message, missing=err.missing, unknown=err.unknown)


def hospitals_import(*, actor: User | None, region: Region, data: bytes, filename: str, dry_run: bool) -> ImportReport:
    """Import the hospitals file into `region`: good rows land, bad rows come back with per-field errors.

    Duplicates: a code that appears more than once keeps its first occurrence and rejects the later
    ones (`duplicate`); when the copies differ in any field, every occurrence is rejected instead.
    The whole import is one transaction with a savepoint per row; a dry run executes the very same
    writes and rolls them back, so its preview is exactly what a real run would do. Re-uploading the
    same file changes nothing and writes no audit event. A file-level problem raises ImportFileError.
    """
    _check_can_manage(actor, region)
    parsed = _parse_rows(_load(data))
    report = ImportReport(dry_run=dry_run)
    with transaction.atomic():
        existing = {
            h.code: h
            for h in Hospital.objects.with_scope(region=[region.pk]).select_for_update().filter(region=region)
        }
        for item in parsed:
            report.rows.append(_import_row(actor, region, item, existing))
        for preview in report.rows:
            setattr(report, _COUNTER[preview.action], getattr(report, _COUNTER[preview.action]) + 1)
            report.errors.extend(preview.errors)
        if report.created or report.updated:
            record_event(
                actor=actor, action="hospital.import", region=region, object_type="hospitals.Hospital",
                object_id="", new={"file": safe_filename(filename), **report.summary()},
            )
        if dry_run:
            transaction.set_rollback(True)
    return report


_COUNTER = {"create": "created", "update": "updated", "unchanged": "unchanged", "rejected": "rejected"}


def _import_row(actor: User | None, region: Region, item: _Row, existing: dict[str, Hospital]) -> RowPreview:
    name = item.values.get("name", "")
    if item.errors:
        return RowPreview(item.row, item.raw_code, name, "rejected", errors=item.errors)
    values = item.values
    current = existing.get(values["code"])
    changes = {}
    if current is not None:
        changes = {f: (getattr(current, f), values[f]) for f in COMPARED_FIELDS if getattr(current, f) != values[f]}
        if not changes:
            return RowPreview(item.row, item.raw_code, name, "unchanged")
    try:
        with transaction.atomic():
            if current is None:
                existing[values["code"]] = hospital_create(actor=actor, region=region, **values)
            else:
                existing[values["code"]] = hospital_update(
                    actor=actor, hospital=current, reason=_("Hospitals file import"),
                    **{f: values[f] for f in changes},
                )
    except ValidationFailed as err:
        error = RowError(item.row, item.raw_code, "", err.code, str(err.message))
        return RowPreview(item.row, item.raw_code, name, "rejected", errors=[error])
    except IntegrityError:
        error = RowError(item.row, item.raw_code, "code", "conflict",
                         _("The hospital was changed by someone else at the same time; upload again."))
        return RowPreview(item.row, item.raw_code, name, "rejected", errors=[error])
    return RowPreview(item.row, item.raw_code, name, "create" if current is None else "update", changes)


def safe_filename(filename: str) -> str:
    return os.path.basename(filename.replace("\\", "/"))[:100]
