"""Demo data: sites, one account per role and realistic screened patients.

Deterministic for a given seed (dates are anchored on a fixed day, not on today), so two
runs with the same seed give the same trial. Everything is written through the services.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

import protocol
from accounts.models import Role, Site, User
from accounts.services import staff_account_create
from demo.course import demo_courses_seed
from patients.models import Patient
from patients.services import patient_screen
from randomization.services import patient_randomize

DEMO_PASSWORD = "trial-demo-2026"
FIRST_SCREENING_ON = dt.date(2024, 1, 8)
SITES = (
    (1, "CHU de Toulouse"),
    (2, "CHU de Bordeaux"),
    (3, "CHU de Montpellier"),
    (4, "Hôpital Saint-Louis, Paris"),
)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    sites: str


def demo_logins() -> list[DemoLogin]:
    """Return the demo accounts as they exist in the database."""
    return [
        DemoLogin(
            u.username,
            u.get_role_display() if u.role else "administrator",
            ", ".join(s.code for s in u.sites.all()) or "all sites",
        )
        for u in User.objects.prefetch_related("sites").order_by("role", "username")
    ]


def _accounts(sites: list[Site]) -> dict[int, User]:
    coordinators = {}
    for site in sites:
        coordinators[site.number] = staff_account_create(
            username=f"coord{site.code}",
            password=DEMO_PASSWORD,
            role=Role.COORDINATOR,
            sites=[site],
            first_name="Coordinator",
            last_name=site.name,
        )
    staff_account_create(
        username="inv01",
        password=DEMO_PASSWORD,
        role=Role.INVESTIGATOR,
        sites=sites[:1],
        first_name="Investigator",
        last_name=sites[0].name,
    )
    staff_account_create(username="dm", password=DEMO_PASSWORD, role=Role.DATA_MANAGER)
    staff_account_create(username="sponsor", password=DEMO_PASSWORD, role=Role.SPONSOR)
    staff_account_create(username="stat", password=DEMO_PASSWORD, role=Role.STATISTICIAN)
    admin = User(username="admin", is_staff=True, is_superuser=True)
    admin.set_password(DEMO_PASSWORD)
    admin.save()
    return coordinators


def _baseline(rng: random.Random, screened_on: dt.date, age: int) -> dict:
    status = rng.choices(list(protocol.DiseaseStatus), weights=[30, 45, 15, 10])[0]
    status_on = screened_on - dt.timedelta(days=rng.randint(0, 21))
    diagnosis_on = status_on - dt.timedelta(days=rng.randint(120, 900))
    return {
        "diagnosis_on": diagnosis_on,
        "disease_status": status.value,
        "disease_status_on": status_on,
        "ecog": rng.choices([0, 1, 2, 3], weights=[25, 45, 22, 8])[0],
        "wbc": Decimal(str(round(rng.lognormvariate(1.3, 1.0), 2))).min(Decimal("250")),
        "marrow_blasts_pct": Decimal(str(round(rng.uniform(6, 90), 1))),
        "cytogenetic_risk": rng.choices(
            list(protocol.CytogeneticRisk.values), weights=[10, 50, 35, 5]
        )[0],
        "eln_risk": rng.choices(list(protocol.ElnRisk.values), weights=[15, 35, 50])[0],
        "mutations": {
            g: rng.choices(["detected", "not_detected", "not_tested"], weights=[2, 7, 1])[0]
            for g in protocol.MUTATION_GENES
        },
        "prior_lines": 1
        if status is not protocol.DiseaseStatus.LATER_RELAPSE
        else rng.randint(2, 4),
        "prior_allo_hsct": status is protocol.DiseaseStatus.RELAPSE_AFTER_HSCT
        or (status is protocol.DiseaseStatus.LATER_RELAPSE and rng.random() < 0.3),
    }


@transaction.atomic
def demo_trial_seed(*, patients: int, seed: int) -> list[Patient]:
    """Create the demo trial; refuse to run on a database that already holds sites."""
    if Site.objects.exists():
        raise RuntimeError("The database already holds a trial: demo data not loaded.")
    rng = random.Random(seed)
    sites = [Site.objects.create(number=n, name=name) for n, name in SITES]
    coordinators = _accounts(sites)
    exclusions = [
        c for c in protocol.ELIGIBILITY_CRITERIA if c.kind is protocol.CriterionKind.EXCLUSION
    ]
    created = []
    days_between = max(1, 700 // max(patients, 1))
    for index in range(patients):
        site = rng.choices(sites, weights=[40, 25, 20, 15])[0]
        screened_on = FIRST_SCREENING_ON + dt.timedelta(
            days=index * days_between + rng.randint(0, days_between)
        )
        consent_on = screened_on - dt.timedelta(days=rng.choice([0, 0, 1, 2]))
        age = rng.randint(19, 82)
        year_of_birth = consent_on.year - age - rng.choice([0, 1])
        age = consent_on.year - year_of_birth - rng.choice([0, 1])
        answers = {
            c.code: c.kind is protocol.CriterionKind.INCLUSION
            for c in protocol.ELIGIBILITY_CRITERIA
        }
        baseline = _baseline(rng, screened_on, age)
        if rng.random() < 0.18:  # a screen failure, with a reason drawn from the checklist
            failed = rng.choice([*exclusions, protocol.criterion("INC_SALVAGE")])
            answers[failed.code] = not answers[failed.code]
        patient = patient_screen(
            site=site,
            user=coordinators[site.number],
            sex=rng.choice("FM"),
            year_of_birth=year_of_birth,
            answers=answers,
            screening={
                "consent_on": consent_on,
                "screened_on": screened_on,
                "age_at_consent": age,
                **baseline,
            },
        )
        created.append(patient)
        if patient.screening.is_eligible and rng.random() < 0.9:
            regimen = rng.choices(list(protocol.Regimen.values), weights=[45, 55])[0]
            at = dt.datetime.combine(
                screened_on + dt.timedelta(days=rng.randint(1, 6)),
                dt.time(9 + rng.randint(0, 8), rng.randint(0, 59)),
                tzinfo=dt.UTC,
            )
            patient_randomize(
                patient=patient, user=coordinators[site.number], regimen=regimen, randomized_at=at
            )
    demo_courses_seed(rng=rng, coordinators=coordinators, reviewer=User.objects.get(username="dm"))
    return created
