from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self):
        from django.db.models.signals import post_migrate

        from audit.chain import chain_triggers_on_migrate
        from audit.database import database_privileges_after_migrate

        # After every migrate: every event table, even one added later, is in the hash chain.
        post_migrate.connect(
            chain_triggers_on_migrate, sender=self, dispatch_uid="audit.chain_triggers"
        )

        # After every migrate: each table gets exactly its kind's grants for the app role.
        post_migrate.connect(
            database_privileges_after_migrate, dispatch_uid="audit.database_privileges"
        )
