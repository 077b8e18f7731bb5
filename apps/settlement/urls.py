from django.urls import path

from . import views

app_name = "settlement"
urlpatterns = [
    path("coefficients/", views.coefficients, name="coefficients"),
    path("coefficients/compute/", views.coefficients_compute, name="coefficients_compute"),
    path("coefficients/<int:pk>/", views.coefficient_version, name="coefficient_version"),
    path("coefficients/<int:pk>/progress/", views.coefficient_progress, name="coefficient_progress"),
    path("coefficients/<int:pk>/publish/", views.coefficient_publish, name="coefficient_publish"),
    path("coefficients/<int:pk>/export.csv", views.coefficient_export, name="coefficient_export"),
    path("coefficients/rows/<int:pk>/override/", views.coefficient_override, name="coefficient_override"),
    path("runs/", views.run_list, name="run_list"),
    path("runs/start/", views.run_start, name="run_start"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
    path("runs/<int:pk>/progress/", views.run_progress, name="run_progress"),
    path("runs/<int:pk>/publish/", views.run_publish, name="run_publish"),
    path("runs/<int:pk>/cases/", views.run_cases, name="run_cases"),
    path("runs/<int:pk>/statement/", views.statement, name="statement"),
    path("runs/<int:pk>/export/<slug:table>.<slug:fmt>", views.run_export, name="run_export"),
    path("results/<int:pk>/", views.case_result, name="case_result"),
    path("months/", views.month_status, name="month_status"),
    path("months/submit/", views.month_submit, name="month_submit"),
    path("months/flag/", views.month_flag, name="month_flag"),
]
