from django.apps import AppConfig


class InterimConfig(AppConfig):
    """Planned interim looks and their group-sequential stopping boundaries."""

    name = "interim"
