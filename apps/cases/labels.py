"""Readable names of the settlement-list fields, for messages a hospital coder reads (import errors, template).

An import error says "性别：“3”不是允许的取值", never "gender：…": the label follows the active language
(English "Gender" when English is chosen); the machine name stays in the `field` column of reports.
"""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _

FIELD_LABELS = {
    "settlement_id": _("Settlement id"), "hospital_code": _("Hospital code"), "patient_id": _("Patient id"),
    "insurance_type": _("Insurance type"), "gender": _("Gender"), "age": _("Age"), "age_days": _("Age (days)"),
    "admission_date": _("Admission date"), "discharge_date": _("Discharge date"), "los_days": _("Length of stay"),
    "discharge_method": _("Discharge method"), "principal_dx": _("Principal diagnosis"),
    "secondary_dx": _("Secondary diagnoses"), "principal_proc": _("Principal procedure"),
    "other_procs": _("Other procedures"), "drg_code": _("Group code"), "total_cost": _("Total cost"),
    "drug_cost": _("Drug cost"), "consumable_cost": _("Consumable cost"), "exam_cost": _("Examination cost"),
    "self_pay": _("Self pay"), "fund_paid": _("Fund paid"), "department": _("Department"),
    "birth_weight_g": _("Birth weight (g)"), "ventilation_hours": _("Ventilation hours"), "row": _("Row"),
}

# One example row of the upload template (a plausible pneumonia stay; codes from the national lists).
EXAMPLE_ROW = {
    "settlement_id": "JS202611000001", "hospital_code": "H34180000001", "patient_id": "P0000001",
    "insurance_type": "310", "gender": "1", "age": "67", "age_days": "", "admission_date": "2026-11-02",
    "discharge_date": "2026-11-10", "los_days": "8", "discharge_method": "1", "principal_dx": "J18.900",
    "secondary_dx": "I10.x00|E11.900", "principal_proc": "", "other_procs": "", "drg_code": "",
    "total_cost": "12850.60", "drug_cost": "4120.30", "consumable_cost": "1680.00", "exam_cost": "2950.00",
    "self_pay": "2570.12", "fund_paid": "10280.48", "department": "呼吸内科", "birth_weight_g": "",
    "ventilation_hours": "",
}


def field_label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name))


def template_headers() -> list[tuple[str, str]]:
    """[(column, Chinese header)] of the upload template: the first Chinese alias of each column, which the
    importer maps back (interfaces.md §1 order)."""
    from .columns import COLUMNS

    fixed = {"settlement_id": "结算ID", "drg_code": "DRG编码"}
    return [(c.name, fixed.get(c.name, c.aliases[0] if c.aliases else c.name)) for c in COLUMNS]
