from django.urls import path

from . import views
from . import views_analysis as va

app_name = "monitoring"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("compute/", views.compute, name="compute"),
    path("periods/<int:pk>/progress/", views.progress, name="progress"),
    path("periods/<int:pk>/groups/", views.period_groups, name="period_groups"),
    path("export/<slug:table>.csv", views.export, name="export"),
    path("rankings/", views.rankings, name="rankings"),
    path("rankings/compute/", views.ranking_compute, name="ranking_compute"),
    path("rankings/<int:pk>/", views.ranking_detail, name="ranking_detail"),
    path("rankings/<int:pk>/publish/", views.ranking_publish, name="ranking_publish"),
    path("rankings/<int:pk>/export.csv", views.ranking_export, name="ranking_export"),
    path("compare/", views.compare, name="compare"),
    path("compare/export.csv", views.compare_export, name="compare_export"),
    # issue 20: the hospital's view and the data-quality scorecard
    path("pnl/", va.pnl, name="pnl"),
    path("pnl/export.xlsx", va.pnl_export, name="pnl_export"),
    path("peers/", va.peers, name="peers"),
    path("peers/export.xlsx", va.peers_export, name="peers_export"),
    path("quality/", va.quality_view, name="quality"),
    path("quality/export.xlsx", va.quality_export, name="quality_export"),
    path("quality/rectify/", va.rectify, name="rectify"),
    path("quality/rectifications/<int:pk>/", va.rectification, name="rectification"),
    path("quality/rectifications/<int:pk>/acknowledge/", va.rectification_acknowledge, name="rectification_acknowledge"),
    path("quality/rectifications/<int:pk>/reply/", va.rectification_reply, name="rectification_reply"),
]
