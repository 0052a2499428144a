"""Each response assessment records its timepoint, and the protocol evaluation is one point.

The protocol evaluates response after IC induction (the end-of-induction evaluation) and
after AZA cycle 3 once completed (the post-cycle-3 evaluation: the day after cycle 3's
recorded end or, while it has none, 28 days after its start). Other assessments are a later
cycle (on treatment after the evaluation), follow-up (after the end of treatment or the
allo-HSCT) or unscheduled (e.g. a day-14 aplasia marrow). A patient has one protocol
evaluation. The page and the API propose the timepoint the patient's course expects.

patient_a is randomized on 5 March 2025; today is 2 June 2025.
"""

from __future__ import annotations

import datetime as dt
import importlib
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from rest_framework.test import APIClient

import protocol
from tests.visits.builders import (
    record_cycle,
    record_end_of_treatment,
    record_response,
)
from visits import selectors, services
from visits.models import ResponseAssessment

T = protocol.ResponseTimepoint
R = protocol.ResponseCategory
# A day-14 marrow in aplasia: few blasts, no count recovery (MLFS at best).
APLASIA = {
    "category": R.MLFS,
    "anc": Decimal("0.1"),
    "platelets": Decimal("12"),
    "transfusion_dependent": True,
}


@pytest.fixture
def after_induction(ic_patient, coordinator):
    """Induction (cycle 1) from 6 to 12 March: day 14 is 19 March, day 21 is 26 March."""
    record_cycle(ic_patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))
    return ic_patient


@pytest.fixture
def aza_in_cycle_3(aza_patient, coordinator):
    """Azacitidine cycles from 6 March, 3 April and 1 May (cycle 3 still open)."""
    record_cycle(aza_patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))
    record_cycle(aza_patient, coordinator, dt.date(2025, 4, 3), dt.date(2025, 4, 9))
    record_cycle(aza_patient, coordinator, dt.date(2025, 5, 1))
    return aza_patient


def _refused(patient, user, on, timepoint, category=R.CR, **values):
    stored = ResponseAssessment.objects.filter(patient=patient).count()
    with pytest.raises(ValidationError) as refused:
        record_response(patient, user, on, category, timepoint=timepoint, **values)
    assert ResponseAssessment.objects.filter(patient=patient).count() == stored
    return refused.value.message_dict["timepoint"]


def test_it_records_the_end_of_induction_evaluation_after_induction_has_ended(
    after_induction, coordinator
):
    assessment = record_response(
        after_induction, coordinator, dt.date(2025, 4, 10), timepoint=T.END_OF_INDUCTION
    )

    assert assessment.timepoint == T.END_OF_INDUCTION


def test_it_refuses_an_end_of_induction_evaluation_while_induction_is_under_way(
    ic_patient, coordinator
):
    record_cycle(ic_patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))

    (message,) = _refused(
        ic_patient, coordinator, dt.date(2025, 3, 10), T.END_OF_INDUCTION, **APLASIA
    )

    assert message == (
        "The end-of-induction evaluation follows 1 completed cycle: cycle 1 ended on "
        "12/03/2025, so it is dated from 13/03/2025. An assessment before then (such as a "
        "day-14 marrow) is unscheduled."
    )


def test_it_takes_a_day_14_marrow_as_unscheduled_and_the_recovery_marrow_as_the_evaluation(
    after_induction, coordinator
):
    # No timepoint given: the service records the one the course expects (the API's default).
    day_14 = record_response(after_induction, coordinator, dt.date(2025, 3, 19), **APLASIA)
    day_35 = record_response(after_induction, coordinator, dt.date(2025, 4, 9), R.CR)

    assert (day_14.timepoint, day_35.timepoint) == (T.UNSCHEDULED, T.END_OF_INDUCTION)


def test_it_refuses_an_end_of_induction_evaluation_for_an_azacitidine_patient(
    aza_in_cycle_3, coordinator
):
    (message,) = _refused(aza_in_cycle_3, coordinator, dt.date(2025, 5, 30), T.END_OF_INDUCTION)

    assert message == (
        "The end-of-induction evaluation is for intensive chemotherapy; this patient receives "
        "azacitidine, whose protocol evaluation is the post-cycle-3 evaluation."
    )


def test_it_refuses_a_post_cycle_3_evaluation_on_cycle_3_day_1(aza_in_cycle_3, coordinator):
    (message,) = _refused(aza_in_cycle_3, coordinator, dt.date(2025, 5, 1), T.POST_CYCLE_3)

    assert message == (
        "The post-cycle-3 evaluation follows 3 completed cycles: cycle 3 started on 01/05/2025 "
        "and is completed after its 28 days, so it is dated from 29/05/2025. An assessment "
        "before then (such as a day-14 marrow) is unscheduled."
    )
    assert selectors.response_timepoint_proposed(aza_in_cycle_3, dt.date(2025, 5, 1)) == (
        T.UNSCHEDULED
    )


def test_it_takes_the_post_cycle_3_evaluation_once_cycle_3_is_completed(
    aza_in_cycle_3, coordinator
):
    # Cycle 3 open: completed once its 28 days are over, on 29 May.
    assert selectors.response_timepoint_proposed(aza_in_cycle_3, dt.date(2025, 5, 28)) == (
        T.UNSCHEDULED
    )
    assert selectors.response_timepoint_proposed(aza_in_cycle_3, dt.date(2025, 5, 29)) == (
        T.POST_CYCLE_3
    )

    evaluation = record_response(
        aza_in_cycle_3, coordinator, dt.date(2025, 5, 29), timepoint=T.POST_CYCLE_3
    )

    assert evaluation.timepoint == T.POST_CYCLE_3


def test_it_takes_the_post_cycle_3_evaluation_after_the_recorded_end_of_cycle_3(
    aza_patient, coordinator
):
    record_cycle(aza_patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))
    record_cycle(aza_patient, coordinator, dt.date(2025, 4, 3), dt.date(2025, 4, 9))
    record_cycle(aza_patient, coordinator, dt.date(2025, 5, 1), dt.date(2025, 5, 7))

    (message,) = _refused(aza_patient, coordinator, dt.date(2025, 5, 7), T.POST_CYCLE_3)
    evaluation = record_response(
        aza_patient, coordinator, dt.date(2025, 5, 22), timepoint=T.POST_CYCLE_3
    )

    assert "cycle 3 ended on 07/05/2025, so it is dated from 08/05/2025" in message
    assert evaluation.timepoint == T.POST_CYCLE_3


def test_it_refuses_a_second_protocol_evaluation(after_induction, coordinator):
    record_response(after_induction, coordinator, dt.date(2025, 4, 9), timepoint=T.END_OF_INDUCTION)

    (message,) = _refused(after_induction, coordinator, dt.date(2025, 4, 16), T.END_OF_INDUCTION)

    assert message == (
        "The end-of-induction evaluation of this patient is already recorded (assessed on "
        "09/04/2025): a patient has one protocol evaluation. Record this assessment as later "
        "cycle, follow-up or unscheduled, or correct that one."
    )


def test_the_database_keeps_one_protocol_evaluation_per_patient(after_induction, coordinator):
    first = record_response(
        after_induction, coordinator, dt.date(2025, 4, 9), timepoint=T.END_OF_INDUCTION
    )
    first.pk = None

    with pytest.raises(IntegrityError), transaction.atomic():
        first.save()  # around the service: the constraint refuses it all the same


def test_it_refuses_an_end_of_induction_evaluation_after_consolidation_started(
    after_induction, coordinator
):
    record_cycle(after_induction, coordinator, dt.date(2025, 4, 14), dt.date(2025, 4, 18))

    (message,) = _refused(after_induction, coordinator, dt.date(2025, 4, 20), T.END_OF_INDUCTION)

    assert message == (
        "Cycle 2 started on 14/04/2025: an assessment after it is a later-cycle assessment, "
        "not the end-of-induction evaluation."
    )
    assert selectors.response_timepoint_proposed(after_induction, dt.date(2025, 4, 20)) == (
        T.LATER_CYCLE
    )


def test_it_refuses_a_later_cycle_assessment_before_the_protocol_evaluation(
    after_induction, coordinator
):
    record_response(after_induction, coordinator, dt.date(2025, 4, 9), timepoint=T.END_OF_INDUCTION)

    (message,) = _refused(after_induction, coordinator, dt.date(2025, 4, 2), T.LATER_CYCLE)

    assert message == (
        "The end-of-induction evaluation is dated 09/04/2025: an assessment before it is "
        "unscheduled, not a later cycle."
    )


def test_it_refuses_a_follow_up_assessment_before_the_end_of_treatment(
    after_induction, coordinator
):
    record_response(after_induction, coordinator, dt.date(2025, 4, 9), timepoint=T.END_OF_INDUCTION)
    record_end_of_treatment(after_induction, coordinator, dt.date(2025, 4, 30))

    (message,) = _refused(after_induction, coordinator, dt.date(2025, 4, 20), T.FOLLOW_UP)
    (after,) = _refused(after_induction, coordinator, dt.date(2025, 5, 20), T.LATER_CYCLE)

    assert message == (
        "Protocol treatment ended on 30/04/2025 (end of treatment): a follow-up assessment "
        "is dated from then."
    )
    assert after == (
        "Protocol treatment ended on 30/04/2025 (end of treatment): an assessment after it "
        "is a follow-up assessment."
    )
    assert selectors.response_timepoint_proposed(after_induction, dt.date(2025, 5, 20)) == (
        T.FOLLOW_UP
    )


def test_it_refuses_a_correction_that_leaves_a_later_cycle_assessment_before_the_evaluation(
    after_induction, coordinator
):
    evaluation = record_response(
        after_induction, coordinator, dt.date(2025, 4, 9), timepoint=T.END_OF_INDUCTION
    )
    record_response(after_induction, coordinator, dt.date(2025, 5, 12), timepoint=T.LATER_CYCLE)

    with pytest.raises(ValidationError) as refused:
        services.response_update(
            assessment=evaluation,
            user=coordinator,
            values={"timepoint": T.UNSCHEDULED},
            version=evaluation.version,
            reason="Not the evaluation",
        )

    assert refused.value.message_dict["timepoint"] == [
        "This change would leave the later-cycle assessment of 12/05/2025 out of place. A "
        "later-cycle assessment comes after the end-of-induction evaluation, and none is "
        "recorded: without it, a later cycle starts with cycle 2, not recorded yet: record it "
        "as the evaluation or as unscheduled."
    ]
    evaluation.refresh_from_db()
    assert (evaluation.timepoint, evaluation.version) == (T.END_OF_INDUCTION, 1)


def test_it_refuses_a_protocol_evaluation_after_the_transplant(after_induction, coordinator):
    record_response(after_induction, coordinator, dt.date(2025, 3, 19), **APLASIA)
    services.transplant_record(
        patient=after_induction,
        user=coordinator,
        values={
            "transplanted_on": dt.date(2025, 4, 1),
            "donor_type": protocol.DonorType.MATCHED_SIBLING,
            "conditioning": protocol.Conditioning.REDUCED_INTENSITY,
        },
    )

    messages = _refused(after_induction, coordinator, dt.date(2025, 4, 20), T.END_OF_INDUCTION)

    assert (
        "The allo-HSCT was on 01/04/2025: the end-of-induction evaluation assesses the salvage "
        "therapy, so it comes before the transplant."
    ) in messages


def test_the_page_proposes_the_expected_timepoint(client, aza_in_cycle_3, coordinator):
    client.force_login(coordinator)

    page = client.get("/patients/03-001/responses/new/")

    # Today (2 June) cycle 3 is completed and no post-cycle-3 evaluation is recorded yet.
    assert page.context["form"].initial["timepoint"] == T.POST_CYCLE_3
    assert '<option value="post_cycle_3" selected>' in page.content.decode()


def test_the_api_records_the_expected_timepoint_when_none_is_given(after_induction, coordinator):
    api = APIClient()
    api.force_authenticate(coordinator)
    body = {
        "assessed_on": "2025-03-19",
        "category": "MLFS",
        "marrow_blasts_pct": "2.0",
        "anc": "0.1",
        "platelets": "12",
        "circulating_blasts": False,
        "auer_rods": False,
        "extramedullary_disease": False,
        "transfusion_dependent": True,
    }

    day_14 = api.post("/api/v1/patients/03-001/responses/", body, format="json")
    body.update(assessed_on="2025-04-09", category="CR", anc="1.8", platelets="160")
    body["transfusion_dependent"] = False
    day_35 = api.post("/api/v1/patients/03-001/responses/", body, format="json")
    body.update(assessed_on="2025-04-16", timepoint="end_of_induction")
    second = api.post("/api/v1/patients/03-001/responses/", body, format="json")

    assert (day_14.status_code, day_14.json()["timepoint"]) == (201, "unscheduled")
    assert (day_35.status_code, day_35.json()["timepoint"]) == (201, "end_of_induction")
    assert second.status_code == 400
    assert "already recorded" in second.json()["timepoint"][0]


def test_the_api_schema_says_what_an_omitted_timepoint_becomes(client):
    schema = client.get("/api/schema/?format=json").json()
    entry = schema["components"]["schemas"]["ResponsesEntryInputRequest"]

    assert "timepoint" not in entry.get("required", [])
    assert (
        "When omitted, the one the patient's course expects"
        in (entry["properties"]["timepoint"]["description"])
    )


# The data migration gives existing assessments a timepoint by the documented rule.
_migration = importlib.import_module("visits.migrations.0004_responseassessment_timepoint")


def _assigned(regimen, cycles, assessments, ended_on=None, transplanted_on=None):
    pairs = [(i, on) for i, on in enumerate(assessments)]
    return [t for _, t in _migration._timepoints(regimen, cycles, ended_on, transplanted_on, pairs)]


def test_the_migration_takes_the_recovery_marrow_not_the_day_14_one_as_the_evaluation():
    cycles = {1: (dt.date(2025, 3, 6), dt.date(2025, 3, 12)), 2: (dt.date(2025, 4, 14), None)}
    assessments = [dt.date(2025, 3, 19), dt.date(2025, 4, 9), dt.date(2025, 5, 20)]

    assert _assigned("intensive", cycles, assessments, ended_on=dt.date(2025, 5, 10)) == [
        "unscheduled",
        "end_of_induction",
        "follow_up",
    ]


def test_the_migration_does_not_take_cycle_3_day_1_as_the_post_cycle_3_evaluation():
    cycles = {
        1: (dt.date(2025, 3, 6), dt.date(2025, 3, 12)),
        2: (dt.date(2025, 4, 3), dt.date(2025, 4, 9)),
        3: (dt.date(2025, 5, 1), None),
        4: (dt.date(2025, 6, 1), None),
    }
    assessments = [dt.date(2025, 4, 20), dt.date(2025, 5, 1), dt.date(2025, 5, 29)]

    assert _assigned("azacitidine", cycles, assessments) == [
        "unscheduled",
        "unscheduled",
        "post_cycle_3",
    ]
