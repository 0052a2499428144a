from django.urls import path

from safety import views

urlpatterns = [
    path("safety/sae/", views.sae_list, name="safety-sae-list"),
    path("safety/sae/<int:pk>/", views.sae_report, name="safety-sae-report"),
    path(
        "safety/sae/<int:pk>/versions/<int:number>/edit/",
        views.sae_draft_edit,
        name="safety-sae-edit",
    ),
    path(
        "safety/sae/<int:pk>/versions/<int:number>/submit/",
        views.sae_submit,
        name="safety-sae-submit",
    ),
    path("safety/sae/<int:pk>/follow-up/", views.sae_follow_up, name="safety-sae-follow-up"),
    path(
        "safety/sae/event/<int:event_pk>/",
        views.sae_report_of_event,
        name="safety-sae-of-event",
    ),
]
