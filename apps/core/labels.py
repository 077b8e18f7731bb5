"""Readable labels for the machine codes the audit trail stores (``monitoring.ranking_publish``, ``notice.pdf``).

The trail keeps the code (stable, searchable); screens show ``object · verb`` in the reader's language. A code
not listed is shown as stored, so a new action is never hidden.
"""
from __future__ import annotations

from django.utils.translation import get_language

# code → (中文, English)
OBJECTS: dict[str, tuple[str, str]] = {
    "application": ("病例申请", "Application"), "dispute": ("争议", "Dispute"), "notice": ("通知公告", "Notice"),
    "monitoring": ("运行监测", "Monitoring"), "settlement": ("结算", "Settlement"),
    "coefficients": ("医疗机构系数", "Hospital coefficients"), "group_stats": ("病组统计", "Group statistics"),
    "catalogue": ("分组方案", "Group catalogue"), "case_import": ("病例导入", "Case import"), "case": ("病例", "Case"),
    "grouping": ("分组", "Grouping"), "grouper": ("分组器", "Grouper"), "hospital": ("定点医院", "Hospital"),
    "membership": ("角色授权", "Role"), "user": ("用户", "User"), "region": ("统筹区", "Region"),
    "policy": ("政策参数", "Policy parameters"), "calendar": ("工作日历", "Working-day calendar"),
    "training": ("培训", "Training"), "expert_profile": ("专家库", "Expert pool"), "scenario": ("测算方案", "Scenario"),
    "worker": ("后台任务", "Worker"), "screening": ("监管疑点", "Screening"),
}
VERBS: dict[str, tuple[str, str]] = {
    "create": ("创建", "created"), "created": ("创建", "created"), "update": ("修改", "updated"),
    "updated": ("修改", "updated"), "delete": ("删除", "deleted"), "publish": ("发布", "published"),
    "supersede": ("被替代", "superseded"), "withdraw": ("撤回", "withdrawn"), "withdrawn": ("撤回", "withdrawn"),
    "pdf": ("生成PDF文件", "PDF rendered"), "acknowledge": ("签收", "acknowledged"), "revise": ("修订", "revised"),
    "ranking_publish": ("发布赛马排名", "ranking published"), "ranking_compute": ("计算赛马排名", "ranking computed"),
    "indicators_compute": ("计算监测指标", "indicators computed"), "run_start": ("启动结算", "run started"),
    "run_publish": ("发布结算批次", "run published"), "run_supersede": ("结算批次被替代", "run superseded"),
    "compute": ("计算", "computed"), "override": ("人工调整", "overridden"), "start": ("开始", "started"),
    "confirm": ("确认导入", "confirmed"), "done": ("完成", "done"), "failed": ("失败", "failed"), "reaped": ("超时判为失败", "stale, marked failed"),
    "regrouped": ("重新分组", "regrouped"), "activate": ("启用", "activated"), "import": ("导入", "imported"),
    "load_shipped": ("载入内置方案", "shipped catalogue loaded"), "load_national": ("载入全国节假日", "national holidays loaded"),
    "set": ("设置", "set"), "remove": ("移除", "removed"), "add": ("添加", "added"), "saved": ("保存", "saved"),
    "password_reset": ("重置密码", "password reset"), "unlock": ("解锁", "unlocked"), "ping": ("心跳", "ping"),
    "submitted": ("提交", "submitted"), "submit": ("提交", "submitted"), "accepted": ("受理", "accepted"),
    "not_accepted": ("不予受理", "not accepted"), "decided": ("作出决定", "decided"), "appealed": ("申请复核", "appealed"),
    "returned": ("退回补充", "returned"), "approved": ("同意", "approved"), "rejected": ("不同意", "rejected"),
    "closed": ("办结", "closed"), "comment": ("留言", "comment"), "opinion": ("专家意见", "expert opinion"),
    "attachment_added": ("上传附件", "attachment added"), "attachment_removed": ("删除附件", "attachment removed"),
    "experts_assigned": ("分配专家", "experts assigned"), "assigned": ("分配专家", "experts assigned"),
    "assignment_declined": ("专家回避/拒绝", "assignment declined"), "declined": ("专家回避/拒绝", "declined"),
    "decision_revised": ("决定变更", "decision revised"), "acknowledged": ("确认收到", "acknowledged"),
    "local_rule": ("本地细分规则", "local rule"), "deactivate": ("停用", "deactivated"),
    "adopt": ("采用", "adopted"), "recompute": ("重新计算", "recomputed"), "enrolled": ("报名", "enrolled"),
    "attended": ("签到", "attended"), "absent": ("缺席", "absent"), "scored": ("登记成绩", "scored"),
    "certificate_rendered": ("生成证书", "certificate rendered"), "promoted": ("候补转正", "promoted"),
    "overdue": ("逾期", "overdue"), "cleared": ("排除疑点", "cleared"), "confirmed": ("确认违规", "confirmed"),
    "answered": ("医院已说明", "answered"), "run": ("运行筛查", "run"), "period": ("筛查期间", "period"),
    "rectification_send": ("发送整改通知", "rectification sent"), "session_created": ("创建培训班次", "session created"),
    "session_published": ("发布培训班次", "session published"), "course_created": ("创建课程", "course created"), "under_review": ("专家评审中", "under review"), "reviewed": ("评审完成", "reviewed"),
}


def action_label(action: str) -> str:
    """``notice.pdf`` → 通知公告 · 生成PDF文件 (English: Notice · PDF rendered); unknown codes unchanged."""
    if not action:
        return ""
    en = (get_language() or "").startswith("en")
    parts = action.split(".")
    obj = OBJECTS.get(parts[0])
    verbs = [VERBS.get(p) for p in parts[1:]]
    if obj is None or not verbs or any(v is None for v in verbs):
        return action
    i = 1 if en else 0
    return " · ".join([obj[i], *(v[i] for v in verbs)])
