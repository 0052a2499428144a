from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("trialsite.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file (no inline script); Swagger UI's
    # page keeps an inline <style> and data: icons, allowed on this page only (no patient
    # data on it; scripts stay this site's files).
    path(
        "api/docs/",
        csp_update({"style-src": ["'unsafe-inline'"], "img-src": ["data:"]})(
            SpectacularSwaggerSplitView.as_view(url_name="api-schema")
        ),
        name="api-docs",
    ),
    path("", include("accounts.urls")),
    path("", include("review.urls")),
    path("", include("dashboard.urls")),
    path("", include("randomization.urls")),
    path("", include("visits.urls")),
    path("", include("endpoints.urls")),
    path("", include("notices.urls")),
    path("", include("safety.urls")),
    path("", include("pharmacovigilance.urls")),
    path("", include("oversight.urls")),
    path("", include("interim.urls")),
    path("", include("datacuts.urls")),
]
