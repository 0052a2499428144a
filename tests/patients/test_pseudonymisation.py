"""Patients are pseudonymous: a study ID, sex and year of birth; no name, no birth date."""

from __future__ import annotations

from django.db import models

from patients.models import Patient, Screening

IDENTIFYING = (
    "name",
    "initials",
    "birth_date",
    "date_of_birth",
    "dob",
    "address",
    "phone",
    "email",
    "ssn",
    "insurance",
)


def test_it_stores_nothing_that_identifies_a_patient():
    for model in (Patient, Screening):
        for field in model._meta.get_fields():
            assert not any(word in field.name for word in IDENTIFYING), field.name


def test_it_keeps_only_the_year_of_birth(patient_a):
    date_fields = {f.name for f in Patient._meta.fields if isinstance(f, models.DateField)}

    assert date_fields == {"created_at", "updated_at"}
    assert patient_a.year_of_birth == 1960


def test_it_numbers_patients_by_site_and_never_reuses_a_number(site_a, coordinator, frozen_today):
    from tests.factories import screen_patient

    first = screen_patient(site=site_a, user=coordinator)
    second = screen_patient(site=site_a, user=coordinator)

    assert (first.study_id, second.study_id) == ("03-001", "03-002")
    site_a.refresh_from_db()
    assert site_a.last_patient_sequence == 2
