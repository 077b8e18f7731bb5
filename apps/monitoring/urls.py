from django.urls import path

from . import views

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
]
