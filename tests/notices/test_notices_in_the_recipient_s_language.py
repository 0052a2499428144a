"""Each recipient reads a notice, its e-mail's subject and body, in their own language: a
French site's investigator in French, a colleague there who chose English in English."""

from __future__ import annotations

import pytest

from accounts.models import Role
from accounts.services import user_language_choose
from notices.models import Notice, NoticeKind, OutgoingEmail
from notices.services import notify
from tests.factories import SiteFactory, UserFactory

pytestmark = pytest.mark.django_db

DEADLINE = "03/06/2025 12:00 Europe/Paris (10:00 UTC)"


@pytest.fixture
def recipients(db):
    site = SiteFactory(number=31, name="CHU Purpan", language="fr")
    french = UserFactory(
        username="inv_fr", role=Role.INVESTIGATOR, sites=[site], email="inv_fr@chu.example"
    )
    english = UserFactory(
        username="coord_en", role=Role.COORDINATOR, sites=[site], email="coord_en@chu.example"
    )
    user_language_choose(user=english, language="en")
    return site, french, english


def test_it_writes_each_recipient_s_notice_and_e_mail_in_their_language(recipients, settings):
    settings.SITE_URL = "https://trial.example.org"
    site, french, english = recipients

    notify(
        NoticeKind.SAE_OPENED,
        site=site,
        study_id="31-001",
        link="/safety/saes/5/",
        facts={"deadline": DEADLINE},
    )

    french_email = OutgoingEmail.objects.get(user=french)
    assert french_email.subject == (
        f"[NCT03765541] EIG ouvert\u00a0: 31-001, déclaration attendue le {DEADLINE}"
    )
    assert "Un événement indésirable grave a été ouvert pour 31-001." in french_email.body
    assert "Numéro d'inclusion\u00a0: 31-001" in french_email.body
    assert "Centre\u00a0: 31" in french_email.body
    assert "Study ID" not in french_email.body
    assert Notice.objects.get(recipient=french).text == french_email.subject

    english_email = OutgoingEmail.objects.get(user=english)
    assert english_email.subject == f"[NCT03765541] SAE opened: 31-001, report due {DEADLINE}"
    assert "Study ID: 31-001" in english_email.body
    assert Notice.objects.get(recipient=english).text == english_email.subject
