from django.urls import path

from pharmacovigilance import views

urlpatterns = [
    path("pharmacovigilance/", views.sponsor_safety, name="pharmacovigilance"),
    path("pharmacovigilance/sae/<int:pk>/", views.case_detail, name="pharmacovigilance-case"),
    path(
        "pharmacovigilance/sae/<int:pk>/assess/",
        views.case_assess,
        name="pharmacovigilance-assess",
    ),
    path(
        "pharmacovigilance/susar/<int:pk>/report/",
        views.susar_report,
        name="pharmacovigilance-susar-report",
    ),
    path(
        "pharmacovigilance/susar/<int:pk>/follow-up/",
        views.susar_follow_up,
        name="pharmacovigilance-susar-follow-up",
    ),
    path("pharmacovigilance/rsi/", views.rsi, name="pharmacovigilance-rsi"),
    path(
        "pharmacovigilance/susar/<int:pk>/cioms/",
        views.susar_cioms,
        name="pharmacovigilance-cioms",
    ),
]
