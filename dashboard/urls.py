from django.urls import path

from dashboard import patient_pages, views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("patients/find/", views.patient_find, name="patient-find"),
    path("screening/new/", patient_pages.screening_new, name="screening-new"),
    path("patients/<str:study_id>/", patient_pages.patient_detail, name="patient-detail"),
    path("patients/<str:study_id>/history/", patient_pages.patient_history, name="patient-history"),
    path(
        "patients/<str:study_id>/screening/edit/",
        patient_pages.screening_edit,
        name="screening-edit",
    ),
]
