"""API v1: read endpoints for every kind of record; writes where a coordinator needs them."""

from django.urls import path

from accounts.apis import LogOutTokenApi, ObtainTokenApi, SiteListApi
from biology import apis as biology_apis
from dashboard import disease_history
from dashboard.apis import PatientDetailApi, PatientHistoryApi
from datacuts import apis as datacut_apis
from endpoints.apis import AnalysisRunListApi
from endpoints.exports.apis import DataDictionaryApi, ExportApi
from endpoints.exports.odm_apis import OdmExportApi
from interim.apis import InterimAnalysesApi
from labs import apis as lab_apis
from medications import apis as medication_apis
from oversight.apis import DmcReportApi
from patients import apis as patient_apis
from pharmacovigilance import apis as pharmacovigilance_apis
from randomization.apis import PatientRandomizeApi, RandomizationListApi
from review import apis as review_apis
from safety import apis as safety_apis
from visits import apis as visit_apis
from visits.record_apis import urlpatterns_for_records

urlpatterns = [
    path("auth/token/", ObtainTokenApi.as_view(), name="api-token"),
    path("auth/logout/", LogOutTokenApi.as_view(), name="api-logout"),
    path("sites/", SiteListApi.as_view(), name="api-site-list"),
    path("patients/", patient_apis.PatientListApi.as_view(), name="api-patient-list"),
    path(
        "patients/<str:study_id>/",
        PatientDetailApi.as_view(),
        name="api-patient-detail",
    ),
    path(
        "patients/<str:study_id>/history/",
        PatientHistoryApi.as_view(),
        name="api-patient-history",
    ),
    path(
        "patients/<str:study_id>/randomize/",
        PatientRandomizeApi.as_view(),
        name="api-patient-randomize",
    ),
    path("randomizations/", RandomizationListApi.as_view(), name="api-randomization-list"),
    path(
        "disease-histories/",
        disease_history.DiseaseHistoryListApi.as_view(),
        name="api-disease-history-list",
    ),
    path(
        "prior-regimens/",
        disease_history.PriorRegimenListApi.as_view(),
        name="api-prior-regimen-list",
    ),
    path(
        "biology-specimens/",
        biology_apis.SpecimenListApi.as_view(),
        name="api-biology-specimen-list",
    ),
    path("cycles/", visit_apis.CycleListApi.as_view(), name="api-cycle-list"),
    path("responses/", visit_apis.ResponseListApi.as_view(), name="api-response-list"),
    path("mrd-assessments/", visit_apis.MrdListApi.as_view(), name="api-mrd-list"),
    path("transplants/", visit_apis.TransplantListApi.as_view(), name="api-transplant-list"),
    path(
        "transplant-events/",
        visit_apis.TransplantEventListApi.as_view(),
        name="api-transplant-event-list",
    ),
    path(
        "ends-of-treatment/",
        visit_apis.EndOfTreatmentListApi.as_view(),
        name="api-end-of-treatment-list",
    ),
    path(
        "follow-up-visits/",
        visit_apis.FollowUpVisitListApi.as_view(),
        name="api-follow-up-visit-list",
    ),
    path("off-study/", visit_apis.OffStudyListApi.as_view(), name="api-off-study-list"),
    path(
        "adverse-events/", visit_apis.AdverseEventListApi.as_view(), name="api-adverse-event-list"
    ),
    path("deviations/", visit_apis.DeviationListApi.as_view(), name="api-deviation-list"),
    path(
        "concomitant-medications/",
        medication_apis.ConcomitantMedicationListApi.as_view(),
        name="api-concomitant-medication-list",
    ),
    path("blood-counts/", lab_apis.BloodCountListApi.as_view(), name="api-blood-count-list"),
    path("transfusions/", lab_apis.TransfusionListApi.as_view(), name="api-transfusion-list"),
    path("analysis-runs/", AnalysisRunListApi.as_view(), name="api-analysis-run-list"),
    path("datacuts/", datacut_apis.DataCutListApi.as_view(), name="api-datacut-list"),
    path("datacuts/<int:pk>/", datacut_apis.DataCutDetailApi.as_view(), name="api-datacut-detail"),
    path(
        "datacuts/<int:pk>/download/",
        datacut_apis.DataCutDownloadApi.as_view(),
        name="api-datacut-download",
    ),
    path("interim-analyses/", InterimAnalysesApi.as_view(), name="api-interim-analyses"),
    path("sae-reports/", safety_apis.SaeReportListApi.as_view(), name="api-sae-report-list"),
    path(
        "sae-reports/<int:pk>/",
        safety_apis.SaeReportDetailApi.as_view(),
        name="api-sae-report-detail",
    ),
    path(
        "sae-report-versions/<int:pk>/",
        safety_apis.SaeDraftApi.as_view(),
        name="api-sae-draft",
    ),
    path(
        "sae-report-versions/<int:pk>/submit/",
        safety_apis.SaeSubmitApi.as_view(),
        name="api-sae-submit",
    ),
    path(
        "sae-reports/<int:pk>/follow-ups/",
        safety_apis.SaeFollowUpApi.as_view(),
        name="api-sae-follow-up",
    ),
    path("queries/", review_apis.QueryListApi.as_view(), name="api-query-list"),
    path(
        "queries/<int:pk>/<str:action>/", review_apis.QueryStepApi.as_view(), name="api-query-step"
    ),
    path(
        "patients/<str:study_id>/queries/",
        review_apis.QueryRaiseApi.as_view(),
        name="api-query-raise",
    ),
    path(
        "patients/<str:study_id>/review/",
        review_apis.ReviewStateApi.as_view(),
        name="api-review-state",
    ),
    path("patients/<str:study_id>/verify/", review_apis.VerifyApi.as_view(), name="api-verify"),
    path("patients/<str:study_id>/sign/", review_apis.SignApi.as_view(), name="api-sign"),
    path("locks/", review_apis.LockApi.as_view(), name="api-lock"),
    path("locks/<int:pk>/unlock/", review_apis.UnlockApi.as_view(), name="api-unlock"),
    path(
        "sae-assessments/",
        pharmacovigilance_apis.AssessmentListApi.as_view(),
        name="api-sae-assessment-list",
    ),
    path("susars/", pharmacovigilance_apis.SusarListApi.as_view(), name="api-susar-list"),
    path(
        "susars/<int:pk>/report/",
        pharmacovigilance_apis.SusarReportApi.as_view(),
        name="api-susar-report",
    ),
    path("exports/odm/", OdmExportApi.as_view(), name="api-export-odm"),
    path("exports/dictionary/", DataDictionaryApi.as_view(), name="api-data-dictionary"),
    path("exports/<str:dataset>.<str:fmt>", ExportApi.as_view(), name="api-export"),
    path("oversight/dmc-report/", DmcReportApi.as_view(), name="api-oversight-report"),
]
urlpatterns += urlpatterns_for_records()
