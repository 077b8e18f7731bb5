from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class SubjectType(models.TextChoices):
    CASE = "case", _("Case grouping")
    SETTLEMENT = "settlement", _("Settlement result")
    COEFFICIENT = "coefficient", _("Hospital coefficient")
    APPLICATION = "application", _("Application decision")
    GROUP = "group", _("Group base points")
    OTHER = "other", _("Other")


class Status(models.TextChoices):
    """The state names of workflows.md §3 (plus `withdrawn` for a draft the hospital drops)."""

    DRAFT = "draft", pgettext_lazy("dispute status", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("dispute status", "Submitted")
    ACCEPTED = "accepted", pgettext_lazy("dispute status", "Accepted")
    UNDER_REVIEW = "under_review", pgettext_lazy("dispute status", "Under expert review")
    DECIDED = "decided", pgettext_lazy("dispute status", "Decided")
    APPEALED = "appealed", pgettext_lazy("dispute status", "Appealed")
    CLOSED = "closed", pgettext_lazy("dispute status", "Closed")
    WITHDRAWN = "withdrawn", pgettext_lazy("dispute status", "Withdrawn")


class Outcome(models.TextChoices):
    UPHELD = "upheld", _("Upheld (no change)")
    ADJUSTED = "adjusted", _("Adjusted")
    PARTIAL = "partial", _("Partially adjusted")


class ClosedReason(models.TextChoices):
    NOT_ACCEPTED = "not_accepted", _("Not accepted")
    ACKNOWLEDGED = "acknowledged", _("Decision accepted by the hospital")
    APPEAL_WINDOW = "appeal_window", _("Appeal period passed")


class AssignmentStatus(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned")
    DECLINED = "declined", _("Declined (conflict)")
    REPLACED = "replaced", _("Replaced")
    DONE = "done", _("Opinion given")


OPEN = (Status.SUBMITTED, Status.ACCEPTED, Status.UNDER_REVIEW, Status.APPEALED)
# Statuses waiting for a bureau decision (the decision deadline runs).
DECIDING = (Status.ACCEPTED, Status.UNDER_REVIEW, Status.APPEALED)
ACTIVE_ASSIGNMENT = (AssignmentStatus.ASSIGNED, AssignmentStatus.DONE)
# Subjects whose adjusted decision changes data through the owning service (others: free text).
STRUCTURED_ADJUSTMENT = (SubjectType.CASE, SubjectType.COEFFICIENT, SubjectType.APPLICATION)
ALLOWED_CONTENT = ("application/pdf", "image/jpeg", "image/png")
