"""Log-in lockout and the access log (21 CFR Part 11 §11.300; the issue's log-in rules).

After 5 failed log-ins a username is locked at the address they came from, whichever way
the person or system logs in (the log-in page or POST /api/v1/auth/token/): the 6th attempt
from there is refused even with the right password. Neither the whole account (wrong
passwords sent from elsewhere cannot lock the coordinator out at her desk) nor the
hospital's address (her colleagues log in) is locked. Every log-in, failed log-in and
log-out is written to the access log, whose rows can never be changed or deleted.
"""

from __future__ import annotations

import pytest
from django.db import InternalError, connection, transaction
from django.test import Client
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.models import AccessEvent
from tests.factories import PASSWORD

FAILURE_LIMIT = 5
WRONG_PASSWORD = "not-the-right-password"
LOGIN_PAGE = "/login/"
TOKEN_API = "/api/v1/auth/token/"


def _page_login(client: Client, username: str, password: str, **extra):
    return client.post(LOGIN_PAGE, {"username": username, "password": password}, **extra)


def _token_login(username: str, password: str, **extra):
    return APIClient().post(
        TOKEN_API, {"username": username, "password": password}, format="json", **extra
    )


def _fail(path: str, username: str, times: int, **extra):
    """Try a wrong password `times` times on one log-in path; return the last answer.

    Each attempt is refused. The attempt that reaches the limit is already answered
    with the lockout message rather than "wrong password".
    """
    response = None
    for _ in range(times):
        if path == LOGIN_PAGE:
            client = Client()
            response = _page_login(client, username, WRONG_PASSWORD, **extra)
            assert response.status_code in (200, 429)
            assert not _is_logged_in(client)
        else:
            response = _token_login(username, WRONG_PASSWORD, **extra)
            assert response.status_code in (400, 403)
            assert "token" not in response.json()
    return response


def _is_logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def _assert_page_refuses_the_right_password(username: str) -> None:
    client = Client()
    response = _page_login(client, username, PASSWORD)
    assert response.status_code == 429
    assert "Account locked" in response.content.decode()
    assert not _is_logged_in(client)


def _assert_token_api_refuses_the_right_password(username: str) -> None:
    response = _token_login(username, PASSWORD)
    assert response.status_code == 403
    assert "locked" in response.json()["detail"]
    assert not AuthToken.objects.filter(user__username=username).exists()


# Lockout ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [LOGIN_PAGE, TOKEN_API])
def test_it_still_lets_the_right_password_in_after_4_failures(coordinator, path):
    _fail(path, "coord_a", FAILURE_LIMIT - 1)

    if path == LOGIN_PAGE:
        client = Client()
        response = _page_login(client, "coord_a", PASSWORD)
        assert response.status_code == 302
        assert _is_logged_in(client)
    else:
        response = _token_login("coord_a", PASSWORD)
        assert response.status_code == 200
        assert response.json()["token"]
        assert AuthToken.objects.filter(user=coordinator).count() == 1


def test_it_locks_the_login_page_after_5_failures_even_for_the_right_password(coordinator):
    fourth = _fail(LOGIN_PAGE, "coord_a", FAILURE_LIMIT - 1)
    assert fourth.status_code == 200
    assert "Please enter a correct username and password" in fourth.content.decode()

    fifth = _fail(LOGIN_PAGE, "coord_a", 1)
    assert fifth.status_code == 429
    assert "Account locked" in fifth.content.decode()

    _assert_page_refuses_the_right_password("coord_a")


def test_it_locks_the_token_api_after_5_failures_even_for_the_right_password(coordinator):
    assert _fail(TOKEN_API, "coord_a", FAILURE_LIMIT - 1).status_code == 400
    assert _fail(TOKEN_API, "coord_a", 1).status_code == 403

    _assert_token_api_refuses_the_right_password("coord_a")


@pytest.mark.parametrize(
    ("first_path", "second_path"), [(LOGIN_PAGE, TOKEN_API), (TOKEN_API, LOGIN_PAGE)]
)
def test_it_counts_failures_on_every_log_in_path_together(coordinator, first_path, second_path):
    _fail(first_path, "coord_a", 3)
    _fail(second_path, "coord_a", 2)

    _assert_page_refuses_the_right_password("coord_a")
    _assert_token_api_refuses_the_right_password("coord_a")


def test_it_lets_the_user_in_from_another_address_than_the_failures(coordinator):
    _fail(LOGIN_PAGE, "coord_a", FAILURE_LIMIT, REMOTE_ADDR="10.1.0.20")

    client = Client()
    response = _page_login(client, "coord_a", PASSWORD, REMOTE_ADDR="10.2.0.30")

    assert response.status_code == 302
    assert _is_logged_in(client)
    locked = Client()
    assert _page_login(locked, "coord_a", PASSWORD, REMOTE_ADDR="10.1.0.20").status_code == 429


def test_it_locks_the_account_not_the_hospitals_address(coordinator, investigator):
    _fail(LOGIN_PAGE, "coord_a", FAILURE_LIMIT)

    client = Client()
    response = _page_login(client, "inv_a", PASSWORD)

    assert response.status_code == 302
    assert _is_logged_in(client)
    assert _token_login("inv_a", PASSWORD).status_code == 200


def _succeeds(path: str, username: str) -> bool:
    if path == LOGIN_PAGE:
        return _page_login(Client(), username, PASSWORD).status_code == 302
    return _token_login(username, PASSWORD).status_code == 200


@pytest.mark.parametrize("path", [LOGIN_PAGE, TOKEN_API])
def test_it_starts_counting_again_after_a_successful_log_in(coordinator, path):
    _fail(path, "coord_a", FAILURE_LIMIT - 1)
    assert _succeeds(path, "coord_a")
    _fail(path, "coord_a", FAILURE_LIMIT - 1)

    assert _succeeds(path, "coord_a")


# Access log -------------------------------------------------------------------------------


def test_it_records_a_log_in_on_the_login_page(coordinator):
    response = _page_login(Client(), "coord_a", PASSWORD)

    assert response.status_code == 302
    event = AccessEvent.objects.get()
    assert event.kind == AccessEvent.Kind.LOGIN
    assert (event.username, event.user) == ("coord_a", coordinator)
    assert (event.path, event.ip_address) == (LOGIN_PAGE, "127.0.0.1")


def test_it_records_a_log_in_through_the_token_api(coordinator):
    response = _token_login("coord_a", PASSWORD)

    assert response.status_code == 200
    event = AccessEvent.objects.get()
    assert event.kind == AccessEvent.Kind.LOGIN
    assert (event.username, event.user, event.path) == ("coord_a", coordinator, TOKEN_API)


@pytest.mark.parametrize("path", [LOGIN_PAGE, TOKEN_API])
def test_it_records_a_failed_log_in_with_the_username_tried(coordinator, path):
    _fail(path, "coord_a", 1)

    event = AccessEvent.objects.get()
    assert event.kind == AccessEvent.Kind.LOGIN_FAILED
    assert (event.username, event.user, event.path) == ("coord_a", None, path)
    assert event.ip_address == "127.0.0.1"


def test_it_records_a_failed_log_in_for_a_username_that_does_not_exist(db):
    _fail(LOGIN_PAGE, "nobody_here", 1)

    event = AccessEvent.objects.get()
    assert (event.kind, event.username) == (AccessEvent.Kind.LOGIN_FAILED, "nobody_here")


def test_it_records_a_log_out(coordinator):
    client = Client()
    _page_login(client, "coord_a", PASSWORD)

    response = client.post("/logout/")

    assert response.status_code == 302
    assert not _is_logged_in(client)
    assert list(AccessEvent.objects.order_by("id").values_list("kind", "user")) == [
        (AccessEvent.Kind.LOGIN, coordinator.pk),
        (AccessEvent.Kind.LOGOUT, coordinator.pk),
    ]


def test_it_records_the_refused_attempt_of_a_locked_account_apart_from_failed_log_ins(
    coordinator,
):
    _fail(LOGIN_PAGE, "coord_a", FAILURE_LIMIT)

    _page_login(Client(), "coord_a", PASSWORD)

    kinds = list(AccessEvent.objects.order_by("id").values_list("kind", flat=True))
    assert kinds == [AccessEvent.Kind.LOGIN_FAILED] * FAILURE_LIMIT + [AccessEvent.Kind.LOCKED_OUT]


# The access log is append-only ------------------------------------------------------------


@pytest.fixture
def access_event(coordinator):
    _page_login(Client(), "coord_a", PASSWORD)
    return AccessEvent.objects.get()


def test_it_refuses_to_change_an_access_event(access_event):
    access_event.username = "someone_else"

    with pytest.raises(InternalError, match="Cannot update"), transaction.atomic():
        access_event.save()
    with pytest.raises(InternalError, match="Cannot update"), transaction.atomic():
        AccessEvent.objects.filter(pk=access_event.pk).update(kind=AccessEvent.Kind.LOGOUT)

    assert AccessEvent.objects.values_list("username", "kind").get() == (
        "coord_a",
        AccessEvent.Kind.LOGIN,
    )


def test_it_refuses_to_delete_an_access_event(access_event):
    with pytest.raises(InternalError, match="Cannot update or delete"), transaction.atomic():
        access_event.delete()
    with pytest.raises(InternalError, match="Cannot update or delete"), transaction.atomic():
        AccessEvent.objects.all().delete()

    assert AccessEvent.objects.filter(pk=access_event.pk).exists()


def test_it_refuses_raw_sql_that_would_rewrite_the_access_log(access_event):
    table = AccessEvent._meta.db_table

    with pytest.raises(InternalError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET username = %s", ["someone_else"])

    assert AccessEvent.objects.get().username == "coord_a"
