"""Serious adverse events wait on the dashboard until an investigator of the site or a data
manager has reviewed them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import Role
from tests.factories import UserFactory
from tests.visits.builders import record_adverse_event
from visits.selectors import serious_adverse_events_pending_review as pending
from visits.services import adverse_event_review, adverse_event_update


@pytest.fixture
def sae(ic_patient, coordinator):
    return record_adverse_event(ic_patient, coordinator, dt.date(2025, 3, 20), serious=True)


def test_it_lists_unreviewed_saes_at_the_visible_sites(
    sae, ic_patient, coordinator, coordinator_b, data_manager
):
    record_adverse_event(
        ic_patient, coordinator, dt.date(2025, 3, 21), term="Nausea", grade=1, serious=False
    )

    assert list(pending(coordinator)) == [sae]
    assert list(pending(data_manager)) == [sae]
    assert not pending(coordinator_b).exists()


@pytest.mark.parametrize("reviewer", ["investigator", "data_manager"])
def test_it_takes_the_sae_off_the_list_once_reviewed(request, sae, coordinator, reviewer):
    user = request.getfixturevalue(reviewer)

    adverse_event_review(event=sae, user=user)

    sae.refresh_from_db()
    assert sae.sae_reviewed_by == user
    assert sae.sae_reviewed_at is not None
    assert not pending(coordinator).exists()


def test_it_leaves_the_review_to_investigators_of_the_site_and_data_managers(
    sae, coordinator, site_b
):
    other_site_investigator = UserFactory(username="inv_b", role=Role.INVESTIGATOR, sites=[site_b])

    for user in (coordinator, other_site_investigator):
        with pytest.raises(PermissionDenied):
            adverse_event_review(event=sae, user=user)

    assert list(pending(coordinator)) == [sae]


def test_it_reviews_only_serious_events(ic_patient, coordinator, investigator):
    event = record_adverse_event(ic_patient, coordinator, dt.date(2025, 3, 20), serious=False)

    with pytest.raises(ValidationError) as refused:
        adverse_event_review(event=event, user=investigator)

    assert list(refused.value.message_dict) == ["serious"]


def test_it_asks_for_a_review_again_when_an_event_becomes_serious(ic_patient, coordinator):
    event = record_adverse_event(ic_patient, coordinator, dt.date(2025, 3, 20), serious=False)
    assert not pending(coordinator).exists()

    adverse_event_update(
        event=event,
        user=coordinator,
        values={"serious": True},
        version=event.version,
        reason="Hospitalisation prolonged",
    )

    assert list(pending(coordinator)) == [event]


def test_it_marks_the_sae_reviewed_from_the_dashboard(client, sae, investigator):
    client.force_login(investigator)

    page = client.post(f"/patients/03-001/adverse-events/{sae.pk}/review/", {"next": "/"})

    assert (page.status_code, page.url) == (302, "/")
    sae.refresh_from_db()
    assert sae.sae_reviewed_by == investigator


def test_it_never_sends_the_reviewer_to_another_site_after_the_review(client, sae, investigator):
    client.force_login(investigator)

    page = client.post(
        f"/patients/03-001/adverse-events/{sae.pk}/review/", {"next": "https://evil.example/phish"}
    )

    assert page.status_code == 302
    assert not page.url.startswith("https://evil.example")
