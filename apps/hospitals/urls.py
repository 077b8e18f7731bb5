from django.urls import path

from . import views

app_name = "hospitals"
urlpatterns = [
    path("", views.hospital_list, name="list"),
    path("export/", views.hospital_export, name="export"),
    path("new/", views.hospital_create, name="create"),
    path("import/", views.hospital_import, name="import"),
    path("import/confirm/", views.hospital_import_confirm, name="import_confirm"),
    path("import/cancel/", views.hospital_import_cancel, name="import_cancel"),
    path("import/<str:token>/errors.csv", views.hospital_import_errors, name="import_errors"),
    path("<int:pk>/", views.hospital_detail, name="detail"),
    path("<int:pk>/edit/", views.hospital_edit, name="edit"),
]
