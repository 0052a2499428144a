"""The pages every role opens (header, screening log, log-in, lockouts, notices, errors) in
French for the staff of a French site, and in English for those who chose English."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Role
from accounts.services import user_language_choose
from tests.factories import SiteFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def french_site():
    return SiteFactory(number=31, name="CHU Purpan", language="fr")


@pytest.fixture
def french_coordinator(french_site):
    return UserFactory(username="coord_fr", role=Role.COORDINATOR, sites=[french_site])


def test_it_shows_the_header_and_the_screening_log_in_french(client, french_coordinator):
    client.force_login(french_coordinator)

    page = client.get(reverse("dashboard")).text

    for french in (
        "Registre de sélection",
        "Trouver un patient",
        "Liste de travail",
        "Se déconnecter",
        "Notifications",
        "TEC (coordinateur d&#x27;étude)",
        "Aller au contenu de la page",
        "Sélectionner un patient",
        "Personne n'a encore été sélectionné.",
        "Numéro d&#x27;inclusion",
        "Prochaine échéance",
    ):
        assert french in page, french
    for english in ("Screening log", "Find a patient", "Log out", "Study coordinator", "Next due"):
        assert english not in page, english


def test_it_shows_the_log_in_page_in_the_trial_s_language_before_log_in(client, settings):
    settings.LANGUAGE_CODE = "fr"

    page = client.get(reverse("login")).text

    assert "Se connecter" in page
    assert "Mot de passe" in page
    assert "Après 5 tentatives échouées, le compte est verrouillé." in page
    assert "Password" not in page
    assert '<select id="language-choice" name="language">' in page


def test_it_shows_the_lockouts_page_in_french_to_a_data_manager_who_chose_it(client, db):
    data_manager = user_language_choose(
        user=UserFactory(username="dm_fr", role=Role.DATA_MANAGER), language="fr"
    )
    client.force_login(data_manager)

    page = client.get(reverse("lockouts")).text

    assert "Verrouillages de connexion" in page
    assert "Aucun compte n'est verrouillé." in page
    assert "Data manager" in page  # the role's French label is the same word
    assert "Nobody is locked out." not in page


def test_it_refuses_in_french_what_the_role_may_not_do(client, french_coordinator):
    client.force_login(french_coordinator)

    response = client.get(reverse("lockouts"))

    assert response.status_code == 403
    assert "Non autorisé" in response.text
    assert (
        "Les data managers et les administrateurs de l&#x27;essai déverrouillent les comptes."
        in response.text
    )


def test_it_says_not_found_in_french(client, french_coordinator):
    client.force_login(french_coordinator)

    response = client.get(reverse("patient-detail", args=["99-999"]))

    assert response.status_code == 404
    assert "Introuvable" in response.text
    assert "Aucune fiche de ce type parmi celles que vous pouvez voir." in response.text


def test_it_keeps_english_for_a_french_site_user_who_chose_english(client, french_site):
    coordinator = user_language_choose(
        user=UserFactory(username="coord_en", role=Role.COORDINATOR, sites=[french_site]),
        language="en",
    )
    client.force_login(coordinator)

    page = client.get(reverse("dashboard")).text

    assert "Screening log" in page
    assert "Registre de sélection" not in page
