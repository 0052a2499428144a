from django.urls import path

from visits import views

urlpatterns = [
    path("worklist/", views.worklist, name="worklist"),
    path("patients/<str:study_id>/visits/M<int:month>/", views.visit_record, name="visit-record"),
    path(
        "patients/<str:study_id>/adverse-events/<int:pk>/review/",
        views.adverse_event_review,
        name="adverse-event-review",
    ),
    path("patients/<str:study_id>/<str:kind_name>/new/", views.record_new, name="record-new"),
    path(
        "patients/<str:study_id>/<str:kind_name>/edit/",
        views.record_edit,
        name="record-edit-single",
    ),
    path(
        "patients/<str:study_id>/<str:kind_name>/<int:pk>/edit/",
        views.record_edit,
        name="record-edit",
    ),
]
