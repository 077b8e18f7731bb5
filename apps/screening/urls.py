from django.urls import path

from . import views

app_name = "screening"
urlpatterns = [
    path("", views.item_list, name="list"),
    path("run/", views.run, name="run"),
    path("statistics/", views.statistics, name="stats"),
    path("export.xlsx", views.export, name="export"),
    path("opinions/", views.my_opinions, name="opinions"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("<int:pk>/", views.item_detail, name="detail"),
    path("<int:pk>/<slug:action>/", views.item_action, name="action"),
]
