# Joins the adverse events' relatedness choice (0005_adverse_event_relatedness_not_applicable)
# with the transplant and deviation changes of 0004_transplant_..., merged in 0005_merge.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('visits', '0005_adverse_event_relatedness_not_applicable'),
        ('visits', '0005_merge_20261202_1339'),
    ]

    operations = [
    ]
