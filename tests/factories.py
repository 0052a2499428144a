"""factory_boy factories for the trial's records.

Patients are screened through the real service (`screen_patient`), so every test patient
has passed the same rules a coordinator's entry does.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory

import protocol
from accounts.models import Role, Site, User
from accounts.services import staff_account_create
from patients.models import Patient
from patients.services import patient_screen

PASSWORD = "correct-horse-battery-staple"


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site
        django_get_or_create = ("number",)

    number = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"Hospital {n + 1}")
    active = True
    # The suite reads English; French sites are built where a test is about French.
    language = "en"


class UserFactory(factory.Factory):
    """A staff account created through the service (Argon2 password, audited)."""

    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"staff{n}")
    role = Role.COORDINATOR
    sites: list[Site] = []

    @classmethod
    def _create(cls, model_class, username, role, sites=(), **kwargs):
        return staff_account_create(
            username=username, password=PASSWORD, role=role, sites=list(sites), **kwargs
        )


def all_criteria_met() -> dict[str, bool]:
    """Answers of an eligible patient: every inclusion met, no exclusion."""
    return {
        c.code: c.kind is protocol.CriterionKind.INCLUSION for c in protocol.ELIGIBILITY_CRITERIA
    }


class ScreeningValuesFactory(factory.DictFactory):
    """Screening values of a typical eligible patient in first relapse."""

    consent_on = dt.date(2025, 3, 3)
    screened_on = dt.date(2025, 3, 4)
    age_at_consent = 64
    diagnosis_on = dt.date(2023, 6, 12)
    disease_status = protocol.DiseaseStatus.FIRST_RELAPSE.value
    disease_status_on = dt.date(2025, 2, 20)
    ecog = 1
    wbc = "4.20"
    marrow_blasts_pct = "32.0"
    cytogenetic_risk = protocol.CytogeneticRisk.INTERMEDIATE.value
    eln_risk = protocol.ElnRisk.INTERMEDIATE.value
    mutations = factory.LazyFunction(lambda: {"FLT3-ITD": "detected", "NPM1": "not_detected"})
    prior_lines = 1
    prior_allo_hsct = False


def screen_patient(
    *,
    site: Site,
    user: User,
    sex: str = "F",
    year_of_birth: int = 1960,
    answers: dict[str, bool] | None = None,
    **screening: Any,
) -> Patient:
    """Screen a patient through the service, eligible unless told otherwise."""
    return patient_screen(
        site=site,
        user=user,
        sex=sex,
        year_of_birth=year_of_birth,
        screening=ScreeningValuesFactory(**screening),
        answers=answers if answers is not None else all_criteria_met(),
    )
