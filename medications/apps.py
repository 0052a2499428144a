from django.apps import AppConfig


class MedicationsConfig(AppConfig):
    """Supportive care and concomitant medications, corticosteroids outside the protocol
    among them."""

    name = "medications"
