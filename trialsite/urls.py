from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("trialsite.api_urls")),
    path("", include("trialsite.accounts.urls")),
    path("", include("trialsite.patients.urls")),
    path("", include("randomization.urls")),
    path("", include("visits.urls")),
    path("", include("endpoints.urls")),
]
