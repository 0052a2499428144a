from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class CasebookConfig(AppConfig):
    name = "casebook"
    verbose_name = "Casebook declarations"

    def ready(self) -> None:
        # Each app's crfs.py registers its forms on import; after this the registry is complete.
        autodiscover_modules("crfs")
