"""The notification rules a new installation starts with (issue 14 item 4); the admin edits them."""

from django.db import migrations

DEFAULT_RULES = {
    # The site must report within 24 hours: its investigators and coordinators hear first.
    "sae_opened": ("investigator", "coordinator"),
    # The sponsor's safety desk assesses each report; the data manager follows them all.
    "sae_submitted": ("pharmacovigilance", "data_manager"),
    "sae_follow_up_submitted": ("pharmacovigilance", "data_manager"),
    # A late report: the investigator who must sign it, and the desk waiting for it.
    "sae_overdue": ("investigator", "pharmacovigilance"),
    "susar_classified": ("pharmacovigilance", "sponsor"),
    "susar_due_soon": ("pharmacovigilance",),
    "susar_overdue": ("pharmacovigilance",),
    # The investigators learn how the sponsor judged their site's event.
    "assessment_changed": ("pharmacovigilance", "investigator"),
}


def rules_create(apps, schema_editor):
    NotificationRule = apps.get_model("notices", "NotificationRule")
    for kind, roles in DEFAULT_RULES.items():
        for role in roles:
            NotificationRule.objects.get_or_create(kind=kind, role=role, site=None)


def rules_delete(apps, schema_editor):
    NotificationRule = apps.get_model("notices", "NotificationRule")
    for kind, roles in DEFAULT_RULES.items():
        NotificationRule.objects.filter(kind=kind, role__in=roles, site=None).delete()


class Migration(migrations.Migration):
    dependencies = [("notices", "0001_initial")]

    operations = [migrations.RunPython(rules_create, rules_delete)]
