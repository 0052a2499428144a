from django.urls import path

from interim import views

urlpatterns = [
    path("interim/", views.interim_page, name="interim"),
    path("interim/boundaries.svg", views.interim_chart, name="interim-chart"),
    path("interim/plan/", views.interim_plan_declare, name="interim-plan"),
    path("interim/looks/", views.interim_look_take, name="interim-look"),
    path("interim/analyses/", views.interim_analysis_request, name="interim-analysis-request"),
]
