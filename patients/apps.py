from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "patients"
    label = "patients"
    verbose_name = "Patients and screening"
