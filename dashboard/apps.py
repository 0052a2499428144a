from django.apps import AppConfig


class DashboardConfig(AppConfig):
    """The pages every user lands on: the site dashboard and the patient's casebook."""

    name = "dashboard"
    verbose_name = "Dashboard and patient pages"

    def ready(self) -> None:
        # The disease history and prior regimens (patients, below visits) become record
        # kinds here, so the record pages and the write API serve them.
        from dashboard.disease_history import RECORD_KINDS
        from visits.records import record_kinds_register

        record_kinds_register(*RECORD_KINDS)
