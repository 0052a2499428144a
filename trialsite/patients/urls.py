from django.urls import path

from trialsite.patients import views

urlpatterns = [
    path("screening/new/", views.screening_new, name="screening-new"),
    path("patients/<str:study_id>/", views.patient_detail, name="patient-detail"),
    path("patients/<str:study_id>/screening/edit/", views.screening_edit, name="screening-edit"),
]
