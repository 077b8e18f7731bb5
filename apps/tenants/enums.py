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


_GROUPS = ("BUREAU_ROLES", "HOSPITAL_ROLES", "REGION_WIDE_READ_ROLES")


def __getattr__(name: str):
    """The role groups live in apps/tenants/roles.py (defined once); older imports from here still resolve."""
    if name in _GROUPS:
        from . import roles

        return getattr(roles, name)
    raise AttributeError(name)
