from django.urls import path

from review import views

urlpatterns = [
    path("patients/<str:study_id>/review/", views.patient_review, name="review-patient"),
    path("patients/<str:study_id>/review/query/", views.query_raise, name="review-query-raise"),
    path("patients/<str:study_id>/review/verify/", views.record_verify, name="review-verify"),
    path("patients/<str:study_id>/review/sign/", views.casebook_sign, name="review-sign"),
    path("patients/<str:study_id>/review/lock/", views.patient_lock, name="review-lock"),
    path("review/queries/", views.query_list, name="review-queries"),
    path("review/queries/<int:pk>/<str:action>/", views.query_step, name="review-query-step"),
    path("review/locks/", views.locks, name="review-locks"),
    path("review/locks/<int:pk>/unlock/", views.lock_release, name="review-unlock"),
]
