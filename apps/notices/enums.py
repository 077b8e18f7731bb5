from django.db import models
from django.utils.translation import gettext_lazy as _


class NoticeType(models.TextChoices):
    COEFFICIENT = "coefficient", _("Coefficient publication")
    POINTS = "points", _("Group points and point value")
    SETTLEMENT = "settlement", _("Settlement statement")
    REVIEW_RESULT = "review_result", _("Review results")
    DISPUTE_DECISION = "dispute_decision", _("Dispute decision letter")
    RANKING = "ranking", _("Ranking bulletin")
    TRAINING = "training", _("Training notice")
    GENERAL = "general", _("General notice")


class NoticeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    FINAL = "final", _("Final")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    SUPERSEDED = "superseded", _("Superseded")


# Visible to addressed hospitals (a draft never is).
VISIBLE_TO_HOSPITALS = (NoticeStatus.PUBLISHED, NoticeStatus.FINAL, NoticeStatus.WITHDRAWN, NoticeStatus.SUPERSEDED)
LIVE = (NoticeStatus.PUBLISHED, NoticeStatus.FINAL)

# The Chinese name of each type, used in PDF titles and the document-number prefix.
TYPE_CN = {
    NoticeType.COEFFICIENT: "系数公示",
    NoticeType.POINTS: "点数/点值公布",
    NoticeType.SETTLEMENT: "结算通知单",
    NoticeType.REVIEW_RESULT: "评审结果",
    NoticeType.DISPUTE_DECISION: "争议处理决定书",
    NoticeType.RANKING: "赛马通报",
    NoticeType.TRAINING: "培训通知",
    NoticeType.GENERAL: "通知",
}
