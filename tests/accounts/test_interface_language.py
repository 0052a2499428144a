"""French for French sites, each user's choice kept, the API in English."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Role
from tests.factories import SiteFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def french_site():
    return SiteFactory(number=31, name="CHU Purpan", language="fr")


@pytest.fixture
def french_coordinator(french_site):
    return UserFactory(username="coord_fr", role=Role.COORDINATOR, sites=[french_site])


def test_it_speaks_french_to_the_staff_of_a_french_site(client, french_coordinator):
    client.force_login(french_coordinator)

    response = client.get(reverse("dashboard"))

    assert response.headers["Content-Language"] == "fr"
    assert '<html lang="fr">' in response.text


def test_it_keeps_the_language_a_user_chose_across_sessions(client, french_coordinator):
    client.force_login(french_coordinator)

    response = client.post(
        reverse("language-choose"), {"language": "en", "next": reverse("worklist")}
    )

    assert response.status_code == 302
    assert response.headers["Location"] == reverse("worklist")
    french_coordinator.refresh_from_db()
    assert french_coordinator.language == "en"
    client.logout()
    client.cookies.clear()
    client.force_login(french_coordinator)
    assert client.get(reverse("dashboard")).headers["Content-Language"] == "en"


def test_it_falls_back_to_the_trial_language_for_staff_without_a_site(client, settings, db):
    settings.LANGUAGE_CODE = "fr"
    sponsor = UserFactory(username="sponsor_fr", role=Role.SPONSOR)
    client.force_login(sponsor)

    assert client.get(reverse("dashboard")).headers["Content-Language"] == "fr"


def test_it_answers_the_api_in_english_whatever_the_user_chose(client, french_coordinator):
    client.force_login(french_coordinator)

    response = client.post("/api/v1/patients/", {}, content_type="application/json")

    assert response.headers["Content-Language"] == "en"
    # A plain str, as a WSGI server's header check demands (not the Language enum member).
    assert type(response.headers["Content-Language"]) is str
    assert response.status_code in (400, 403)


def test_it_refuses_a_language_the_trial_does_not_offer(client, french_coordinator):
    client.force_login(french_coordinator)

    response = client.post(reverse("language-choose"), {"language": "de"})

    assert response.status_code == 400
    french_coordinator.refresh_from_db()
    assert french_coordinator.language == ""


def test_it_never_sends_the_user_to_another_host_after_the_switch(client, french_coordinator):
    client.force_login(french_coordinator)

    response = client.post(
        reverse("language-choose"), {"language": "en", "next": "https://evil.example/"}
    )

    assert response.headers["Location"] == reverse("dashboard")


def test_it_remembers_the_choice_on_the_browser_before_log_in(client, db):
    client.post(reverse("language-choose"), {"language": "en", "next": reverse("login")})

    assert client.get(reverse("login")).headers["Content-Language"] == "en"
