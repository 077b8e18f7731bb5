"""The grouper's own rule representation, and its translation from the source's rule text.

A rule is a list of clauses that must all hold (AND). A clause is a small JSON-able dict:

| op | meaning |
|---|---|
| `pdx_in` `{list}` | the principal diagnosis is in the list (`dx`, or the MDC's principal-diagnosis list `mdc_dx`) |
| `any_dx_in` `{list}` | any diagnosis (principal or secondary) is in the list |
| `main_pr_in` `{list}` | the main (first) procedure is in the list (`pr`, `pr1`, `pr2`) |
| `any_pr_in` `{list}` | any procedure is in the list |
| `main_pr_valid` | the main procedure is a valid (operating-room) procedure |
| `no_valid_pr` | no procedure is a valid (operating-room) procedure |
| `any_pr_valid` / `main_pr_not_valid` | some procedure is valid / there is no main procedure or it is not valid |
| `any_sdx_in` `{list}` | any secondary diagnosis is in the list (`dx1`) |
| `main_pr_in` `{codes}` | the main procedure is one of the codes written in the rule itself |
| `any_of` `{any_of: [[clause, …], …]}` | one of the alternatives (each a list of clauses) holds |
| `pr_tags` `{any_of: [[t, …], …]}` | the tags of the matched procedures cover one of the alternatives (JA1/JA2/NA1) |
| `age_days_max` `{value}` | age in days known and ≤ value |
| `weight_min` / `weight_lt` `{value}` | birth weight known and ≥ / < value |
| `sex` `{value}` | sex is 1 (male) or 2 (female) |
| `age_years` `{value}` | age in years equals value (0: newborn/infant) |
| `trauma_regions` `{min}` | the diagnoses fall in at least `min` body regions of the MDCZ list |

Severity rules of a DRG: `always`, `mcc` (a counted MCC), `mcc_or_cc` (a counted MCC or CC).

The source notation (`record.ssList[0] in adrg_ss` …) is only read here, by patterns; anything not
understood raises `RuleError`, so a new rule file cannot be loaded half-understood.
"""
from __future__ import annotations

import re

__all__ = ["RuleError", "translate_adrg", "translate_mdc", "translate_drg", "translate_qy", "describe_clause"]


class RuleError(ValueError):
    pass


_TERMS: list[tuple[re.Pattern, object]] = [
    (re.compile(r"^True$"), None),
    (re.compile(r"^record\.ssList$"), None),
    (re.compile(r"^record\.ageDay\s*!=\s*None$"), None),
    (re.compile(r"^record\.weight$"), None),
    (re.compile(r"^record\.ssList\[0\] in adrg_(ss[12]?)$"), lambda m: {"op": "main_pr_in", "list": _pr(m[1])}),
    (re.compile(r"^record\.ssList\[0\] in SS_VALID$"), lambda m: {"op": "main_pr_valid"}),
    (re.compile(r"^record\.ssList\[0\] in \[([^\]]*)\]$"), lambda m: {"op": "main_pr_in", "codes": _codes(m[1])}),
    (re.compile(r"^not record\.ssList or record\.ssList\[0\] not in SS_VALID$"),
     lambda m: {"op": "main_pr_not_valid"}),
    (re.compile(r"^intersect\(record\.ssList,\s*adrg_(ss[12]?)\)$"), lambda m: {"op": "any_pr_in", "list": _pr(m[1])}),
    (re.compile(r"^not intersect\(record\.ssList,\s*SS_VALID\)$"), lambda m: {"op": "no_valid_pr"}),
    (re.compile(r"^intersect\((?:record\.ssList,\s*SS_VALID|SS_VALID,\s*record\.ssList)\)$"),
     lambda m: {"op": "any_pr_valid"}),
    (re.compile(r"^record\.zdList\[0\] in adrg_zd$"), lambda m: {"op": "pdx_in", "list": "dx"}),
    (re.compile(r"^record\.zdList\[0\] in mdc_zd$"), lambda m: {"op": "pdx_in", "list": "mdc_dx"}),
    (re.compile(r"^intersect\(record\.zdList,\s*adrg_zd\)$"), lambda m: {"op": "any_dx_in", "list": "dx"}),
    (re.compile(r"^intersect\(record\.zdList\[1:\],\s*adrg_zd1\)$"), lambda m: {"op": "any_sdx_in", "list": "dx1"}),
    (re.compile(r"^record\.ageDay\s*<=\s*(\d+)$"), lambda m: {"op": "age_days_max", "value": int(m[1])}),
    (re.compile(r"^record\.weight\s*<\s*(\d+)$"), lambda m: {"op": "weight_lt", "value": int(m[1])}),
    (re.compile(r"^record\.weight\s*>=\s*(\d+)$"), lambda m: {"op": "weight_min", "value": int(m[1])}),
    # the sex as a number (1.1, yancheng-2023) or as a text (yunnan-2023): the portal's sex is 1/2 either way
    (re.compile(r"^record\.gender\s*==\s*['\"]?([12])['\"]?$"), lambda m: {"op": "sex", "value": int(m[1])}),
    (re.compile(r"^int\(record\.age\)\s*==\s*(\d+)$"), lambda m: {"op": "age_years", "value": int(m[1])}),
]


def _codes(text: str) -> list[str]:
    return [c.strip().strip("'\"") for c in text.split(",") if c.strip()]


def _pr(name: str) -> str:
    return {"ss1": "pr1", "ss2": "pr2"}.get(name, "pr")


def _split_top(text: str, word: str) -> list[str]:
    """Split on ` word ` outside parentheses."""
    parts, depth, start, i, sep = [], 0, 0, 0, f" {word} "
    while i < len(text):
        ch = text[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif depth == 0 and text.startswith(sep, i):
            parts.append(text[start:i].strip())
            i += len(sep)
            start = i
            continue
        i += 1
    parts.append(text[start:].strip())
    return parts


def _strip_parens(text: str) -> str:
    text = text.strip()
    while text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
        text = text[1:-1].strip()
    return text


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += ch == "("
        depth -= ch == ")"
        if depth < 0:
            return False
    return depth == 0


_TAG = re.compile(r'^["\'](\w+)["\'] in ss_matched$')


def _tags_clause(term: str) -> dict:
    alternatives = []
    for alt in _split_top(_strip_parens(term), "or"):
        tags = []
        for part in _split_top(_strip_parens(alt), "and"):
            m = _TAG.match(_strip_parens(part))
            if not m:
                raise RuleError(f"cannot read procedure-tag rule {part!r}")
            tags.append(m[1])
        alternatives.append(tags)
    return {"op": "pr_tags", "any_of": alternatives}


def _translate(text: str) -> list[dict]:
    clauses: list[dict] = []
    for term in _split_top(_strip_parens(text.strip()), "and"):
        term = _strip_parens(term)
        if "ss_matched" in term:
            clauses.append(_tags_clause(term))
            continue
        alternatives = _split_top(term, "or")
        if len(alternatives) > 1 and not term.startswith("not record.ssList or"):
            clauses.append({"op": "any_of", "any_of": [_translate(alt) for alt in alternatives]})
            continue
        for pattern, build in _TERMS:
            m = pattern.match(term)
            if m:
                if build is not None:
                    clauses.append(build(m))
                break
        else:
            raise RuleError(f"cannot read rule term {term!r}")
    return clauses


def translate_adrg(text: str) -> list[dict]:
    """An ADRG condition (adrg_rules.csv) → clauses; `[]` means the ADRG always matches (e.g. PV1)."""
    return _translate(text)


def translate_mdc(text: str, *, has_regions: bool = False) -> list[dict]:
    """An MDC entry condition → clauses; MDCZ (a list with body regions) also needs ≥ 2 injured regions."""
    clauses = _translate(text)
    if has_regions:
        clauses.append({"op": "trauma_regions", "min": 2})
    return clauses


def translate_qy(text: str) -> list[dict] | None:
    """The ambiguous-group (QY) test of an MDC → clauses, or None when the source switched it off
    (`False and …`, as every MDC of the reference CHS-DRG 1.1 and yancheng-2023 groupers does)."""
    text = _strip_parens((text or "").strip())
    if not text or text == "False" or text.startswith("False and "):
        return None
    return _translate(text)


def translate_drg(text: str) -> str:
    text = text.strip()
    if text == "True":
        return "always"
    has_mcc, has_cc = "has_mcc(" in text, "has_cc(" in text
    if has_mcc and has_cc:
        return "mcc_or_cc"
    if has_mcc:
        return "mcc"
    if has_cc:
        return "cc"
    raise RuleError(f"cannot read severity rule {text!r}")


_LIST_NAMES = {"dx": "诊断表", "dx1": "其他诊断表", "mdc_dx": "主诊断表", "pr": "手术表", "pr1": "第二手术表",
               "pr2": "第三手术表"}


def describe_clause(clause: dict) -> str:
    """Chinese wording of one clause (rule screens and the trace)."""
    op = clause["op"]
    name = _LIST_NAMES.get(clause.get("list", ""), "")
    return {
        "pdx_in": f"主诊断在{name}中",
        "any_dx_in": f"任一诊断在{name}中",
        "main_pr_in": f"主手术在{name or '指定手术'}中",
        "any_sdx_in": f"任一其他诊断在{name}中",
        "any_pr_valid": "有有效手术",
        "main_pr_not_valid": "主手术不是有效手术",
        "any_of": "满足其一：" + " 或 ".join("，".join(describe_clause(c) for c in alt) for alt in clause.get("any_of", [])),
        "any_pr_in": f"任一手术在{name}中",
        "main_pr_valid": "主手术为有效手术",
        "no_valid_pr": "无有效手术",
        "pr_tags": "手术组合：" + " 或 ".join("+".join(f"第{t}类" for t in alt) for alt in clause.get("any_of", [])),
        "age_days_max": f"出生天数 ≤ {clause.get('value')} 天",
        "weight_lt": f"出生体重 < {clause.get('value')} 克",
        "weight_min": f"出生体重 ≥ {clause.get('value')} 克",
        "sex": "性别为" + ("男" if clause.get("value") == 1 else "女"),
        "age_years": f"年龄 {clause.get('value')} 岁",
        "trauma_regions": f"创伤部位 ≥ {clause.get('min')} 个",
    }.get(op, op)
