"""The grouper screens (apps/cases/views_grouper.py), under /groups/grouper/ as before: namespace `grouper`."""
from django.urls import path

from . import views_grouper

app_name = "grouper"

urlpatterns = [
    path("", views_grouper.grouper_page, name="page"),
    path("report/", views_grouper.grouper_report, name="report"),
    path("run/", views_grouper.grouper_run, name="run"),
    path("runs/", views_grouper.grouper_jobs, name="jobs"),
    path("local-rules/", views_grouper.local_rules, name="local_rules"),
    path("local-rules/<int:pk>/deactivate/", views_grouper.local_rule_deactivate, name="local_rule_deactivate"),
]
