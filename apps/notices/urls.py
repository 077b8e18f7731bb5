from django.urls import path

from . import views

app_name = "notices"
urlpatterns = [
    path("", views.notice_list, name="list"),
    path("inbox/", views.inbox, name="inbox"),
    path("new/", views.notice_new, name="new"),
    path("prepare/review-results/", views.prepare_review_results, name="prepare_review_results"),
    path("prepare/<slug:kind>/<int:source_id>/", views.prepare, name="prepare"),
    path("<int:pk>/", views.notice_detail, name="detail"),
    path("<int:pk>/edit/", views.notice_edit, name="edit"),
    path("<int:pk>/preview/", views.notice_preview, name="preview"),
    path("<int:pk>/pdf/", views.notice_pdf, name="pdf"),
    path("<int:pk>/acknowledgements/", views.acknowledgements, name="acknowledgements"),
    path("<int:pk>/<slug:action>/", views.notice_action, name="action"),
]
