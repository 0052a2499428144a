"""DataLock and its audit trail leave the review app for locks (see locks 0001).

Only the state moves: the tables keep their names and rows. The audit triggers installed
under the review label's ids are removed (locks 0001 installed them under the new ids), with
the functions they ran; pgtrigger leaves a trigger's function behind when it drops it.
"""

import pgtrigger.migrations
from django.db import migrations


OLD_TRIGGER_FUNCTIONS = (
    'pgtrigger_insert_insert_50dd2',
    'pgtrigger_update_update_99b3c',
    'pgtrigger_delete_delete_8cefd',
    'pgtrigger_append_only_696b2',
)


class Migration(migrations.Migration):

    dependencies = [
        ('review', '0002_alter_signature_options_and_more'),
        ('locks', '0001_initial'),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(model_name='datalock', name='insert_insert'),
        pgtrigger.migrations.RemoveTrigger(model_name='datalock', name='update_update'),
        pgtrigger.migrations.RemoveTrigger(model_name='datalock', name='delete_delete'),
        pgtrigger.migrations.RemoveTrigger(model_name='datalockevent', name='append_only'),
        # Going back, RemoveTrigger re-creates each function with its trigger.
        migrations.RunSQL(
            [f'DROP FUNCTION IF EXISTS {name}();' for name in OLD_TRIGGER_FUNCTIONS],
            reverse_sql=migrations.RunSQL.noop,
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='DataLockEvent'),
                migrations.DeleteModel(name='DataLock'),
            ],
        ),
    ]
