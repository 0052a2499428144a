from django.apps import AppConfig


class LabsConfig(AppConfig):
    """Blood counts and transfusions, per cycle: the data behind count recovery and
    the duration of myelosuppression."""

    name = "labs"
