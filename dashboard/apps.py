from django.apps import AppConfig


class DashboardConfig(AppConfig):
    """The pages every user lands on: the site dashboard and the patient's casebook."""

    name = "dashboard"
    verbose_name = "Dashboard and patient pages"
