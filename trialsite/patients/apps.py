from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "trialsite.patients"
    label = "patients"
    verbose_name = "Patients and screening"
