from django.apps import AppConfig


class OversightConfig(AppConfig):
    """What the steering and data-monitoring committees read: the CONSORT flow and the DMC
    report."""

    name = "oversight"
