from django.db import models
from django.utils.translation import gettext_lazy as _


class PaymentMethod(models.TextChoices):
    DRG = "DRG", "DRG"
    DIP = "DIP", "DIP"


class Role(models.TextChoices):
    PLATFORM_ADMIN = "platform_admin", _("Platform administrator")
    PROVINCE_SUPERVISOR = "province_supervisor", _("Province supervisor")
    BUREAU_ADMIN = "bureau_admin", _("Bureau administrator")
    BUREAU_STAFF = "bureau_staff", _("Bureau staff")
    EXPERT = "expert", _("Expert reviewer")
    HOSPITAL_ADMIN = "hospital_admin", _("Hospital insurance office head")
    HOSPITAL_STAFF = "hospital_staff", _("Hospital staff / coder")
    AUDITOR = "auditor", _("Auditor")


BUREAU_ROLES = frozenset({Role.BUREAU_ADMIN, Role.BUREAU_STAFF})
HOSPITAL_ROLES = frozenset({Role.HOSPITAL_ADMIN, Role.HOSPITAL_STAFF})
# Roles that read every row of a region (hospital roles read their hospital's rows only;
# experts read master data of the region and the items assigned to them).
REGION_WIDE_READ_ROLES = frozenset(
    {Role.PLATFORM_ADMIN, Role.PROVINCE_SUPERVISOR, Role.BUREAU_ADMIN, Role.BUREAU_STAFF, Role.AUDITOR}
)
