from django.apps import AppConfig


class RandomizationConfig(AppConfig):
    name = "randomization"
    verbose_name = "Randomization"

    def ready(self) -> None:
        from randomization import checks  # noqa: F401  (registers the design check)
