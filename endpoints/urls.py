from django.urls import path

from endpoints import views

urlpatterns = [
    path("analyses/", views.analysis_dashboard, name="analysis-dashboard"),
    path("analyses/recompute/", views.analysis_recompute, name="analysis-recompute"),
    path("analyses/<int:pk>/status/", views.analysis_run_status, name="analysis-status"),
    path(
        "analyses/<int:pk>/figures/<str:parameter>/<str:kind>.svg",
        views.analysis_figure,
        name="analysis-figure",
    ),
]
