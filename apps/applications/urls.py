from django.urls import path

from . import views

app_name = "applications"
urlpatterns = [
    path("", views.application_list, name="list"),
    path("new/", views.case_pick, name="case_pick"),
    path("new/<int:case_id>/", views.application_new, name="new"),
    path("<int:pk>/", views.application_detail, name="detail"),
    path("<int:pk>/review/", views.review, name="review"),
    path("<int:pk>/<slug:name>/", views.application_action, name="action"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("assignments/", views.my_assignments, name="assignments"),
    path("experts/", views.expert_pool, name="experts"),
]
