"""XLSX of a scenario: the changed parameters and point values, every hospital beside the published (or
current) figures, and the sums by level. Money and points are written as numbers, not text."""
from __future__ import annotations

from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook

from apps.core import exports as safe_csv
from apps.core.vocabulary import localize_terms, term

from .models import Scenario


def scenario_xlsx(scenario: Scenario, figures) -> bytes:
    """Headers in the region's vocabulary (DIP: 分值单价, 调整后分值)."""
    region = scenario.region
    book = Workbook()
    summary = book.active
    summary.title = _("Summary")[:31]
    safe_csv.append(summary, [_("Scenario"), scenario.name])  # typed text: never a formula
    summary.append([_("Region"), f"{scenario.region.code} {scenario.region.name}"])
    summary.append([_("Payment year"), scenario.year])
    summary.append([_("Period"), scenario.period])
    summary.append([_("Compared with"), scenario.get_baseline_display()])
    summary.append([term("point_value", region), figures.point_value])
    summary.append([localize_terms(_("Published point value"), region), figures.baseline_point_value])
    for fund, value in figures.point_values.items():
        summary.append([f"{term('point_value', region)} {fund}", value])
    summary.append([])
    summary.append([_("Parameter"), _("Scenario value")])
    for name, value in scenario.parameters.items():
        summary.append([name, value])
    hospitals = book.create_sheet(_("Hospitals")[:31])
    hospitals.append([_("Hospital code"), _("Hospital"), _("Level"), _("Cases"), _("Coefficient"),
                      term("adjusted_points", region), localize_terms(_("Published adjusted points"), region),
                      _("Due"), _("Published due"),
                      _("Difference"), _("Difference %")])
    for r in figures.hospitals:
        safe_csv.append(hospitals, [r["code"], r["name"], r["level"], r["cases"], r["coefficient"], r["adjusted_points"],
                          r["published_adjusted_points"], r["due"], r["published_due"], r["difference"], r["percent"]])
    levels = book.create_sheet(_("Levels")[:31])
    levels.append([_("Level"), _("Hospitals"), _("Cases"), _("Due"), _("Published due"), _("Difference")])
    for lv in figures.levels:
        levels.append([lv["level"], lv["hospitals"], lv["cases"], lv["due"], lv["published_due"], lv["difference"]])
    out = BytesIO()
    book.save(out)
    return out.getvalue()
