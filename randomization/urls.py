from django.urls import path

from randomization import views

urlpatterns = [
    path(
        "patients/<str:study_id>/randomize/",
        views.patient_randomize,
        name="randomization-randomize",
    ),
    path(
        "patients/<str:study_id>/randomization/",
        views.randomization_confirmation,
        name="randomization-confirmation",
    ),
    path("randomization/balance/", views.balance_report, name="randomization-balance"),
    path("randomization/sequence/", views.allocation_sequence, name="randomization-sequence"),
    path("randomization/unblinding/", views.trial_unblind, name="randomization-unblinding"),
]
