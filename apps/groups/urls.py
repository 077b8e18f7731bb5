from django.urls import path

from . import views

app_name = "groups"
urlpatterns = [
    path("", views.catalogue_list, name="catalogue_list"),
    path("catalogues/<int:pk>/", views.catalogue_detail, name="catalogue_detail"),
    path("catalogues/<int:pk>/activate/", views.catalogue_make_active, name="catalogue_activate"),
    path("regions/<str:code>/load-shipped/", views.catalogue_load, name="catalogue_load"),
    path("regions/<str:code>/import/", views.catalogue_upload, name="catalogue_import"),
    path("stats/", views.stats_index, name="stats_index"),
    path("stats/<str:code>/<int:year>/", views.stats, name="stats"),
    path("stats/<str:code>/<int:year>/compute/", views.stats_compute, name="stats_compute"),
    path("stats/<str:code>/<int:year>/export.csv", views.stats_export, name="stats_export"),
    path("stats/<str:code>/<int:year>/versions/<int:pk>/status/", views.stats_status, name="stats_status"),
    path("stats/<str:code>/<int:year>/versions/<int:pk>/publish/", views.stats_publish, name="stats_publish"),
    path("stats/<str:code>/<int:year>/groups/<str:group_code>/", views.stats_group, name="stats_group"),
]
