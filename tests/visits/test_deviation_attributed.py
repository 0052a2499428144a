"""A deviation the system finds is written with the author and reason of the write that
made it so, whatever else the transaction wrote before.

The deviation services set the audit context themselves: a cycle's deviation is its author's
("Initial entry", or the correction's reason), never the context an earlier write of the same
transaction left behind (PostgreSQL keeps it until the transaction ends).
"""

from __future__ import annotations

import pghistory
from django.db import transaction
from pghistory.models import Events

import protocol
from accounts.models import Role
from tests.factories import UserFactory
from tests.visits.builders import contradicts_arm, follows_arm
from tests.visits.test_deviations import _first_cycle, one_patient_per_arm  # noqa: F401
from visits.models import ProtocolDeviation, TreatmentCycle
from visits.services import cycle_update
from visits.services.deviations import cycle_deviations_check
from visits.state import patient_records_locked


def _trail(deviation: ProtocolDeviation) -> list[tuple[str, int, str]]:
    events = Events.objects.tracks(deviation).order_by("pgh_created_at", "pgh_id")
    return [(e.pgh_label, e.pgh_context["user"], e.pgh_context["reason"]) for e in events]


def test_a_deviation_found_again_is_written_with_the_author_given_not_the_transactions_last(
    one_patient_per_arm,  # noqa: F811
    coordinator,
):
    """The rules run again over records stored without them (here a cycle whose dose was
    changed underneath): the deviation they open is the author's and reason they are given,
    though another account's write came last in the transaction."""
    control = one_patient_per_arm[protocol.Arm.CONTROL]
    cycle = _first_cycle(control, coordinator, follows_arm(control))
    TreatmentCycle.objects.filter(pk=cycle.pk).update(dexamethasone_given=True)
    someone_else = UserFactory(username="dm_other", role=Role.DATA_MANAGER)

    with transaction.atomic():
        with pghistory.context(user=someone_else.pk, reason="An unrelated write"):
            someone_else.save()  # its context stays set until the transaction ends
        records = patient_records_locked(control.patient)
        stored = next(c for c in records.cycles if c.pk == cycle.pk)
        cycle_deviations_check(records, stored, user=coordinator, reason="Derived again")

    deviation = ProtocolDeviation.objects.get(cycle=cycle)
    assert deviation.kind == ProtocolDeviation.Kind.DEX_GIVEN_TO_CONTROL
    assert _trail(deviation) == [("insert", coordinator.pk, "Derived again")]


def test_the_correction_that_closes_a_deviation_is_the_correctors_with_her_reason(
    one_patient_per_arm,  # noqa: F811
    coordinator,
    site_a,
):
    colleague = UserFactory(username="coord_a2", role=Role.COORDINATOR, sites=[site_a])
    dex = one_patient_per_arm[protocol.Arm.DEX]
    cycle = _first_cycle(dex, coordinator, contradicts_arm(dex))

    cycle_update(
        cycle=cycle,
        user=colleague,
        values=follows_arm(dex),
        version=cycle.version,
        reason="  Dose found in the nursing chart ",
    )

    deviation = ProtocolDeviation.objects.get(cycle=cycle)
    assert _trail(deviation) == [
        ("insert", coordinator.pk, "Initial entry"),
        ("update", colleague.pk, "Dose found in the nursing chart"),
    ]
