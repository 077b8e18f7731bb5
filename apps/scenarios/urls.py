from django.urls import path

from . import views

app_name = "scenarios"

urlpatterns = [
    path("", views.scenario_list, name="list"),
    path("new/", views.scenario_create, name="create"),
    path("compare/", views.scenario_compare_view, name="compare"),
    path("<int:pk>/", views.scenario_detail, name="detail"),
    path("<int:pk>/adopt/", views.scenario_adopt, name="adopt"),
    path("<int:pk>/recompute/", views.scenario_recompute, name="recompute"),
    path("<int:pk>/delete/", views.scenario_delete, name="delete"),
    path("<int:pk>/export.xlsx", views.scenario_export, name="export"),
]
