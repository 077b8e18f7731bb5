"""Portal forms: the grouped policy form and the user/membership forms. Saving goes through services."""
from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.hospitals.models import Hospital

from .access import Access
from .enums import HOSPITAL_ROLES, Role
from .filters import admin_hospital_ids, admin_region_ids
from .models import PolicyYear, Province, Region

# Parameters grouped as in domain.md, each with its meaning (shown beside the field with its default).
PARAMETER_GROUPS: list[tuple[Any, list[tuple[str, Any]]]] = [
    (_("Budget and payments (domain §5)"), [
        ("fund_budget", _("Annual DRG/DIP fund budget (统筹基金预算) in yuan; the point value is budget ÷ total points.")),
        ("prepay_ratio", _("Share of the monthly amount paid in advance; the rest is withheld as quality deposit.")),
    ]),
    (_("Base period and group statistics (domain §2)"), [
        ("base_start", _("First year of the base period; empty = three years before the payment year.")),
        ("base_end", _("Last year of the base period; empty = the year before the payment year.")),
        ("catalogue", _("Group catalogue version used for this payment year.")),
        ("min_cases", _("A group with more cases than this and a low CV is stable.")),
        ("cv_max", _("Highest coefficient of variation of a stable group.")),
        ("lln_cases", _("A group with at least this many cases is always stable (large-number threshold).")),
    ]),
    (_("Hospital coefficients (domain §3)"), [
        ("w_level", _("Weight of the level index in a hospital's coefficient.")),
        ("w_cost", _("Weight of the hospital's own cost index in its coefficient.")),
        ("new_hospital_factor", _("A new hospital gets this share of its level index (not below the level's lowest).")),
    ]),
    (_("Case types (domain §4)"), [
        ("low_ratio_1", _("Below this cost ratio a level-1 hospital's case is a low case, paid at cost.")),
        ("low_ratio_2", _("Below this cost ratio a level-2 hospital's case is a low case, paid at cost.")),
        ("low_ratio_3", _("Below this cost ratio a level-3 hospital's case is a low case, paid at cost.")),
        ("high_ratio_1", _("Above this cost ratio a level-1 hospital's case is a high case with extra points.")),
        ("high_ratio_2", _("Above this cost ratio a level-2 hospital's case is a high case with extra points.")),
        ("high_ratio_3", _("Above this cost ratio a level-3 hospital's case is a high case with extra points.")),
        ("bilateral_factor", _("Multiplier of the base points for an approved bilateral surgery.")),
        ("multi_site_share", _("Share of the secondary group's base points added for an approved multi-site surgery.")),
    ]),
    (_("Incentive and special-case caps (domain §6)"), [
        ("incentive_rate_1", _("Incentive cases per 1000 DRG cases of a level-1 hospital per year.")),
        ("incentive_rate_2", _("Incentive cases per 1000 DRG cases of a level-2 hospital per year.")),
        ("incentive_rate_3", _("Incentive cases per 1000 DRG cases of a level-3 hospital per year.")),
        ("special_case_pct", _("Special cases at most this percent of a hospital's DRG cases per year.")),
    ]),
    (_("Workflow deadlines (workflows.md)"), [
        ("application_deadline_days", _("Days after the end of the discharge month to submit an application.")),
        ("experts_per_review", _("Experts assigned to each application review.")),
        ("dispute_window_days", _("Days after publication within which a hospital may raise a dispute.")),
        ("dispute_accept_days", _("Working days for the bureau to accept or not accept a dispute.")),
        ("dispute_decision_days", _("Working days after acceptance to decide a dispute.")),
        ("dispute_appeal_days", _("Working days for the hospital to appeal a decision once.")),
        ("objection_days", _("Working days of the objection period of a published notice.")),
    ]),
    (_("Monitoring: ranking weights and coverage targets (domain §8)"), [
        ("rank_w_cmi", _("Weight of the CMI in the quarterly ranking's composite (higher CMI ranks better).")),
        ("rank_w_cost_index", _("Weight of the cost efficiency index (lower ranks better).")),
        ("rank_w_time_index", _("Weight of the time efficiency index (lower ranks better).")),
        ("rank_w_group_count", _("Weight of the number of DRG groups treated (more ranks better).")),
        ("rank_w_lowrisk_mortality", _("Weight of the low-risk group mortality (lower ranks better).")),
        ("rank_w_quality", _("Weight of the data-quality score (settlement-list scorecard, higher ranks better); "
                             "0 leaves it out.")),
        ("cover_hospitals_target", _("Target share of hospitals paid by DRG/DIP this year (0–1).")),
        ("cover_cases_target", _("Target share of inpatient cases paid by DRG/DIP this year (0–1).")),
        ("cover_fund_target", _("Target share of the inpatient fund paid by DRG/DIP this year (0–1).")),
    ]),
    (_("Grouping"), [
        ("grouper_version", _("Grouper version that groups this year's cases; its groups are the payment catalogue. "
                              "Empty: the hospitals' declared codes are used as they are.")),
    ]),
    (_("Two funds, upload deadline, surplus retention (domain §10)"), [
        ("fund_budget_310", _("Budget of the employees' fund (职工, 310); give both fund budgets or neither.")),
        ("fund_budget_390", _("Budget of the residents' fund (居民, 390); give both fund budgets or neither.")),
        ("upload_deadline_day", _("Day of the following month by which a hospital declares a month's lists complete; "
                                  "otherwise its monthly advance is suspended.")),
        ("surplus_keep_share", _("Share of the surplus over fee-for-service that the hospital keeps (annual clearing).")),
        ("overspend_share", _("Share of the overspend below fee-for-service that the fund adds (annual clearing).")),
        ("overspend_floor", _("Overspend is shared only while the amount due is at least this share of fee-for-service.")),
    ]),
    (_("Screening (domain §11)"), [
        ("readmit_days", _("A readmission within this many days of a discharge is a suspected split admission.")),
        ("shift_factor", _("A self-pay share above this multiple of the group's regional share is suspected cost shifting.")),
        ("screen_reply_days", _("Working days for a hospital to answer a screening item.")),
    ]),
]


def parameter_default(region: Region, name: str) -> Any:
    """The default a new year gets in this region (DIP regions have their own, domain §7)."""
    if region.payment_method == "DIP" and name in PolicyYear.DIP_DEFAULTS:
        return PolicyYear.DIP_DEFAULTS[name]
    field = PolicyYear._meta.get_field(name)
    return field.default if field.has_default() and not callable(field.default) else None


class PolicyForm(forms.Form):
    """Every parameter, bound to a policy year; read-only unless `editable`."""

    reason = forms.CharField(label=_("Reason for the change"), widget=forms.Textarea(attrs={"rows": 2}),
                             max_length=1000)

    def __init__(self, *args, policy: PolicyYear, editable: bool, **kwargs):
        initial = {name: getattr(policy, name) for name in PolicyYear.PARAMETERS}
        super().__init__(*args, initial=initial, **kwargs)
        self.policy = policy
        for name in PolicyYear.PARAMETERS:
            model_field = PolicyYear._meta.get_field(name)
            field = model_field.formfield()
            field.required = not (model_field.null or model_field.blank)
            field.disabled = not editable
            self.fields[name] = field
        if not editable:
            del self.fields["reason"]

    def groups(self) -> list[dict[str, Any]]:
        region = self.policy.region
        return [
            {"title": title, "rows": [
                {"field": self[name], "help": help_text, "default": parameter_default(region, name)}
                for name, help_text in items
            ]}
            for title, items in PARAMETER_GROUPS
        ]

    def changed_values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in PolicyYear.PARAMETERS if name in self.changed_data}


class OpenPolicyYearForm(forms.Form):
    region = forms.ModelChoiceField(queryset=Region.objects.none(), label=_("Region"), to_field_name="code")
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions


def grantable_roles(access: Access) -> list[tuple[str, Any]]:
    if access.is_platform_admin:
        return list(Role.choices)
    if admin_region_ids(access):
        return [(v, label) for v, label in Role.choices if v not in {Role.PLATFORM_ADMIN, Role.PROVINCE_SUPERVISOR}]
    return [(v, label) for v, label in Role.choices if v in HOSPITAL_ROLES]


class MembershipForm(forms.Form):
    """One membership the actor may grant; the service re-checks role and scope."""

    role = forms.ChoiceField(label=_("Role"))
    region = forms.ModelChoiceField(queryset=Region.objects.none(), label=_("Region"), required=False)
    hospital = forms.ModelChoiceField(queryset=Hospital.objects.none(), label=_("Hospital"), required=False,
                                      help_text=_("Hospital roles: their hospital; experts: the affiliated hospital."))
    province = forms.ModelChoiceField(queryset=Province.objects.none(), label=_("Province"), required=False,
                                      help_text=_("Province supervisors only."))

    def __init__(self, *args, access: Access, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = grantable_roles(access)
        if access.is_platform_admin:
            regions = Region.objects.all()
            hospitals = Hospital.objects.with_scopes_disabled().all()
            self.fields["province"].queryset = Province.objects.all()
        else:
            own = admin_hospital_ids(access)
            region_ids = set(admin_region_ids(access))
            regions = Region.objects.filter(pk__in=region_ids | {r for r in access.region_ids if access.hospital_ids(r) & own})
            hospitals = Hospital.objects.with_scopes_disabled().filter(region_id__in=region_ids) | \
                Hospital.objects.with_scopes_disabled().filter(pk__in=own)
            del self.fields["province"]
        self.fields["region"].queryset = regions.order_by("code")
        self.fields["hospital"].queryset = hospitals.select_related("region").order_by("region__code", "code")
        self.fields["hospital"].label_from_instance = lambda h: f"{h.region.name} · {h.name} ({h.code})"

    def clean(self):
        data = super().clean()
        hospital = data.get("hospital")
        if hospital is not None and data.get("region") is None:
            data["region"] = hospital.region
        return data

    def membership(self) -> dict[str, Any]:
        return {k: self.cleaned_data.get(k) for k in ("role", "region", "hospital", "province")}


class UserCreateForm(MembershipForm):
    username = forms.CharField(label=_("Username"), max_length=150)
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)

    field_order = ["username", "name", "email", "password", "role", "region", "hospital", "province"]


class PasswordResetForm(forms.Form):
    password = forms.CharField(label=_("New password"), widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label=_("Repeat the new password"), widget=forms.PasswordInput, strip=False)

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password2"):
            raise forms.ValidationError(_("The two passwords differ."))
        return data
