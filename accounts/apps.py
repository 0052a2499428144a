from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    label = "accounts"
    verbose_name = "Sites and staff accounts"

    def ready(self) -> None:
        from accounts import signals  # noqa: F401  (connects the access log)
