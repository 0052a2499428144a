from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "trialsite.audit"
    label = "audit"
    verbose_name = "Audit trail"
