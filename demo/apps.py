from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo trial (`manage.py seed_demo`): never needed in production."""

    name = "demo"
    verbose_name = "Demo trial"
