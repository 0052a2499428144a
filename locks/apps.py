from django.apps import AppConfig


class LocksConfig(AppConfig):
    name = "locks"
    label = "locks"
    verbose_name = "Data locks"
