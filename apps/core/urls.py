from django.urls import path

from . import lockouts, security, views

app_name = "core"
urlpatterns = [
    path("audit/", views.audit_list, name="audit_list"),
    path("audit/<int:pk>/", views.audit_detail, name="audit_detail"),
    path("calendar/", views.calendar_list, name="calendar_list"),
    path("calendar/add/", views.calendar_day_add, name="calendar_day_add"),
    path("calendar/remove/", views.calendar_day_remove, name="calendar_day_remove"),
    path("calendar/load/", views.calendar_load, name="calendar_load"),
    path("healthz/", security.healthz, name="healthz"),
    path("lockouts/", lockouts.lockout_list, name="lockout_list"),
    path("lockouts/unlock/", lockouts.lockout_unlock, name="lockout_unlock"),
]
