from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate


class NoticesConfig(AppConfig):
    """In-app notices and e-mail to the people a trial event concerns, sent by the worker after
    commit."""

    name = "notices"

    def ready(self) -> None:
        post_migrate.connect(_default_rules_restore, sender=self)


def _default_rules_restore(sender, using: str = "default", **kwargs) -> None:
    """Give back the default rules to a database that has none: Django's flush (between
    transactional tests) empties every table and then sends post_migrate. A trial that has
    rules, switched off or not, is left as it is."""
    from notices.models import NotificationRule
    from notices.services import notification_rules_seed

    if NotificationRule._meta.db_table not in connections[using].introspection.table_names():
        return  # migrated backwards past the table
    if not NotificationRule.objects.using(using).exists():
        notification_rules_seed()
