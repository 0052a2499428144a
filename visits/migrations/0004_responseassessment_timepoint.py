"""Response assessments record their timepoint (protocol.ResponseTimepoint).

Existing assessments get one by this rule, frozen here as it was decided (README, "Response
timepoints"), patient by patient in date order:

1. the protocol evaluation (end_of_induction for intensive chemotherapy, post_cycle_3 for
   azacitidine) is the first assessment dated after the evaluated cycle (IC cycle 1, AZA
   cycle 3) was completed - the day after its recorded end or, while it has none, from its
   start + 28 days for azacitidine - and, for IC, from day 21 of induction (a day-14 marrow
   is not the evaluation), no later than the day the next cycle started and not after an
   allo-HSCT: where the page and the API propose it;
2. an assessment after the end of protocol treatment (end of treatment or allo-HSCT,
   whichever first) is follow_up;
3. an assessment on or after the protocol evaluation or, when none was found, on or after
   the start of the next cycle (IC consolidation, AZA cycle 4), is later_cycle;
4. any other is unscheduled (e.g. a day-14 marrow).

The assignments are written through the audit trail with the reason below. Past audit events
keep an empty timepoint: it was not recorded then.
"""

import datetime as dt
from collections import defaultdict

import pghistory
import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models

TIMEPOINTS = [
    ("end_of_induction", "End-of-induction evaluation (intensive)"),
    ("post_cycle_3", "Post-cycle-3 evaluation (azacitidine)"),
    ("later_cycle", "Later cycle (on treatment, after the evaluation)"),
    ("follow_up", "Follow-up (after the end of treatment or allo-HSCT)"),
    ("unscheduled", "Unscheduled (e.g. day-14 marrow)"),
]
HELP = (
    "The protocol evaluation (end of induction for intensive chemotherapy, after 3 completed "
    "cycles for azacitidine), a later cycle, follow-up, or unscheduled (e.g. a day-14 "
    "marrow). Proposed from the patient's course."
)
# regimen: (cycle the evaluation follows, fixed cycle length in days, the evaluation, the
# day of that cycle from which an assessment is taken as the evaluation)
PLANS = {
    "intensive": (1, None, "end_of_induction", 21),
    "azacitidine": (3, 28, "post_cycle_3", None),
}
REASON = "Response timepoint assigned by rule (migration visits 0004_responseassessment_timepoint)"


def _timepoints(regimen, cycles, treatment_ended_on, transplanted_on, assessments):
    """Yield (pk, timepoint) for one patient's assessments, in date order."""
    number, length, evaluation, from_day = PLANS[regimen]
    opens = closes = None
    if number in cycles:
        started_on, ended_on = cycles[number]
        if ended_on is not None:
            opens = ended_on + dt.timedelta(days=1)
        elif length:
            opens = started_on + dt.timedelta(days=length)
        if opens is not None and from_day is not None:
            opens = max(opens, started_on + dt.timedelta(days=from_day - 1))
    if number + 1 in cycles:
        closes = cycles[number + 1][0]
    ends = [d for d in (treatment_ended_on, transplanted_on) if d is not None]
    end = min(ends) if ends else None
    evaluation_on = None
    for pk, on in assessments:
        if (
            evaluation_on is None
            and opens is not None
            and on >= opens
            and (closes is None or on <= closes)
            and (transplanted_on is None or on <= transplanted_on)
        ):
            evaluation_on = on
            yield pk, evaluation
        elif end is not None and on > end:
            yield pk, "follow_up"
        elif (evaluation_on is not None and on >= evaluation_on) or (
            evaluation_on is None and closes is not None and on >= closes
        ):
            yield pk, "later_cycle"
        else:
            yield pk, "unscheduled"


def assign_timepoints(apps, schema_editor):
    get = apps.get_model
    Response = get("visits", "ResponseAssessment")
    randomizations = get("randomization", "Randomization").objects
    regimens = dict(randomizations.values_list("patient_id", "regimen"))
    cycles = defaultdict(dict)
    for pid, number, started_on, ended_on in get("visits", "TreatmentCycle").objects.values_list(
        "patient_id", "number", "started_on", "ended_on"
    ):
        cycles[pid][number] = (started_on, ended_on)
    ended = dict(get("visits", "EndOfTreatment").objects.values_list("patient_id", "ended_on"))
    transplanted = dict(
        get("visits", "Transplant").objects.values_list("patient_id", "transplanted_on")
    )
    by_patient = defaultdict(list)
    for pid, pk, on in Response.objects.order_by("patient_id", "assessed_on", "pk").values_list(
        "patient_id", "pk", "assessed_on"
    ):
        by_patient[pid].append((pk, on))
    by_timepoint = defaultdict(list)
    for pid, assessments in by_patient.items():
        for pk, timepoint in _timepoints(
            regimens[pid], cycles[pid], ended.get(pid), transplanted.get(pid), assessments
        ):
            by_timepoint[timepoint].append(pk)
    with pghistory.context(reason=REASON):
        for timepoint, pks in by_timepoint.items():
            Response.objects.filter(pk__in=pks).update(timepoint=timepoint)


class Migration(migrations.Migration):
    dependencies = [
        ("randomization", "0001_initial"),
        ("visits", "0003_alter_protocoldeviation_kind_and_more"),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(model_name="responseassessment", name="insert_insert"),
        pgtrigger.migrations.RemoveTrigger(model_name="responseassessment", name="update_update"),
        pgtrigger.migrations.RemoveTrigger(model_name="responseassessment", name="delete_delete"),
        migrations.AddField(
            model_name="responseassessment",
            name="timepoint",
            field=models.CharField(choices=TIMEPOINTS, default="", help_text=HELP, max_length=20),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="responseassessmentevent",
            name="timepoint",
            field=models.CharField(choices=TIMEPOINTS, default="", help_text=HELP, max_length=20),
            preserve_default=False,
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='responseassessment',
            trigger=pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "visits_responseassessmentevent" ("after_cycle", "anc", "assessed_on", "auer_rods", "category", "circulating_blasts", "created_at", "created_by_id", "extramedullary_disease", "id", "marrow_blasts_pct", "mrd_negative", "patient_id", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "platelets", "timepoint", "transfusion_dependent", "updated_at", "version") VALUES (NEW."after_cycle", NEW."anc", NEW."assessed_on", NEW."auer_rods", NEW."category", NEW."circulating_blasts", NEW."created_at", NEW."created_by_id", NEW."extramedullary_disease", NEW."id", NEW."marrow_blasts_pct", NEW."mrd_negative", NEW."patient_id", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, clock_timestamp(), \'insert\', NEW."id", NEW."platelets", NEW."timepoint", NEW."transfusion_dependent", NEW."updated_at", NEW."version"); RETURN NULL;', hash='cec5e481bbf4ae55f45a8595a9a18ac61c28611f', operation='INSERT', pgid='pgtrigger_insert_insert_ec431', table='visits_responseassessment', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='responseassessment',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.* IS DISTINCT FROM NEW.*)', func='INSERT INTO "visits_responseassessmentevent" ("after_cycle", "anc", "assessed_on", "auer_rods", "category", "circulating_blasts", "created_at", "created_by_id", "extramedullary_disease", "id", "marrow_blasts_pct", "mrd_negative", "patient_id", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "platelets", "timepoint", "transfusion_dependent", "updated_at", "version") VALUES (NEW."after_cycle", NEW."anc", NEW."assessed_on", NEW."auer_rods", NEW."category", NEW."circulating_blasts", NEW."created_at", NEW."created_by_id", NEW."extramedullary_disease", NEW."id", NEW."marrow_blasts_pct", NEW."mrd_negative", NEW."patient_id", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, clock_timestamp(), \'update\', NEW."id", NEW."platelets", NEW."timepoint", NEW."transfusion_dependent", NEW."updated_at", NEW."version"); RETURN NULL;', hash='578242f19864bde02a9d0e1de7294a7f1ab86109', operation='UPDATE', pgid='pgtrigger_update_update_05ba5', table='visits_responseassessment', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='responseassessment',
            trigger=pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "visits_responseassessmentevent" ("after_cycle", "anc", "assessed_on", "auer_rods", "category", "circulating_blasts", "created_at", "created_by_id", "extramedullary_disease", "id", "marrow_blasts_pct", "mrd_negative", "patient_id", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "platelets", "timepoint", "transfusion_dependent", "updated_at", "version") VALUES (OLD."after_cycle", OLD."anc", OLD."assessed_on", OLD."auer_rods", OLD."category", OLD."circulating_blasts", OLD."created_at", OLD."created_by_id", OLD."extramedullary_disease", OLD."id", OLD."marrow_blasts_pct", OLD."mrd_negative", OLD."patient_id", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, clock_timestamp(), \'delete\', OLD."id", OLD."platelets", OLD."timepoint", OLD."transfusion_dependent", OLD."updated_at", OLD."version"); RETURN NULL;', hash='26b93e76e10f14c892c4a474932c495fb98b1a59', operation='DELETE', pgid='pgtrigger_delete_delete_38276', table='visits_responseassessment', when='AFTER')),
        ),
        migrations.RunPython(assign_timepoints, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="responseassessment",
            constraint=models.UniqueConstraint(
                condition=models.Q(timepoint__in=["end_of_induction", "post_cycle_3"]),
                fields=("patient",),
                name="one_protocol_evaluation_per_patient",
            ),
        ),
    ]
