from django.apps import AppConfig


class SafetyConfig(AppConfig):
    """Serious adverse event reports from the sites, on the 24-hour regulatory clock."""

    name = "safety"

    def ready(self) -> None:
        # visits sits below safety: every adverse event saved serious (or made fatal by a
        # death) reaches safety through visits' hook, inside the transaction that saved it.
        from safety import tasks  # noqa: F401  (registers the clock's sweep with Celery)
        from safety.services import sae_report_open
        from visits.safety_hooks import serious_event_hooks_register

        serious_event_hooks_register(sae_report_open)
