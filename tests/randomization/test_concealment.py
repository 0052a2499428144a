"""Concealment: nobody can see an allocation before it is used.

Only the statistician sees the sequence afterwards, and every viewing is recorded.
"""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.db import DatabaseError, connection, transaction
from pghistory.models import Events

import protocol
from randomization import views
from randomization.models import AllocationSlot, Randomization, SequenceViewing
from randomization.services import patient_randomize


@pytest.fixture
def first_of_a_block(patient_a, coordinator):
    """One randomization, leaving the rest of its block (if of 4) stored but unused."""
    return patient_randomize(
        patient=patient_a, user=coordinator, regimen=protocol.Regimen.INTENSIVE
    )


def test_it_keeps_allocation_slots_out_of_the_admin():
    assert AllocationSlot not in admin.site._registry


def test_it_keeps_allocation_slots_out_of_the_audit_trail(first_of_a_block):
    assert (
        not Events.objects.across(Randomization.pgh_event_model)
        .filter(pgh_model__icontains="slot")
        .exists()
    )
    assert not hasattr(AllocationSlot, "pgh_event_model")


def test_it_refuses_to_rearrange_a_stored_slot(first_of_a_block):
    with (
        pytest.raises(DatabaseError, match="Cannot update or delete"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE randomization_allocationslot SET arm = 'dex'")


def test_it_shows_the_statistician_only_used_allocations_and_records_the_viewing(
    client, statistician, first_of_a_block
):
    client.force_login(statistician)
    response = client.get("/randomization/sequence/")

    assert response.status_code == 200
    assert list(response.context["allocations"]) == [first_of_a_block]
    assert SequenceViewing.objects.filter(viewed_by=statistician).count() == 1


@pytest.mark.parametrize(
    "role_fixture", ["coordinator", "investigator", "data_manager", "sponsor", "dmc"]
)
def test_it_refuses_the_sequence_to_every_other_role(
    client, request, role_fixture, first_of_a_block
):
    user = request.getfixturevalue(role_fixture)
    client.force_login(user)

    assert client.get("/randomization/sequence/").status_code == 403
    assert not SequenceViewing.objects.exists()


def test_it_shows_no_arm_on_the_patient_page_before_randomization(client, coordinator, patient_a):
    client.force_login(coordinator)
    page = client.get(f"/patients/{patient_a.study_id}/").content.decode()

    for arm in protocol.Arm:
        assert str(arm.label) not in page
    assert "Randomize" in page


@pytest.mark.parametrize(
    "role_fixture, status",
    [("statistician", 200), ("data_manager", 200), ("coordinator", 403), ("sponsor", 403)],
)
def test_it_shows_the_balance_report_to_statistician_and_data_manager(
    client, request, role_fixture, status, first_of_a_block
):
    user = request.getfixturevalue(role_fixture)
    client.force_login(user)
    response = client.get("/randomization/balance/")

    assert response.status_code == status
    if status == 200:
        assert response.context["report"].overall.total == 1


def test_it_shows_the_coordinator_their_patients_arm_but_never_the_position(
    client, coordinator, first_of_a_block
):
    # Open label: the site gives the drug, so it sees the arm of each of its patients, one
    # patient at a time. The position in the stratum would help guess the next arm.
    client.force_login(coordinator)
    study_id = first_of_a_block.patient.study_id

    confirmation = client.get(f"/patients/{study_id}/randomization/").content.decode()
    patient_page = client.get(f"/patients/{study_id}/").content.decode()

    arm = first_of_a_block.get_arm_display()
    assert arm in confirmation and arm in patient_page
    assert "allocation 1" not in confirmation
    assert "in this stratum" not in confirmation


def test_it_shows_the_sequence_a_page_at_a_time_each_viewing_recorded(
    client, statistician, first_of_a_block, patient_b, coordinator_b, monkeypatch
):
    second = patient_randomize(
        patient=patient_b, user=coordinator_b, regimen=protocol.Regimen.INTENSIVE
    )
    monkeypatch.setattr(views, "SEQUENCE_PAGE_SIZE", 1)
    client.force_login(statistician)

    pages = [client.get("/randomization/sequence/", {"page": n}) for n in (1, 2)]

    shown = [list(page.context["allocations"]) for page in pages]
    assert sorted(r.pk for [r] in shown) == sorted([first_of_a_block.pk, second.pk])
    assert "1–1 of 2" in pages[0].content.decode()
    assert SequenceViewing.objects.filter(viewed_by=statistician).count() == 2
