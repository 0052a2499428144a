from django.urls import path

from endpoints import safety_views, views

urlpatterns = [
    path("analyses/", views.analysis_dashboard, name="analysis-dashboard"),
    path("analyses/recompute/", views.analysis_recompute, name="analysis-recompute"),
    path("analyses/<int:pk>/status/", views.analysis_run_status, name="analysis-status"),
    path(
        "analyses/<int:pk>/figures/<str:parameter>/<str:kind>.svg",
        views.analysis_figure,
        name="analysis-figure",
    ),
    # The same figure to download, with the same access rules.
    path(
        "analyses/<int:pk>/figures/<str:parameter>/<str:kind>.png",
        views.analysis_figure,
        {"file_format": "png"},
        name="analysis-figure-png",
    ),
    path(
        "analyses/<int:pk>/figures/<str:parameter>/<str:kind>.pdf",
        views.analysis_figure,
        {"file_format": "pdf"},
        name="analysis-figure-pdf",
    ),
    path("analyses/safety/", safety_views.safety_tables_page, name="safety-tables"),
    path("analyses/safety/<str:table>.csv", safety_views.safety_table_csv, name="safety-table-csv"),
]
