"""A notice names the study ID, the site number, the event, its deadline and a link: nothing
else about the patient, in the subject, the body or the in-app text (issue 14 item 4)."""

from __future__ import annotations

import datetime as dt

import pytest

from notices.models import Notice, NoticeKind, OutgoingEmail
from notices.services import Unsendable, notice_message, notify
from tests.factories import screen_patient

pytestmark = pytest.mark.django_db

DEADLINE = "03/06/2025 12:00 Europe/Paris (10:00 UTC)"


@pytest.fixture
def patient(site_a, coordinator, frozen_today):
    # A patient whose every recorded detail is distinctive, so a leak would show.
    return screen_patient(
        site=site_a,
        user=coordinator,
        sex="M",
        year_of_birth=1947,
        age_at_consent=77,
        diagnosis_on=dt.date(2023, 6, 12),
        wbc="4.37",
        marrow_blasts_pct="31.9",
    )


@pytest.mark.parametrize("kind", list(NoticeKind))
def test_every_kind_names_the_study_id_site_deadline_and_link_and_nothing_else(
    kind, patient, staff, settings
):
    settings.SITE_URL = "https://trial.example.org"
    message = notice_message(
        kind,
        site=patient.site,
        study_id=patient.study_id,
        link="/safety/saes/5/",
        facts={"deadline": DEADLINE, "report": "follow-up 2"},
    )
    text = f"{message.subject}\n{message.body}"

    assert patient.study_id in message.subject
    assert patient.study_id in message.body
    assert f"Site: {patient.site.code}" in message.body
    assert "https://trial.example.org/safety/saes/5/" in message.body
    for private in ("1947", "77", "Male", "2023", "12/06", "4.37", "31.9", "Toulouse"):
        assert private not in text, f"{private!r} in the {kind.label} message"
    if kind in (NoticeKind.SAE_OPENED, NoticeKind.SUSAR_CLASSIFIED):
        assert DEADLINE in message.subject


def test_notify_stores_the_same_words_in_the_notice_and_the_email(patient, staff):
    notify(
        NoticeKind.SAE_OPENED,
        site=patient.site,
        study_id=patient.study_id,
        link="/safety/saes/1/",
        facts={"deadline": DEADLINE},
        about=patient,
    )

    notice = Notice.objects.get(recipient=staff["investigator_a"])
    email = OutgoingEmail.objects.get(notice=notice)
    assert notice.text == email.subject
    assert (notice.study_id, notice.site, notice.link) == (
        patient.study_id,
        patient.site,
        "/safety/saes/1/",
    )
    assert (notice.about_model, notice.about_id) == ("patients.patient", str(patient.pk))
    assert "1947" not in email.body


def test_it_refuses_a_fact_that_is_not_a_deadline_or_a_report(patient, staff):
    with pytest.raises(Unsendable, match="year_of_birth"):
        notify(
            NoticeKind.SAE_OPENED,
            site=patient.site,
            study_id=patient.study_id,
            link="/safety/saes/1/",
            facts={"year_of_birth": "1947"},
        )

    assert not Notice.objects.exists()
