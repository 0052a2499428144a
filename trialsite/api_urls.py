from django.urls import path

from randomization.apis import PatientRandomizeApi
from trialsite.accounts.apis import ObtainTokenApi
from trialsite.patients import apis as patient_apis

urlpatterns = [
    path("auth/token/", ObtainTokenApi.as_view(), name="api-token"),
    path("patients/", patient_apis.PatientListApi.as_view(), name="api-patient-list"),
    path("patients/<str:study_id>/", patient_apis.PatientDetailApi.as_view(),
         name="api-patient-detail"),
    path("patients/<str:study_id>/history/", patient_apis.PatientHistoryApi.as_view(),
         name="api-patient-history"),
    path("patients/<str:study_id>/randomize/", PatientRandomizeApi.as_view(),
         name="api-patient-randomize"),
]
