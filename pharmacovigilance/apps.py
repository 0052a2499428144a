import importlib

from django.apps import AppConfig, apps
from django.db import connections
from django.db.models.signals import post_migrate

RSI_SEED_MIGRATION = "pharmacovigilance.migrations.0002_reference_safety_information_seed"


class PharmacovigilanceConfig(AppConfig):
    """The sponsor's assessment of SAEs: causality, expectedness against the reference safety
    information, SUSARs on their regulatory clock."""

    name = "pharmacovigilance"

    def ready(self) -> None:
        post_migrate.connect(_reference_safety_information_restore, sender=self)


def _reference_safety_information_restore(sender, using: str = "default", **kwargs) -> None:
    """Give back the seeded RSI (migration 0002) to a database that has none: Django's flush
    (between transactional tests) empties every table and then sends post_migrate. A trial
    with any RSI version is left as it is: later versions are pharmacovigilance's to enter."""
    from pharmacovigilance.models import ReferenceSafetyInformation

    table = ReferenceSafetyInformation._meta.db_table
    if table not in connections[using].introspection.table_names():
        return  # migrated backwards past the table
    if not ReferenceSafetyInformation.objects.using(using).exists():
        importlib.import_module(RSI_SEED_MIGRATION).seed(apps, None)
