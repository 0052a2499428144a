"""Drop DRF's token table: its keys were kept in clear (issue 12 item 5).

API tokens are django-rest-knox's now (digests only); rest_framework.authtoken is no longer
installed, so nothing else would ever remove the table or the old, never-ending tokens in it.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_lockout_release"),
        ("knox", "0009_extend_authtoken_field"),
    ]

    operations = [
        migrations.RunSQL(
            "DROP TABLE IF EXISTS authtoken_token CASCADE",
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
