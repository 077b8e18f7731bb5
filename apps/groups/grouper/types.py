"""The grouper's contract: what a case looks like to the engine and what the engine answers.

Plain dataclasses (no ORM), so the engine runs over millions of rows in worker processes and HIS systems
can call it through the API with the same fields (interfaces.md §3, grouper).

Callers:
- `apps.groups.grouper.engine.group(case: GroupingInput, ruleset: RuleSet) -> GroupingResult`
- `apps.groups.grouper.loader.get_ruleset(version: str, region_id: int | None = None) -> RuleSet`
  (cached per process; `region_id` adds that region's local subdivision rules on top of the national set)
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

STATUS_OK = "ok"
STATUS_AMBIGUOUS = "ambiguous"  # QY: a surgical case whose procedure fits no ADRG of the MDC
STATUS_UNGROUPABLE = "ungroupable"  # 0000
STATUS_INVALID = "invalid"  # missing/unknown principal diagnosis, bad age or sex …
STATUSES = (STATUS_OK, STATUS_AMBIGUOUS, STATUS_UNGROUPABLE, STATUS_INVALID)


@dataclass(frozen=True)
class GroupingInput:
    principal_dx: str
    secondary_dx: tuple[str, ...] = ()
    procedures: tuple[str, ...] = ()  # main procedure first
    gender: int | None = None  # 1 male, 2 female (GB/T 2261.1)
    age: int | None = None  # years
    age_days: int | None = None  # for newborns (< 1 year)
    birth_weight_g: int | None = None
    los_days: int | None = None
    discharge_method: str = ""
    ventilation_hours: int | None = None


@dataclass(frozen=True)
class TraceStep:
    step: str  # "pre_mdc" | "mdc" | "adrg" | "severity" | "local" | "result" | "input"
    message: str  # human-readable (Chinese), e.g. "主诊断 K80.101 属于 MDCH 的主诊断表"
    codes: tuple[str, ...] = ()  # the codes that decided this step


@dataclass(frozen=True)
class GroupingResult:
    status: str
    mdc: str = ""
    adrg: str = ""
    drg_code: str = ""  # "QY" prefix/"0000" conventions: see engine docs
    drg_name: str = ""
    mcc: tuple[str, ...] = ()  # secondary diagnoses that counted as MCC (after exclusions)
    cc: tuple[str, ...] = ()
    trace: tuple[TraceStep, ...] = field(default_factory=tuple)
    ruleset_version: str = ""
    # optional additions (grouper engine): the national DRG when a local subdivision rule renamed the group
    national_drg_code: str = ""
    local_rule_id: int | None = None

    def as_dict(self) -> dict:
        data = asdict(self)
        data["trace"] = [asdict(step) for step in self.trace]
        return data
