from django.apps import AppConfig


class IdempotencyConfig(AppConfig):
    name = "idempotency"
    label = "idempotency"
    verbose_name = "Creating requests answered once"
