"""The unblinding of the trial for its final analysis: the statistician unblinds it with a
reason and their password re-entered (as an investigator signs a casebook); who, when and
why are kept, it happens once and is never undone; from then on the sponsor reads results by
arm too, and the analyses page says so."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction

from accounts.models import AccessEvent, Role
from randomization.blinding import arms_visible_to, trial_unblinding
from randomization.models import TrialUnblinding
from randomization.services import AlreadyUnblinded, trial_unblind
from tests.factories import PASSWORD, UserFactory

REASON = "Final analysis: end of study reached on 02/06/2025"
URL = "/randomization/unblinding/"


@pytest.fixture
def unblinding_request(rf):
    """The request the unblinding is posted with: authenticate() and the lockout need one."""
    return rf.post(URL)


def _unblind(user, request, *, password: str = PASSWORD, reason: str = REASON):
    return trial_unblind(user=user, reason=reason, password=password, request=request)


def test_it_unblinds_the_trial_with_the_statisticians_reason_and_password(
    statistician, unblinding_request, frozen_today
):
    unblinding = _unblind(statistician, unblinding_request)

    assert trial_unblinding() == unblinding
    assert (unblinding.unblinded_by, unblinding.reason) == (statistician, REASON)
    assert unblinding.unblinded_at == dt.datetime(2025, 6, 2, 10, 0, tzinfo=dt.UTC)


def test_it_gives_the_sponsor_results_by_arm_once_the_trial_is_unblinded(
    statistician, sponsor, data_manager, coordinator, unblinding_request
):
    assert not arms_visible_to(sponsor)

    _unblind(statistician, unblinding_request)

    assert arms_visible_to(sponsor)
    assert not arms_visible_to(data_manager)
    assert not arms_visible_to(coordinator)


def test_it_refuses_a_wrong_password_and_unblinds_nothing(statistician, unblinding_request):
    with pytest.raises(ValidationError) as refused:
        _unblind(statistician, unblinding_request, password="not-my-password")

    assert refused.value.message_dict == {
        "password": ["Wrong password: the trial was not unblinded."]
    }
    assert trial_unblinding() is None
    failed = AccessEvent.objects.get()  # logged and counted like a failed log-in
    assert (failed.kind, failed.username) == (AccessEvent.Kind.LOGIN_FAILED, "stat")


def test_it_refuses_an_unblinding_without_a_reason(statistician, unblinding_request):
    with pytest.raises(ValidationError) as refused:
        _unblind(statistician, unblinding_request, reason="  ")

    assert list(refused.value.message_dict) == ["reason"]
    assert trial_unblinding() is None


@pytest.mark.parametrize("role", ["sponsor", "data_manager", "coordinator", "dmc"])
def test_only_the_statistician_unblinds_the_trial(role, request, unblinding_request):
    with pytest.raises(PermissionDenied, match="Only the trial statistician"):
        _unblind(request.getfixturevalue(role), unblinding_request)
    assert trial_unblinding() is None


def test_it_unblinds_the_trial_once(statistician, unblinding_request):
    first = _unblind(statistician, unblinding_request)
    other = UserFactory(username="stat2", role=Role.STATISTICIAN)

    with pytest.raises(AlreadyUnblinded) as again:
        _unblind(other, unblinding_request, reason="Second thoughts")

    assert again.value.existing == first
    assert list(TrialUnblinding.objects.all()) == [first]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE randomization_trialunblinding SET reason = 'x'",
        "DELETE FROM randomization_trialunblinding",
    ],
)
def test_an_unblinding_is_never_changed_or_undone(statistician, unblinding_request, statement):
    _unblind(statistician, unblinding_request)

    with (
        pytest.raises(DatabaseError, match="Cannot update or delete"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert trial_unblinding().reason == REASON


# --- The page -----------------------------------------------------------------------------


def test_the_statistician_unblinds_the_trial_on_its_page(client, statistician, frozen_today):
    client.force_login(statistician)
    assert 'id="unblinding-form"' in client.get(URL).content.decode()

    response = client.post(URL, {"reason": REASON, "password": PASSWORD}, follow=True)

    page = response.content.decode()
    assert "The trial is unblinded" in page
    assert REASON in page
    assert 'id="unblinding-form"' not in page  # once: no second form
    assert trial_unblinding().unblinded_by == statistician


def test_the_page_shows_a_wrong_password_beside_the_field(client, statistician):
    client.force_login(statistician)

    response = client.post(URL, {"reason": REASON, "password": "wrong"})

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "password": ["Wrong password: the trial was not unblinded."]
    }
    assert trial_unblinding() is None


@pytest.mark.parametrize("role", ["sponsor", "data_manager", "coordinator"])
def test_the_page_is_the_statisticians_alone(role, request, client):
    client.force_login(request.getfixturevalue(role))

    assert client.get(URL).status_code == 403
    assert client.post(URL, {"reason": REASON, "password": PASSWORD}).status_code == 403
    assert trial_unblinding() is None


def test_the_analyses_page_says_whether_the_trial_is_unblinded(
    client, sponsor, statistician, unblinding_request
):
    client.force_login(sponsor)
    before = client.get("/analyses/")
    _unblind(statistician, unblinding_request)
    after = client.get("/analyses/")

    assert "Results by arm are confidential while the trial runs" in before.content.decode()
    assert not before.context["unblinded"]
    assert "The trial was unblinded for its final analysis" in after.content.decode()
    assert REASON in after.content.decode()
    assert after.context["unblinded"]  # the sponsor now reads the comparison by arm
