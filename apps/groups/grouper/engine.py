"""The CHS-DRG grouping engine: plain Python over an in-memory `RuleSet` (no ORM, no I/O).

Order (CHS-DRG): code maps → MDCs in grouper order (pre-MDC: MDCA, MDCP, MDCY, MDCZ, MDCM, MDCN; then
the MDC of the principal diagnosis) → inside an MDC the ADRGs in try order: surgical (2nd letter A–J),
then — when the main procedure is an operating-room procedure (on the list of some surgical ADRG)
that fits none of them — the ambiguous group `<letter>QY`, else non-OR (K–Q) and medical (R–Z) → severity (MCC/CC after the
exclusion tables) → local subdivision rules of the region.

An MDC entered without a matching ADRG hands the case on to the next MDC (as the published
groupers do, e.g. a surgical case that is no transplant leaves MDCA). No MDC at all: `0000`.

Results: status `ok` (drg_code = ADRG + severity digit, or a local code), `ambiguous`
(drg_code `<MDC letter>QY`, adrg empty), `ungroupable` (drg_code `0000`) and `invalid`
(no or unknown principal diagnosis, impossible sex/age/weight; drg_code empty).
"""
from __future__ import annotations

from .rules import describe_clause
from .ruleset import AdrgRule, Ctx, LocalRule, MdcRule, RuleSet
from .types import (
    STATUS_AMBIGUOUS,
    STATUS_INVALID,
    STATUS_OK,
    STATUS_UNGROUPABLE,
    GroupingInput,
    GroupingResult,
    TraceStep,
)

__all__ = ["group", "normalise_code"]

SEX = {1: "男", 2: "女"}


def normalise_code(code: str) -> str:
    """ICD codes as the lists spell them: letters upper-case, the extension marker `x` lower-case."""
    code = (code or "").strip().replace(" ", "")
    out = []
    for i, ch in enumerate(code):
        if ch.isalpha():
            prev = code[i - 1] if i else "+"
            out.append(ch.upper() if prev in "+" or i == 0 else ch.lower())
        else:
            out.append(ch)
    return "".join(out)


def _lookup(code: str, table: dict[str, str]) -> str | None:
    """The grouper code of an input code (code maps applied; any letter case), or None when it is unknown."""
    if not code:
        return None
    hit = table.get(code)
    if hit is None:
        hit = table.get(code.upper())
        if hit is None:
            hit = table.get(normalise_code(code).upper())
    return hit


class _Trace:
    __slots__ = ("steps", "on")

    def __init__(self, on: bool):
        self.steps: list[TraceStep] = []
        self.on = on

    def add(self, step: str, message: str, codes=()) -> None:
        if self.on:
            self.steps.append(TraceStep(step, message, tuple(codes)))


def _named(code: str, names: dict[str, str]) -> str:
    name = names.get(code)
    return f"{code} {name}" if name else code


def _invalid(trace: _Trace, rs: RuleSet, message: str, codes=()) -> GroupingResult:
    trace.add("result", f"输入无效：{message}", codes)
    return GroupingResult(status=STATUS_INVALID, trace=tuple(trace.steps), ruleset_version=rs.version)


def group(case: GroupingInput, ruleset: RuleSet, *, trace: bool = True) -> GroupingResult:
    """Group one case. `trace=False` skips the human-readable steps (bulk runs that store only codes)."""
    rs = ruleset
    tr = _Trace(trace)

    # --- input and code maps ---------------------------------------------------------------------
    raw_pdx = (case.principal_dx or "").strip()
    if not raw_pdx:
        return _invalid(tr, rs, "缺少主诊断")
    pdx = _lookup(raw_pdx, rs.dx_lookup)
    if pdx is None:
        return _invalid(tr, rs, f"主诊断 {raw_pdx} 不在 ICD-10 医保版编码库中", (raw_pdx,))
    if case.gender not in (None, 1, 2):
        return _invalid(tr, rs, f"性别代码 {case.gender} 无效（1 男，2 女）")
    if case.age is not None and not 0 <= case.age <= 150:
        return _invalid(tr, rs, f"年龄 {case.age} 岁超出范围")
    if case.age_days is not None and case.age_days < 0:
        return _invalid(tr, rs, f"年龄（天）{case.age_days} 无效")
    if case.birth_weight_g is not None and not 0 < case.birth_weight_g < 10000:
        return _invalid(tr, rs, f"出生体重 {case.birth_weight_g} 克超出范围")

    if trace:
        tr.add("input", f"主诊断 {_named(pdx, rs.dx_names)}", (pdx,))
        if pdx != raw_pdx:
            tr.add("input", f"编码映射：主诊断 {raw_pdx} → {pdx}", (raw_pdx, pdx))
    sdx: list[str] = []
    for raw in case.secondary_dx:
        code = _lookup(raw.strip(), rs.dx_lookup) if raw else None
        if code is None:
            if raw and raw.strip():
                tr.add("input", f"其他诊断 {raw} 不在编码库中，已忽略", (raw,))
            continue
        if code != pdx and code not in sdx:
            sdx.append(code)
    procs: list[str] = []
    for raw in case.procedures:
        code = _lookup(raw.strip(), rs.pr_lookup) if raw else None
        if code is None:
            if raw and raw.strip():
                tr.add("input", f"手术操作 {raw} 不在 ICD-9-CM-3 医保版编码库中，已忽略", (raw,))
            continue
        if code not in procs:
            procs.append(code)
    if trace:
        if sdx:
            tr.add("input", "其他诊断：" + "；".join(_named(c, rs.dx_names) for c in sdx), sdx)
        if procs:
            tr.add("input", f"主手术 {_named(procs[0], rs.pr_names)}"
                   + (f"；其他手术操作 {len(procs) - 1} 个" if len(procs) > 1 else ""), procs[:1])
        else:
            tr.add("input", "无手术操作")
        if case.ventilation_hours is not None:
            _check_ventilation(tr, procs, case.ventilation_hours)

    age = case.age
    if age is None and case.age_days is not None:
        age = case.age_days // 365
    ctx = Ctx(pdx, frozenset([pdx, *sdx]), tuple(procs), case.gender, age, case.age_days, case.birth_weight_g,
              case.los_days)

    # --- MDC and ADRG ----------------------------------------------------------------------------
    first_entered: MdcRule | None = None
    for mdc in rs.mdcs_for(pdx):
        if not mdc.test(ctx):
            if trace and mdc.pdx and pdx in mdc.pdx:
                _explain_refusal(tr, mdc, ctx)
            continue
        if trace:
            _explain_entry(tr, rs, mdc, ctx)
        if first_entered is None and mdc.code != "MDCA":
            first_entered = mdc
        adrg, ambiguous = _find_adrg(rs, mdc, ctx)
        if ambiguous:
            return _ambiguous(tr, rs, mdc, ctx)
        if adrg is None:
            if trace:
                tr.add("adrg", f"{mdc.code} 内没有符合条件的 ADRG，继续判断后续 MDC", ())
            continue
        if trace:
            _explain_adrg(tr, rs, adrg, ctx)
        return _severity(tr, rs, mdc, adrg, ctx, case, sdx, trace)

    tr.add("mdc", "不符合任何 MDC 的入组条件", (pdx,))
    tr.add("result", "无法入组：0000", ("0000",))
    return GroupingResult(status=STATUS_UNGROUPABLE, mdc=first_entered.code if first_entered else "",
                          drg_code="0000", drg_name="无法入组", trace=tuple(tr.steps), ruleset_version=rs.version)


VENT_LONG, VENT_SHORT = "96.72", "96.71"  # ICD-9-CM-3: invasive ventilation ≥ 96 h / < 96 h


def _check_ventilation(tr: _Trace, procs: list[str], hours: int) -> None:
    """Grouping follows the coded procedures; the hours only flag a coding that contradicts them."""
    long_codes = [p for p in procs if p.startswith(VENT_LONG)]
    short_codes = [p for p in procs if p.startswith(VENT_SHORT)]
    if hours >= 96 and not long_codes:
        tr.add("input", f"提示：呼吸机时长 {hours} 小时（≥ 96 小时），但未编码 {VENT_LONG}（≥ 96 小时机械通气），"
               "分组按已编码的手术操作", tuple(short_codes))
    elif hours < 96 and long_codes:
        tr.add("input", f"提示：编码了 ≥ 96 小时机械通气 {','.join(long_codes)}，但呼吸机时长仅 {hours} 小时"
               "（编码与病案不一致，可能高套）", tuple(long_codes))


def _find_adrg(rs: RuleSet, mdc: MdcRule, ctx: Ctx) -> tuple[AdrgRule | None, bool]:
    """The first ADRG of the MDC whose rule holds; (None, True) when the case reaches the MDC's QY test
    (its place in the try order and its condition come from the rule data, decision 0018) and the
    test holds. MDCA (entered by a valid main procedure) has no QY: its cases go on to the MDC of
    their principal diagnosis."""
    qy_at = mdc.qy_at
    rules = mdc.adrg_rules
    for i, adrg in enumerate(rules):
        if i == qy_at and mdc.qy_test(ctx):
            return None, True
        if adrg.test(ctx):
            return adrg, False
    if qy_at == len(rules) and mdc.qy_test(ctx):
        return None, True
    return None, False


def _ambiguous(tr: _Trace, rs: RuleSet, mdc: MdcRule, ctx: Ctx) -> GroupingResult:
    code = f"{mdc.code[-1]}QY"
    tr.add("adrg", f"主手术 {_named(ctx.main_pr, rs.pr_names)} 是有效手术，但不属于 {mdc.code} 任何手术 ADRG 的手术表",
           (ctx.main_pr,))
    tr.add("result", f"歧义组：{code}（主要诊断与主要手术不匹配）", (code,))
    return GroupingResult(status=STATUS_AMBIGUOUS, mdc=mdc.code, drg_code=code, drg_name="歧义组",
                          trace=tuple(tr.steps), ruleset_version=rs.version)


def _explain_refusal(tr: _Trace, mdc: MdcRule, ctx: Ctx) -> None:
    """The principal diagnosis is on the MDC's list but another entry condition failed (sex, age, regions)."""
    for clause in mdc.clauses:
        op = clause["op"]
        if op == "sex" and ctx.sex != clause["value"]:
            tr.add("pre_mdc", f"主诊断 {ctx.pdx} 属于 {mdc.code} 主诊断表，但性别"
                   f"{'未填写' if ctx.sex is None else '为' + SEX.get(ctx.sex, '?')}（需{SEX[clause['value']]}性），"
                   f"不进入 {mdc.code}", (ctx.pdx,))
        elif op == "age_years" and ctx.age != clause["value"]:
            tr.add("pre_mdc", f"主诊断 {ctx.pdx} 属于 {mdc.code} 主诊断表，但年龄"
                   f"{'未填写' if ctx.age is None else f'为 {ctx.age} 岁'}（需 {clause['value']} 岁），不进入 {mdc.code}",
                   (ctx.pdx,))
        elif op == "trauma_regions":
            regions = sorted({mdc.regions[d] for d in ctx.dx_all if d in mdc.regions})
            if len(regions) < clause["min"]:
                tr.add("pre_mdc", f"主诊断 {ctx.pdx} 属于 {mdc.code} 主诊断表，但创伤部位仅 {len(regions)} 个"
                       f"（{'、'.join(regions) or '无'}；需至少 {clause['min']} 个），不进入 {mdc.code}", (ctx.pdx,))


def _explain_entry(tr: _Trace, rs: RuleSet, mdc: MdcRule, ctx: Ctx) -> None:
    step = "pre_mdc" if mdc.pre else "mdc"
    parts: list[str] = []
    codes: list[str] = []
    for clause in mdc.clauses:
        op = clause["op"]
        if op == "pdx_in":
            parts.append(f"主诊断 {ctx.pdx} 属于 {mdc.code} 的主诊断表")
            codes.append(ctx.pdx)
        elif op == "main_pr_valid":
            parts.append(f"主手术 {_named(ctx.main_pr, rs.pr_names)} 为有效手术")
            codes.append(ctx.main_pr)
        elif op == "sex":
            parts.append(f"性别为{SEX[clause['value']]}")
        elif op == "age_years":
            parts.append(f"年龄 {ctx.age} 岁")
        elif op == "any_of":
            parts.append(describe_clause(clause))
            if ctx.main_pr:
                codes.append(ctx.main_pr)
        elif op == "trauma_regions":
            hit = sorted(d for d in ctx.dx_all if d in mdc.regions)
            regions = sorted({mdc.regions[d] for d in hit})
            parts.append(f"诊断 {','.join(hit)} 涉及 {len(regions)} 个创伤部位：{'、'.join(regions)}")
            codes.extend(hit)
    tr.add(step, f"{'；'.join(parts)}，进入 {mdc.code} {mdc.name}".rstrip(), tuple(dict.fromkeys(codes)))


def _explain_adrg(tr: _Trace, rs: RuleSet, adrg: AdrgRule, ctx: Ctx) -> None:
    parts: list[str] = []
    codes: list[str] = []
    for clause in adrg.clauses:
        op = clause["op"]
        lst = adrg.lists.get(clause.get("list", ""), frozenset())
        if op == "pdx_in":
            parts.append(f"主诊断 {ctx.pdx} 在 {adrg.base} 的诊断表中")
            codes.append(ctx.pdx)
        elif op == "any_dx_in":
            hit = sorted(ctx.dx_all & lst)
            parts.append(f"诊断 {','.join(hit)} 在 {adrg.base} 的诊断表中")
            codes.extend(hit)
        elif op == "main_pr_in":
            parts.append(f"主手术 {_named(ctx.main_pr, rs.pr_names)} 在 {adrg.base} 的手术表中")
            codes.append(ctx.main_pr)
        elif op == "any_pr_in":
            hit = [p for p in ctx.pr_list if p in lst]
            which = "第二手术表" if clause.get("list") == "pr1" else "手术表"
            parts.append(f"手术 {','.join(hit)} 在 {adrg.base} 的{which}中")
            codes.extend(hit)
        elif op == "main_pr_valid":
            parts.append(f"主手术 {_named(ctx.main_pr, rs.pr_names)} 为有效手术")
            codes.append(ctx.main_pr)
        elif op == "no_valid_pr":
            parts.append("无有效手术")
        elif op == "pr_tags":
            hit = [p for p in ctx.pr_list if p in adrg.tags]
            labels = sorted({t for p in hit for t in adrg.tags[p]})
            parts.append(f"手术 {','.join(hit)} 构成组合（第{'、'.join(labels)}类）")
            codes.extend(hit)
        elif op == "age_days_max":
            parts.append(f"出生 {ctx.age_days} 天（≤ {clause['value']} 天）")
        elif op in ("weight_lt", "weight_min"):
            parts.append(f"出生体重 {ctx.weight} 克")
        elif op == "any_sdx_in":
            hit = sorted(d for d in ctx.dx_all if d != ctx.pdx and d in lst)
            parts.append(f"其他诊断 {','.join(hit)} 在 {adrg.base} 的其他诊断表中")
            codes.extend(hit)
        elif op == "any_pr_valid":
            hit = [p for p in ctx.pr_list if p in rs.valid_pr]
            parts.append(f"手术 {','.join(hit)} 为有效手术")
            codes.extend(hit)
        else:
            parts.append(describe_clause(clause))
    if not parts:
        parts.append("无附加条件")
    label = f"（{adrg.label}）" if adrg.label else ""
    tr.add("adrg", f"符合 {adrg.base} {adrg.name}{label}：{'；'.join(dict.fromkeys(parts))}",
           tuple(dict.fromkeys(codes)))


def _severity(tr: _Trace, rs: RuleSet, mdc: MdcRule, adrg: AdrgRule, ctx: Ctx, case: GroupingInput,
              sdx: list[str], trace: bool) -> GroupingResult:
    drgs = rs.drgs_by_adrg.get(adrg.code, ())
    mcc: list[str] = []
    cc: list[str] = []
    if any(d.severity != "always" for d in drgs):
        table = rs.cce.get(ctx.pdx)
        if trace and table:
            tr.add("severity", f"主诊断 {ctx.pdx} 属于排除表 {table}", (ctx.pdx,))
        for code in sdx:
            t = rs.mcc.get(code)
            kind = "MCC"
            if t is None:
                t = rs.cc.get(code)
                kind = "CC"
                if t is None:
                    continue
            if table is not None and t == table:
                if trace:
                    tr.add("severity", f"其他诊断 {_named(code, rs.dx_names)} 属于 {kind}，"
                           f"但与主诊断同在排除表 {t}，不计", (code,))
                continue
            (mcc if kind == "MCC" else cc).append(code)
            if trace:
                tr.add("severity", f"其他诊断 {_named(code, rs.dx_names)} 属于 {kind}（排除表 {t}）", (code,))
    chosen = None
    for d in drgs:
        s = d.severity
        if s == "always" or (s == "mcc" and mcc) or (s == "mcc_or_cc" and (mcc or cc)) or (s == "cc" and cc):
            chosen = d
            break
    if chosen is None:  # a rule set without a catch-all DRG for this ADRG
        tr.add("severity", f"{adrg.base} 没有适用的 DRG 细分规则", ())
        tr.add("result", "无法入组：0000", ("0000",))
        return GroupingResult(status=STATUS_UNGROUPABLE, mdc=mdc.code, adrg=adrg.base, drg_code="0000",
                              drg_name="无法入组", trace=tuple(tr.steps), ruleset_version=rs.version)
    if trace:
        digit = chosen.code[3:] or ""
        why = {"1": "伴严重并发症或合并症（MCC）", "3": "伴并发症或合并症（CC）", "5": "不伴并发症或合并症",
               "9": "不细分"}.get(digit, "")
        if digit == "3" and chosen.severity == "mcc_or_cc" and mcc and not cc:
            why = "伴 MCC（本 ADRG 无 1 级细分，按 3 级）"
        deciding = tuple(mcc or cc) if digit in ("1", "3") else ()
        tr.add("severity", f"严重程度：{why} → {chosen.code}", deciding)
    result_code, result_name = chosen.code, chosen.name
    national = ""
    local_id = None
    rules = rs.local_rules
    if rules:
        hit = _local(rules.get(chosen.code, ()) + rules.get(adrg.base, ()), ctx, case)
        if hit is not None:
            national, local_id = chosen.code, hit.id
            result_code, result_name = hit.local_code, hit.local_name
            tr.add("local", f"本地细分：{chosen.code} → {hit.local_code} {hit.local_name}（{_describe_local(hit)}）",
                   (hit.local_code,))
    tr.add("result", f"入组 {result_code} {result_name}", (result_code,))
    return GroupingResult(status=STATUS_OK, mdc=mdc.code, adrg=adrg.base, drg_code=result_code,
                          drg_name=result_name, mcc=tuple(mcc), cc=tuple(cc), trace=tuple(tr.steps),
                          ruleset_version=rs.version, national_drg_code=national, local_rule_id=local_id)


def _local(rules: tuple[LocalRule, ...], ctx: Ctx, case: GroupingInput) -> LocalRule | None:
    for rule in sorted(rules, key=lambda r: (r.priority, r.id)):
        if rule.procedures and rule.procedures.isdisjoint(ctx.pr_set):
            continue
        if rule.diagnoses and ctx.pdx not in rule.diagnoses:
            continue
        if rule.age_min is not None and (ctx.age is None or ctx.age < rule.age_min):
            continue
        if rule.age_max is not None and (ctx.age is None or ctx.age > rule.age_max):
            continue
        if rule.los_min is not None and (case.los_days is None or case.los_days < rule.los_min):
            continue
        if rule.los_max is not None and (case.los_days is None or case.los_days > rule.los_max):
            continue
        return rule
    return None


def _describe_local(rule: LocalRule) -> str:
    parts = []
    if rule.procedures:
        parts.append("手术在本地手术表中")
    if rule.diagnoses:
        parts.append("主诊断在本地诊断表中")
    if rule.age_min is not None or rule.age_max is not None:
        parts.append(f"年龄 {rule.age_min if rule.age_min is not None else 0}–"
                     f"{rule.age_max if rule.age_max is not None else '∞'} 岁")
    if rule.los_min is not None or rule.los_max is not None:
        parts.append(f"住院 {rule.los_min if rule.los_min is not None else 0}–"
                     f"{rule.los_max if rule.los_max is not None else '∞'} 天")
    return "；".join(parts) or "无附加条件"
