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
]
