"""Dates are typed dd/mm/yyyy in a text input that does not follow the browser's locale.

A browser's own date input shows 03/04/2026 as 4 March in an American Chromium while the
pages and messages read day first: every form now takes dd/mm/yyyy (ISO accepted, for API
clients and autofill) on the server, whatever the language; what is not a date comes back
as typed with the form it should have; date-times are the trial's time, its zone beside them.
"""

from __future__ import annotations

import datetime as dt

import lxml.html
import pytest
from django import forms
from django.test import Client
from django.utils import translation

from casebook.date_inputs import TrialDateField, TrialDateTimeField
from patients.models import Screening

EDIT_PAGE = "/patients/03-001/screening/edit/"


class _AwarenessForm(forms.Form):
    aware_at = TrialDateTimeField()


def _open_correction_page(user) -> tuple[Client, lxml.html.HtmlElement, dict[str, str]]:
    client = Client()
    client.force_login(user)
    page = client.get(EDIT_PAGE)
    assert page.status_code == 200
    html = lxml.html.fromstring(page.content)
    (form,) = html.find_class("crf")
    return client, html, dict(form.form_values())


@pytest.mark.parametrize("language", ["en-gb", "en-us", "en", "fr"])
def test_it_reads_a_typed_date_day_first_in_every_language(language):
    with translation.override(language):
        field = TrialDateField()
        assert field.clean("03/04/2026") == dt.date(2026, 4, 3)
        assert field.clean("3/4/2026") == dt.date(2026, 4, 3)
        assert field.clean("2026-04-03") == dt.date(2026, 4, 3)  # ISO, as the API sends


@pytest.mark.parametrize("typed", ["31/02/2026", "04/13/2026", "3 April 2026", "03/04/26"])
def test_it_refuses_what_is_not_a_date_typed_dd_mm_yyyy(typed):
    with pytest.raises(forms.ValidationError) as refused:
        TrialDateField().clean(typed)

    assert refused.value.messages == ["Enter a date as dd/mm/yyyy."]


def test_the_screening_page_asks_for_dates_as_text_and_shows_them_day_first(patient_a, coordinator):
    _, html, _ = _open_correction_page(coordinator)

    consent = html.get_element_by_id("id_consent_on")
    assert consent.get("type") == "text"
    assert consent.get("inputmode") == "numeric"
    assert consent.get("placeholder") == "dd/mm/yyyy"
    assert consent.get("data-date-input") == "date"
    assert consent.get("value") == "03/03/2025"
    # No input left to the browser's locale.
    assert not html.xpath("//input[@type='date' or @type='datetime-local']")


def test_a_date_typed_day_first_is_saved_as_that_day(patient_a, coordinator):
    client, _, values = _open_correction_page(coordinator)

    answer = client.post(
        EDIT_PAGE,
        {**values, "diagnosis_on": "03/04/2023", "reason": "Diagnosis date from the report"},
    )

    assert answer.status_code == 302
    assert Screening.objects.get(patient=patient_a).diagnosis_on == dt.date(2023, 4, 3)


def test_a_wrong_date_comes_back_as_typed_with_its_error_and_nothing_saved(patient_a, coordinator):
    client, _, values = _open_correction_page(coordinator)

    answer = client.post(
        EDIT_PAGE,
        {**values, "diagnosis_on": "31/02/2023", "ecog": "2", "reason": "Diagnosis date"},
    )

    assert answer.status_code in (200, 400)
    html = lxml.html.fromstring(answer.content)
    assert html.get_element_by_id("id_diagnosis_on").get("value") == "31/02/2023"
    (field,) = html.xpath("//div[contains(@class, 'field')][.//input[@id='id_diagnosis_on']]")
    assert "Enter a date as dd/mm/yyyy." in field.text_content()
    screening = Screening.objects.get(patient=patient_a)
    assert screening.diagnosis_on == dt.date(2023, 6, 12)
    assert screening.ecog != 2


def test_a_date_and_time_is_read_in_the_trials_zone():
    winter = _AwarenessForm({"aware_at": "02/12/2026 20:38"})
    summer = _AwarenessForm({"aware_at": "02/06/2025 12:00"})

    assert winter.is_valid() and summer.is_valid()
    assert winter.cleaned_data["aware_at"] == dt.datetime(2026, 12, 2, 19, 38, tzinfo=dt.UTC)
    assert summer.cleaned_data["aware_at"] == dt.datetime(2025, 6, 2, 10, 0, tzinfo=dt.UTC)


def test_a_wrong_date_and_time_says_the_form_it_should_have():
    form = _AwarenessForm({"aware_at": "12/31/2026 8:38 PM"})

    assert not form.is_valid()
    assert form.errors["aware_at"] == ["Enter a date and time as dd/mm/yyyy hh:mm."]


def test_a_date_and_time_input_names_the_zone_beside_it():
    form = _AwarenessForm(initial={"aware_at": dt.datetime(2026, 12, 2, 19, 38, tzinfo=dt.UTC)})

    html = lxml.html.fromstring(f"<div>{form['aware_at']}</div>")

    (typed,) = html.xpath("//input")
    assert typed.get("type") == "text"
    assert typed.get("value") == "02/12/2026 20:38"  # the trial's time, not UTC
    assert typed.get("placeholder") == "dd/mm/yyyy hh:mm"
    assert typed.get("aria-describedby") == "id_aware_at_zone"
    assert html.get_element_by_id("id_aware_at_zone").text_content() == "Europe/Paris"
