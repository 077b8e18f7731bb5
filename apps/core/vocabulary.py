"""The payment method's vocabulary, per region: one place every screen, export, notice and PDF asks.

A DIP region (domain.md §7, e.g. 辽源 220400) runs the same engine as a DRG region but speaks of 病种
(disease types), 分值 (scores) and 分值单价 (score unit price) where a DRG region says DRG病组, 点数 and 点值.
Templates read ``vocab`` (context processor: the reader's region, or DRG when their regions are mixed) or
``{% term "point_value" region %}`` for a page about one region; Python texts call ``term()`` or
``localize_terms()`` (for written Chinese already composed with DRG words, e.g. a notice body).
"""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.tenants.models import Region


def _dip(text: str):
    return pgettext_lazy("DIP vocabulary", text)

DRG, DIP = "DRG", "DIP"

TERMS: dict[str, dict[str, object]] = {
    "method": {DRG: "DRG", DIP: "DIP"},
    "payment": {DRG: _("DRG payment"), DIP: _dip("DIP payment")},
    "group": {DRG: _("DRG group"), DIP: _dip("DIP disease type")},
    "groups": {DRG: _("DRG groups"), DIP: _dip("Disease types")},
    "group_code": {DRG: _("DRG code"), DIP: _dip("Disease type code")},
    "catalogue": {DRG: _("Group catalogue"), DIP: _dip("Disease type catalogue")},
    "base_points": {DRG: _("Base points"), DIP: _dip("Base score")},
    "points": {DRG: _("Points"), DIP: _dip("Score")},
    "adjusted_points": {DRG: _("Adjusted points"), DIP: _dip("Adjusted score")},
    "point_value": {DRG: _("Point value"), DIP: _dip("Score unit price")},
    "point_value_unit": {DRG: _("yuan per point"), DIP: _dip("yuan per score")},
}

# Written Chinese composed with DRG words → DIP words, longest first (notice titles, bodies, PDF captions).
_ZH_DIP = [
    ("DRG病组基准点数", "DIP病种基准分值"), ("DRG病组", "DIP病种"), ("DRG组数", "病种数"), ("DRG组", "病种"),
    ("病组", "病种"), ("基准点数", "基准分值"), ("调整后点数", "调整后分值"), ("总点数", "总分值"),
    ("点值（元/点）", "分值单价（元/分）"), ("点值", "分值单价"), ("元/点", "元/分"), ("点数", "分值"),
    ("DRG付费", "DIP付费"), ("分组方案", "病种目录"),
]
_EN_DIP = [
    # whole phrases of the monitoring and scenario screens first, then the words
    ("Group profit and loss", "Disease type profit and loss"), ("Groups losing most", "Disease types losing most"),
    ("Groups of the period", "Disease types of the period"), ("No group in this period", "No disease type in this period"),
    ("Same group, other hospitals", "Same disease type, other hospitals"), ("Group name", "Disease type name"),
    ("loss-making group", "loss-making disease type"), ("of this group", "of this disease type"),
    ("treated this group", "treated this disease type"), ("a group code", "a disease type code"),
    ("whose group", "whose disease type"), ("same-period group mean", "same-period disease type mean"),
    ("of every group", "of every disease type"), ("over the groups with deaths", "over the disease types with deaths"),
    ("Group catalogue", "Disease type catalogue"), ("All catalogues", "All disease type catalogues"), ("No group matches", "No disease type matches"), ("stable group", "stable disease type"), ("group statistics", "disease type statistics"), ("Group statistics", "Disease type statistics"),
    ("DRG groups", "disease types"), ("DRG group", "DIP disease type"), ("base points", "base score"),
    ("Base points", "Base score"), ("adjusted points", "adjusted score"), ("Adjusted points", "Adjusted score"),
    ("point value", "score unit price"), ("Point value", "Score unit price"), ("DRG payment", "DIP payment"),
]

_EN_DIP_WHOLE = {"Group": "Disease type", "Groups": "Disease types", "group": "disease type"}


def method_of(region) -> str:
    """DRG or DIP for a Region, a region id or a method string; unknown → DRG."""
    if region is None:
        return DRG
    if isinstance(region, str):
        return DIP if region.upper() == DIP else DRG
    method = getattr(region, "payment_method", None)
    if method is None and isinstance(region, int):
        method = Region.objects.filter(pk=region).values_list("payment_method", flat=True).first()
    return DIP if method == DIP else DRG


def term(key: str, region=None) -> str:
    """The display text of one term in the region's vocabulary (the active language)."""
    return str(TERMS[key][method_of(region)])


def vocabulary(region=None) -> dict[str, str]:
    method = method_of(region)
    return {key: str(texts[method]) for key, texts in TERMS.items()} | {"is_dip": method == DIP}


def localize_terms(text: str, region=None) -> str:
    """A text written with DRG words, in the region's vocabulary (unchanged for a DRG region)."""
    if not text or method_of(region) != DIP:
        return text
    if text in _EN_DIP_WHOLE:  # a bare column heading
        return _EN_DIP_WHOLE[text]
    for old, new in _ZH_DIP + _EN_DIP:
        text = text.replace(old, new)
    return text


def localize_labels(labels: dict, region=None) -> dict[str, str]:
    """A table's column labels (written with DRG words) in the region's vocabulary: screens and exports alike."""
    return {key: localize_terms(str(text), region) for key, text in labels.items()}


def reader_method(access, methods: set[str] | None = None) -> str:
    """The vocabulary of a reader's screens: DIP when every region they work in pays by DIP, else DRG.
    `methods`: the payment methods of `access.region_ids` when the caller has the regions loaded already."""
    if access is None or access.is_platform_admin or not access.region_ids:
        return DRG
    if methods is None:
        methods = set(Region.objects.filter(pk__in=access.region_ids).values_list("payment_method", flat=True))
    return DIP if methods == {DIP} else DRG
