"""A query answered by correcting the value.

The coordinator corrects the value through the ordinary correction (reason for change, into
the audit trail), then answers the query saying so; the data manager, reading the answer and
the audit trail side by side, closes it.
"""

from __future__ import annotations

from audit.selectors import history_of
from patients.models import Screening
from patients.services import screening_update
from review.models import DataQuery, QueryStep
from review.services import query_answer, query_close, query_raise

REASON = "Query: ECOG was 2 in the clinic letter of 03/03/2025"


def test_it_answers_a_query_with_a_correction_kept_in_the_audit_trail(
    patient_a, data_manager, coordinator
):
    query = query_raise(
        user=data_manager,
        record=patient_a.screening,
        field_name="ecog",
        text="ECOG 1, but the clinic letter of 03/03 says 2?",
    )

    screening_update(patient=patient_a, user=coordinator, reason=REASON, changes={"ecog": 2})
    query = query_answer(
        user=coordinator,
        query=query,
        text="Corrected to 2 from the clinic letter (transcription error).",
    )
    query = query_close(user=data_manager, query=query, text="Correction seen in the trail.")

    assert Screening.objects.get(patient=patient_a).ecog == 2
    corrections = [
        e
        for e in history_of(patient_a, patient_a.screening)
        if e.record == "Screening" and e.action == "update"
    ]
    assert len(corrections) == 1
    correction = corrections[0]
    assert correction.changes == {"ecog": (1, 2)}
    assert (correction.reason, correction.username) == (REASON, "coord_a")
    assert query.status == DataQuery.Status.CLOSED
    assert [(s.action, s.by, s.text) for s in query.steps.all()] == [
        (QueryStep.Action.RAISED, data_manager, "ECOG 1, but the clinic letter of 03/03 says 2?"),
        (
            QueryStep.Action.ANSWERED,
            coordinator,
            "Corrected to 2 from the clinic letter (transcription error).",
        ),
        (QueryStep.Action.CLOSED, data_manager, "Correction seen in the trail."),
    ]


def test_it_keeps_the_query_on_the_record_when_the_value_changes(
    patient_a, data_manager, coordinator
):
    query = query_raise(
        user=data_manager, record=patient_a.screening, field_name="ecog", text="ECOG 1?"
    )

    screening_update(patient=patient_a, user=coordinator, reason=REASON, changes={"ecog": 2})

    # Correcting a value does not settle the question by itself: the site still answers.
    query.refresh_from_db()
    assert (query.record, query.status) == (
        Screening.objects.get(patient=patient_a),
        DataQuery.Status.OPEN,
    )
