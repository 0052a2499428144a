from django.urls import path, re_path

from oversight import views

urlpatterns = [
    path("oversight/consort/", views.consort_page, name="oversight-consort"),
    re_path(
        r"^oversight/consort\.(?P<kind>svg|png)$",
        views.consort_download,
        name="oversight-consort-download",
    ),
    path("oversight/consort/<slug:key>/", views.consort_list, name="oversight-consort-list"),
    path("oversight/dmc-report/", views.dmc_report_page, name="oversight-report"),
    path(
        "oversight/dmc-report/download/",
        views.dmc_report_download,
        name="oversight-report-download",
    ),
]
