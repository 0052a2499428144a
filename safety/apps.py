from django.apps import AppConfig


class SafetyConfig(AppConfig):
    """Serious adverse event reports from the sites, on the 24-hour regulatory clock."""

    name = "safety"
