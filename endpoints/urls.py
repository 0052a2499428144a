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
    path("analyses/safety/", safety_views.safety_tables_page, name="safety-tables"),
    path("analyses/safety/<str:table>.csv", safety_views.safety_table_csv, name="safety-table-csv"),
]
