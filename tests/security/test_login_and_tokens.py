"""Log-in that cannot be used against a user, and API tokens that end (issue 12, items 4, 5).

Wrong passwords lock a username only at the address they came from, for 15 minutes, then
30, then an hour ...: somebody elsewhere cannot lock the coordinator out at her desk. A data
manager (or the trial's administrator) sees the lockouts and ends one early, with a reason
the trial keeps. API answers name people by their full name or staff ID, never by the
log-in name, half of their credentials.

An API token is shown once and kept only as a digest; it ends after 8 hours (longer for the
sponsor's named integration account), at an API log-out, a password change or a
deactivation; every log-in gets a new one, and the admin lists tokens without their value.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.models import AccessEvent, LockoutRelease, Role, User
from accounts.services import api_token_issue
from randomization.services import trial_unblind
from review.services import query_answer, query_raise
from tests.factories import PASSWORD, UserFactory
from tests.visits.builders import randomize

LOGIN_PAGE = "/login/"
TOKEN_API = "/api/v1/auth/token/"
LOGOUT_API = "/api/v1/auth/logout/"
LOCKOUTS_PAGE = "/lockouts/"
HER_DESK = "10.3.0.15"
ELSEWHERE = "203.0.113.66"
WRONG = "not-the-right-password"
START = dt.datetime(2025, 6, 2, 8, 0, tzinfo=dt.UTC)


def _page_login(username: str, password: str, address: str) -> tuple[Client, int]:
    client = Client(REMOTE_ADDR=address)
    response = client.post(LOGIN_PAGE, {"username": username, "password": password})
    return client, response.status_code


def _token_login(username: str, password: str = PASSWORD, address: str = HER_DESK):
    return APIClient(REMOTE_ADDR=address).post(
        TOKEN_API, {"username": username, "password": password}, format="json"
    )


def _fail(username: str, address: str, times: int = 5) -> None:
    for _ in range(times):
        assert _page_login(username, WRONG, address)[1] in (200, 429)


def _locked_at(username: str, address: str) -> bool:
    """Return True when the right password is refused from this address."""
    status = _page_login(username, PASSWORD, address)[1]
    assert status in (302, 429)
    return status == 429


def _bearing(token: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api


# --- Lockout by username and address ----------------------------------------------------


def test_it_does_not_lock_her_out_at_her_desk_after_wrong_passwords_from_elsewhere(coordinator):
    _fail("coord_a", ELSEWHERE)
    for _ in range(5):
        assert _token_login("coord_a", WRONG, ELSEWHERE).status_code in (400, 403)

    client, status = _page_login("coord_a", PASSWORD, HER_DESK)

    assert status == 302 and "_auth_user_id" in client.session
    assert _token_login("coord_a", address=HER_DESK).status_code == 200
    assert _locked_at("coord_a", ELSEWHERE)
    assert _token_login("coord_a", address=ELSEWHERE).status_code == 403


def test_it_locks_the_first_time_for_15_minutes_and_the_second_for_30(coordinator):
    address = "198.51.100.9"
    with time_machine.travel(START, tick=False) as clock:
        _fail("coord_a", address)
        clock.shift(dt.timedelta(minutes=14, seconds=59))
        assert _page_login("coord_a", WRONG, address)[1] == 429  # refused, not counted
        clock.shift(dt.timedelta(seconds=2))
        # The first lockout is over: four more wrong passwords are answered as such ...
        for _ in range(4):
            assert _page_login("coord_a", WRONG, address)[1] == 200
        # ... and the fifth locks again, now for 30 minutes.
        assert _page_login("coord_a", WRONG, address)[1] == 429
        clock.shift(dt.timedelta(minutes=29))
        assert _locked_at("coord_a", address)
        clock.shift(dt.timedelta(minutes=30, seconds=1))
        assert not _locked_at("coord_a", address)


def test_it_starts_the_count_again_after_she_logs_in(coordinator):
    with time_machine.travel(START, tick=False) as clock:
        _fail("coord_a", HER_DESK)
        clock.shift(dt.timedelta(minutes=16))
        assert not _locked_at("coord_a", HER_DESK)  # logged in: her own mistakes are forgiven
        _fail("coord_a", HER_DESK)
        clock.shift(dt.timedelta(minutes=16))
        assert not _locked_at("coord_a", HER_DESK)  # 15 minutes again, not 30


# --- Unlocking ---------------------------------------------------------------------------


def _signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_data_manager_sees_a_lockout_and_unlocks_it_with_a_reason_kept(coordinator, data_manager):
    _fail("coord_a", HER_DESK)
    assert _locked_at("coord_a", HER_DESK)
    manager = _signed_in(data_manager)

    page = manager.get(LOCKOUTS_PAGE).content.decode()
    assert "coord_a" in page and HER_DESK in page
    answer = manager.post(
        LOCKOUTS_PAGE,
        {"username": "coord_a", "ip_address": HER_DESK, "reason": "Checked by phone with her"},
    )

    assert answer.status_code == 302
    release = LockoutRelease.objects.get()
    assert (release.username, release.user, release.ip_address) == (
        "coord_a",
        coordinator,
        HER_DESK,
    )
    assert (release.released_by, release.reason) == (data_manager, "Checked by phone with her")
    assert not _locked_at("coord_a", HER_DESK)
    still_locked = manager.get(LOCKOUTS_PAGE).content.decode().split('id="lockouts"')[1]
    assert "coord_a" not in still_locked.split("</table>")[0]


@pytest.mark.parametrize("reason", ["", "   ", "\u200b"])
def test_it_refuses_to_unlock_without_a_reason(coordinator, data_manager, reason):
    _fail("coord_a", HER_DESK)

    _signed_in(data_manager).post(
        LOCKOUTS_PAGE, {"username": "coord_a", "ip_address": HER_DESK, "reason": reason}
    )

    assert not LockoutRelease.objects.exists()
    assert _locked_at("coord_a", HER_DESK)


def test_a_coordinator_may_neither_see_nor_end_a_lockout(coordinator, investigator):
    _fail("inv_a", HER_DESK)
    colleague = _signed_in(coordinator)

    assert colleague.get(LOCKOUTS_PAGE).status_code == 403
    refused = colleague.post(
        LOCKOUTS_PAGE, {"username": "inv_a", "ip_address": HER_DESK, "reason": "She asked"}
    )

    assert refused.status_code == 403
    assert not LockoutRelease.objects.exists()
    assert _locked_at("inv_a", HER_DESK)


def test_the_administrator_may_unlock_too(coordinator):
    admin = User.objects.create_user(username="admin", password=PASSWORD, is_staff=True)
    _fail("coord_a", HER_DESK)

    _signed_in(admin).post(
        LOCKOUTS_PAGE,
        {"username": "coord_a", "ip_address": HER_DESK, "reason": "Ticket 4411, identity checked"},
    )

    assert LockoutRelease.objects.get().released_by == admin
    assert not _locked_at("coord_a", HER_DESK)


def test_the_lockout_message_sends_her_to_whom_can_unlock_and_the_nav_links_them_there(
    coordinator, data_manager
):
    _fail("coord_a", HER_DESK)

    page = Client(REMOTE_ADDR=HER_DESK).post(
        LOGIN_PAGE, {"username": "coord_a", "password": PASSWORD}
    )
    api = _token_login("coord_a")

    assert page.status_code == 429
    assert "ask a data manager" in page.content.decode()
    assert "ask a data manager to unlock it" in api.json()["detail"]
    assert 'href="/lockouts/"' in _signed_in(data_manager).get("/").content.decode()
    assert 'href="/lockouts/"' not in _signed_in(coordinator).get("/").content.decode()


# --- Names in API answers ----------------------------------------------------------------


def test_api_answers_name_people_by_full_name_or_staff_id_never_by_log_in_name(
    site_a, patient_a, data_manager, sponsor
):
    named = UserFactory(
        username="amartin",
        role=Role.COORDINATOR,
        sites=[site_a],
        first_name="Anne",
        last_name="Martin",
    )
    randomize(patient_a, named)
    query = query_raise(
        user=data_manager, record=patient_a.screening, field_name="ecog", text="ECOG?"
    )
    query_answer(user=named, query=query, text="Checked: ECOG 1.")
    _, token = api_token_issue(user=sponsor)
    api = _bearing(token)

    answers = {
        url: api.get(url)
        for url in (
            f"/api/v1/patients/{patient_a.study_id}/history/",
            "/api/v1/randomizations/",
            "/api/v1/queries/",
        )
    }

    assert {url: a.status_code for url, a in answers.items()} == dict.fromkeys(answers, 200)
    text = json.dumps([a.json() for a in answers.values()])
    for log_in_name in ("amartin", data_manager.username, "coord_a"):
        assert f'"{log_in_name}"' not in text
    steps = answers["/api/v1/queries/"].json()["results"][0]["steps"]
    assert [s["by"] for s in steps] == [f"staff-{data_manager.pk}", "Anne Martin"]
    history = answers[f"/api/v1/patients/{patient_a.study_id}/history/"].json()
    assert "Anne Martin" in {e["by"] for e in history}


def test_the_analyses_page_names_the_unblinding_statistician_without_her_log_in_name(
    rf, coordinator, statistician
):
    trial_unblind(
        user=statistician,
        reason="Final analysis: end of study reached",
        password=PASSWORD,
        request=rf.post("/randomization/unblinding/"),
    )

    page = _signed_in(coordinator).get("/analyses/").content.decode()

    assert f"by staff-{statistician.pk}" in page
    assert f"by {statistician.username}" not in page


# --- Tokens ------------------------------------------------------------------------------


def test_it_keeps_only_a_digest_of_the_token_it_shows_once(coordinator):
    answer = _token_login("coord_a")

    token = answer.json()["token"]
    assert set(answer.json()) == {"token", "expiry"}
    stored = AuthToken.objects.get(user=coordinator)
    assert token not in (stored.digest, stored.token_key)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM knox_authtoken WHERE digest LIKE %s OR token_key = %s",
            [f"%{token}%", token],
        )
        assert cursor.fetchone() == (0,)
    assert _bearing(token).get("/api/v1/sites/").status_code == 200


def test_it_refuses_a_token_after_8_hours(coordinator):
    with time_machine.travel(START, tick=False) as clock:
        answer = _token_login("coord_a")
        token = answer.json()["token"]
        assert dt.datetime.fromisoformat(answer.json()["expiry"]) == START + dt.timedelta(hours=8)

        clock.shift(dt.timedelta(hours=7, minutes=59))
        assert _bearing(token).get("/api/v1/sites/").status_code == 200
        clock.shift(dt.timedelta(minutes=2))
        assert _bearing(token).get("/api/v1/sites/").status_code == 401


def test_the_sponsor_integration_account_named_in_settings_keeps_its_token_30_days(
    settings, coordinator
):
    settings.API_INTEGRATION_ACCOUNTS = ["sponsor_stats", "coord_a"]
    UserFactory(username="sponsor_stats", role=Role.SPONSOR)

    with time_machine.travel(START, tick=False) as clock:
        integration = _token_login("sponsor_stats").json()
        person = _token_login("coord_a").json()  # named, but a role that writes: 8 hours

        assert dt.datetime.fromisoformat(integration["expiry"]) == START + dt.timedelta(days=30)
        assert dt.datetime.fromisoformat(person["expiry"]) == START + dt.timedelta(hours=8)
        clock.shift(dt.timedelta(days=29))
        assert _bearing(integration["token"]).get("/api/v1/sites/").status_code == 200
        assert _bearing(person["token"]).get("/api/v1/sites/").status_code == 401


def test_an_api_log_out_ends_that_token_only(coordinator):
    first = _token_login("coord_a").json()["token"]
    second = _token_login("coord_a").json()["token"]

    assert _bearing(first).post(LOGOUT_API).status_code == 204

    assert _bearing(first).get("/api/v1/sites/").status_code == 401
    assert _bearing(second).get("/api/v1/sites/").status_code == 200


def test_a_page_log_out_ends_no_api_token(coordinator):
    token = _token_login("coord_a").json()["token"]
    client, _ = _page_login("coord_a", PASSWORD, HER_DESK)

    assert client.post("/logout/").status_code == 302

    assert _bearing(token).get("/api/v1/sites/").status_code == 200


def test_a_new_password_ends_every_token(coordinator):
    token = _token_login("coord_a").json()["token"]

    coordinator.set_password("a-new-passphrase-for-2025")
    coordinator.save()

    assert _bearing(token).get("/api/v1/sites/").status_code == 401
    assert not AuthToken.objects.filter(user=coordinator).exists()


def test_a_new_password_set_in_the_admin_ends_every_token(coordinator):
    token = _token_login("coord_a").json()["token"]
    admin = User.objects.create_superuser(username="admin", password=PASSWORD)
    new = "a-new-passphrase-for-2025"

    answer = _signed_in(admin).post(
        f"/admin/accounts/user/{coordinator.pk}/password/",
        {"password1": new, "password2": new, "usable_password": "true"},
    )

    assert answer.status_code == 302
    assert _bearing(token).get("/api/v1/sites/").status_code == 401


def test_deactivating_the_account_ends_every_token(coordinator):
    token = _token_login("coord_a").json()["token"]

    coordinator.is_active = False
    coordinator.save()

    assert not AuthToken.objects.filter(user=coordinator).exists()
    assert _bearing(token).get("/api/v1/sites/").status_code == 401


def test_a_log_in_stamp_or_a_profile_edit_ends_no_token(coordinator):
    token = _token_login("coord_a").json()["token"]

    coordinator.first_name = "Anne"
    coordinator.save()

    assert _bearing(token).get("/api/v1/sites/").status_code == 200


def test_every_log_in_gets_a_new_token(coordinator):
    first = _token_login("coord_a").json()
    second = _token_login("coord_a").json()

    assert first["token"] != second["token"]
    assert AuthToken.objects.filter(user=coordinator).count() == 2


def test_the_admin_lists_tokens_without_their_value_and_makes_none(coordinator):
    token = _token_login("coord_a").json()["token"]
    stored = AuthToken.objects.get()
    admin = _signed_in(User.objects.create_superuser(username="admin", password=PASSWORD))

    listing = admin.get("/admin/knox/authtoken/")

    assert listing.status_code == 200
    html = listing.content.decode()
    assert "coord_a" in html
    for secret in (token, stored.token_key, stored.digest):
        assert secret not in html
    assert admin.get("/admin/knox/authtoken/add/").status_code == 403


@pytest.mark.parametrize(
    "authorization", ["Token \x00" + "0" * 63, "Token " + "g" * 64, "Token " + "0" * 65]
)
def test_a_header_that_cannot_be_a_token_is_401(db, authorization):
    response = APIClient().get("/api/v1/sites/", HTTP_AUTHORIZATION=authorization)

    assert response.status_code == 401


def test_it_answers_when_the_token_ends(coordinator):
    expiry = dt.datetime.fromisoformat(_token_login("coord_a").json()["expiry"])

    assert dt.timedelta(hours=7, minutes=59) < expiry - timezone.now() <= dt.timedelta(hours=8)


# --- The client's address behind the TLS proxy --------------------------------------------


def _fail_behind_proxy(forwarded_for: str) -> None:
    for _ in range(5):
        Client(REMOTE_ADDR="172.18.0.1", HTTP_X_FORWARDED_FOR=forwarded_for).post(
            LOGIN_PAGE, {"username": "coord_a", "password": WRONG}
        )


def test_behind_one_trusted_proxy_it_locks_the_address_the_proxy_saw(settings, coordinator):
    settings.TRUSTED_PROXY_COUNT = 1
    # The attacker writes her desk's address into the header; the proxy appends the real one.
    _fail_behind_proxy(f"{HER_DESK}, {ELSEWHERE}")

    at_her_desk = Client(REMOTE_ADDR="172.18.0.1", HTTP_X_FORWARDED_FOR=HER_DESK).post(
        LOGIN_PAGE, {"username": "coord_a", "password": PASSWORD}
    )

    assert at_her_desk.status_code == 302
    assert set(AccessEvent.objects.values_list("ip_address", flat=True)) == {ELSEWHERE, HER_DESK}


def test_without_a_trusted_proxy_it_ignores_x_forwarded_for(coordinator):
    _fail_behind_proxy(HER_DESK)

    assert set(AccessEvent.objects.values_list("ip_address", flat=True)) == {"172.18.0.1"}
