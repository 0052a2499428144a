"""A correction starts from the version its editor saw, and says why.

Two colleagues open the same cycle: the first save wins; the second, made from the stale
version, is refused and changes nothing, so nobody silently overwrites anyone.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import Role
from audit.records import ReasonRequired, VersionConflict
from tests.factories import UserFactory
from tests.visits.builders import record_cycle
from visits.models import TreatmentCycle
from visits.services import cycle_update


@pytest.fixture
def cycle(ic_patient, coordinator):
    return record_cycle(ic_patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))


@pytest.fixture
def colleague(site_a):
    return UserFactory(username="coord_a2", role=Role.COORDINATOR, sites=[site_a])


def test_it_starts_a_record_at_version_1_and_counts_each_correction(cycle, coordinator):
    assert cycle.version == 1

    cycle_update(
        cycle=cycle,
        user=coordinator,
        values={"cytarabine_mg_m2": Decimal("2800")},
        version=1,
        reason="Dose recalculated on the actual body surface",
    )

    assert TreatmentCycle.objects.get(pk=cycle.pk).version == 2


def test_it_refuses_the_second_of_two_corrections_made_from_the_same_version(
    cycle, coordinator, colleague
):
    seen_by_both = TreatmentCycle.objects.get(pk=cycle.pk).version
    cycle_update(
        cycle=cycle,
        user=coordinator,
        values={"ended_on": dt.date(2025, 3, 13)},
        version=seen_by_both,
        reason="Last infusion finished after midnight",
    )

    with pytest.raises(VersionConflict) as refused:
        cycle_update(
            cycle=cycle,
            user=colleague,
            values={"cytarabine_mg_m2": Decimal("2800")},
            version=seen_by_both,
            reason="Dose recalculated",
        )

    assert "changed by someone else" in refused.value.message_dict["version"][0]
    stored = TreatmentCycle.objects.get(pk=cycle.pk)
    assert (stored.version, stored.ended_on, stored.cytarabine_mg_m2) == (
        2,
        dt.date(2025, 3, 13),
        Decimal("3000.00"),
    )


@pytest.mark.parametrize("reason", ["", "   "])
def test_it_refuses_a_correction_without_a_reason(cycle, coordinator, reason):
    with pytest.raises(ReasonRequired) as refused:
        cycle_update(
            cycle=cycle,
            user=coordinator,
            values={"cytarabine_mg_m2": Decimal("2800")},
            version=1,
            reason=reason,
        )

    assert list(refused.value.message_dict) == ["reason"]
    stored = TreatmentCycle.objects.get(pk=cycle.pk)
    assert (stored.version, stored.cytarabine_mg_m2) == (1, Decimal("3000.00"))


def test_it_shows_the_conflict_on_the_correction_page_and_keeps_the_first_save(
    client, ic_patient, cycle, coordinator, colleague
):
    cycle_update(
        cycle=cycle,
        user=coordinator,
        values={"ended_on": dt.date(2025, 3, 13)},
        version=1,
        reason="Last infusion finished after midnight",
    )
    client.force_login(colleague)
    form = {
        "started_on": "2025-03-06",
        "ended_on": "2025-03-14",
        "amsacrine_mg_m2": "450",
        "cytarabine_mg_m2": "3000",
        "dexamethasone_mg": cycle.dexamethasone_mg or "",
        "delay_days": "0",
        "modification_note": "",
        "version": "1",
        "reason": "End date from the discharge letter",
    }
    if cycle.dexamethasone_given:
        form["dexamethasone_given"] = "on"

    page = client.post(f"/patients/{ic_patient.study_id}/cycles/{cycle.pk}/edit/", form)

    assert page.status_code == 200
    assert "changed by someone else" in page.text
    assert TreatmentCycle.objects.get(pk=cycle.pk).ended_on == dt.date(2025, 3, 13)


def test_it_refuses_a_correction_by_a_coordinator_of_another_site(cycle, coordinator_b):
    with pytest.raises(PermissionDenied):
        cycle_update(
            cycle=cycle,
            user=coordinator_b,
            values={"cytarabine_mg_m2": Decimal("2800")},
            version=1,
            reason="Dose recalculated",
        )

    assert TreatmentCycle.objects.get(pk=cycle.pk).version == 1


def test_it_runs_the_edit_checks_again_on_a_correction(cycle, coordinator):
    with pytest.raises(ValidationError) as refused:
        cycle_update(
            cycle=cycle,
            user=coordinator,
            values={"started_on": dt.date(2025, 3, 1)},
            version=1,
            reason="Start date from the pharmacy record",
        )

    assert "before the randomization" in refused.value.message_dict["started_on"][0]
    assert TreatmentCycle.objects.get(pk=cycle.pk).started_on == dt.date(2025, 3, 6)
