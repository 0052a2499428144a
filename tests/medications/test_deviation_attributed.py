"""The deviation a medication opens is attributed, whoever calls the service.

A page's request gives every write its signed-in user; a command, a task or the demo gives
none. The medication services write the deviation with the medication's author and reason
themselves, so it never reaches the audit trail unattributed (the nightly verification's
alert), and a correction that closes or reopens it is the corrector's, with her reason.
"""

from __future__ import annotations

from pghistory.models import Events

from accounts.models import Role
from medications import drugs
from medications.services import (
    concomitant_medication_record,
    concomitant_medication_update,
    concomitant_medications_record,
)
from tests.factories import UserFactory
from tests.medications.builders import dexamethasone
from visits.models import ProtocolDeviation


def _trail(deviation: ProtocolDeviation) -> list[tuple[str, int, str]]:
    events = Events.objects.tracks(deviation).order_by("pgh_created_at")
    return [(e.pgh_label, e.pgh_context["user"], e.pgh_context["reason"]) for e in events]


def test_it_attributes_the_deviation_to_the_coordinator_who_records_the_medication(
    control, coordinator
):
    concomitant_medication_record(patient=control, user=coordinator, values=dexamethasone())

    deviation = ProtocolDeviation.objects.get(patient=control)
    assert _trail(deviation) == [("insert", coordinator.pk, "Initial entry")]


def test_it_attributes_a_deviation_opened_in_a_batch_of_entries(control, coordinator):
    concomitant_medications_record(patient=control, user=coordinator, entries=[dexamethasone()])

    deviation = ProtocolDeviation.objects.get(patient=control)
    assert _trail(deviation) == [("insert", coordinator.pk, "Initial entry")]


def test_it_attributes_the_correction_that_closes_the_deviation_to_its_author(
    control, coordinator, site_a
):
    colleague = UserFactory(username="coord_a2", role=Role.COORDINATOR, sites=[site_a])
    medication = concomitant_medication_record(
        patient=control, user=coordinator, values=dexamethasone()
    ).record
    medication.refresh_from_db()

    concomitant_medication_update(
        medication=medication,
        user=colleague,
        values={"indication": drugs.Indication.ANTIEMETIC, "indication_detail": ""},
        version=medication.version,
        reason="Antiemetic premedication, per the nurse's chart",
    )

    deviation = ProtocolDeviation.objects.get(patient=control)
    assert deviation.corrected_at is not None
    assert _trail(deviation) == [
        ("insert", coordinator.pk, "Initial entry"),
        ("update", colleague.pk, "Antiemetic premedication, per the nurse's chart"),
    ]
