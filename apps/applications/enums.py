from django.db import models
from django.utils.translation import gettext_lazy as _


class ApplicationType(models.TextChoices):
    INCENTIVE_MAJOR = "incentive_major", _("Incentive: major disease")
    INCENTIVE_RARE = "incentive_rare", _("Incentive: rare disease")
    SPECIAL_CASE = "special_case", _("Special case")
    BILATERAL = "bilateral", _("Bilateral surgery")
    MULTI_SITE = "multi_site", _("Multi-site surgery")


class Status(models.TextChoices):
    """The state names of workflows.md §2."""

    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned")
    UNDER_REVIEW = "under_review", _("Under review")
    REVIEWED = "reviewed", _("Reviewed")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Outcome(models.TextChoices):
    APPROVE = "approve", _("Approve")
    PARTIAL = "partial", _("Partially approve")
    REJECT = "reject", _("Reject")


class Verdict(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")


class AssignmentStatus(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned")
    DECLINED = "declined", _("Declined (conflict)")
    REPLACED = "replaced", _("Replaced")
    DONE = "done", _("Opinion given")


class AttachmentKind(models.TextChoices):
    MEDICAL_RECORD_SUMMARY = "medical_record_summary", _("Medical record summary")
    OTHER = "other", _("Other")


class CapKind(models.TextChoices):
    INCENTIVE = "incentive", _("Incentive cases")
    SPECIAL = "special", _("Special cases")


# Statuses that end an application: it no longer blocks the case nor counts against the cap.
CLOSED = (Status.REJECTED, Status.WITHDRAWN)
# Statuses that hold a cap place: "from submission until rejected or withdrawn" (domain §6).
COUNTING = (Status.SUBMITTED, Status.RETURNED, Status.UNDER_REVIEW, Status.REVIEWED, Status.APPROVED)
INCENTIVE_TYPES = (ApplicationType.INCENTIVE_MAJOR, ApplicationType.INCENTIVE_RARE)
REVIEW_TYPES = (*INCENTIVE_TYPES, ApplicationType.SPECIAL_CASE)  # paid at reasonable cost after review
SURGERY_TYPES = (ApplicationType.BILATERAL, ApplicationType.MULTI_SITE)
# Settlement kind of each type (apps.settlement.engine CASES_SQL's `kind`).
SETTLEMENT_KIND = {
    ApplicationType.INCENTIVE_MAJOR: "incentive", ApplicationType.INCENTIVE_RARE: "incentive",
    ApplicationType.SPECIAL_CASE: "special", ApplicationType.BILATERAL: "bilateral",
    ApplicationType.MULTI_SITE: "multi_site",
}
ACTIVE_ASSIGNMENT = (AssignmentStatus.ASSIGNED, AssignmentStatus.DONE)
# Content types an attachment kind accepts (detected from the bytes, never from the name).
ALLOWED_CONTENT = {
    AttachmentKind.MEDICAL_RECORD_SUMMARY: ("application/pdf",),
    AttachmentKind.OTHER: ("application/pdf", "image/jpeg", "image/png"),
}
