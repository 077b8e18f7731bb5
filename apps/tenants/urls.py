from django.urls import path, re_path

from . import views

app_name = "tenants"
urlpatterns = [
    path("", views.region_list, name="region_list"),
    path("policies/", views.policy_list, name="policy_list"),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:pk>/", views.user_detail, name="user_detail"),
    path("users/<int:pk>/memberships/add/", views.membership_add, name="membership_add"),
    path("users/<int:pk>/memberships/<int:membership_id>/remove/", views.membership_remove, name="membership_remove"),
    path("users/<int:pk>/password/", views.password_reset, name="password_reset"),
    path("users/<int:pk>/token/revoke/", views.token_revoke, name="token_revoke"),
    path("me/token/revoke/", views.own_token_revoke, name="own_token_revoke"),
    re_path(r"^(?P<code>\d{6})/$", views.region_detail, name="region_detail"),
    re_path(r"^(?P<code>\d{6})/policies/(?P<year>\d{4})/$", views.policy_edit, name="policy_edit"),
]
