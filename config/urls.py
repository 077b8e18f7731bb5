from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language

from apps.core import views as core_views

urlpatterns = [
    path("", core_views.dashboard, name="dashboard"),
    path("login/", auth_views.LoginView.as_view(template_name="registration/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("core/", include("apps.core.urls")),
    path("regions/", include("apps.tenants.urls")),
    path("hospitals/", include("apps.hospitals.urls")),
    path("groups/grouper/", include("apps.cases.urls_grouper")),
    path("groups/", include("apps.groups.urls")),
    path("cases/", include("apps.cases.urls")),
    path("settlement/", include("apps.settlement.urls")),
    path("inbox/", include("apps.notifications.urls")),
    path("applications/", include("apps.applications.urls")),
    path("notices/", include("apps.notices.urls")),
    path("disputes/", include("apps.disputes.urls")),
    path("training/", include("apps.training.urls")),
    path("monitoring/", include("apps.monitoring.urls")),
    path("screening/", include("apps.screening.urls")),
    path("scenarios/", include("apps.scenarios.urls")),
    path("api/v1/", include("config.api")),
    path("admin/", admin.site.urls),
]
