from django.urls import path, re_path

from oversight import apis, views

urlpatterns = [
    path("oversight/consort/", views.consort_page, name="oversight-consort"),
    re_path(
        r"^oversight/consort\.(?P<kind>svg|png)$",
        views.consort_download,
        name="oversight-consort-download",
    ),
    path("oversight/consort/<slug:key>/", views.consort_list, name="oversight-consort-list"),
    path("oversight/dmc-report/", views.dmc_report_page, name="oversight-dmc-report"),
    path(
        "oversight/dmc-report/download/",
        views.dmc_report_download,
        name="oversight-dmc-report-download",
    ),
    # Under the API's prefix, served from here so the shared trialsite/api_urls.py is left
    # to the other apps' concurrent edits; the API's settings apply by the view's class.
    path(
        "api/v1/oversight/dmc-report/",
        apis.DmcReportApi.as_view(),
        name="api-oversight-dmc-report",
    ),
]
