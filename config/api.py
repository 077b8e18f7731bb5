"""The `/api/v1/` router: each app's api.py lists its ROUTES and extra URLPATTERNS."""
from importlib import import_module

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

API_APPS = ["apps.core", "apps.tenants", "apps.hospitals", "apps.groups", "apps.cases", "apps.settlement",
            "apps.notifications", "apps.applications", "apps.notices", "apps.disputes", "apps.training",
            "apps.monitoring", "apps.scenarios", "apps.screening"]

router = DefaultRouter()
extra_urlpatterns = []
for app in API_APPS:
    module = import_module(f"{app}.api")
    for prefix, viewset, basename in getattr(module, "ROUTES", []):
        router.register(prefix, viewset, basename=basename)
    extra_urlpatterns += getattr(module, "URLPATTERNS", [])

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Split view: the Swagger UI start-up script is served as a separate file, which the CSP allows (no inline
    # script); the UI itself comes from drf-spectacular-sidecar's static files (no CDN).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    *extra_urlpatterns,
    path("", include(router.urls)),
]
