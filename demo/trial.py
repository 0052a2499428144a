"""Demo data: a trial that is running today, written through the real services.

The trial has been recruiting for about two years up to the day the demo is loaded (today in
the trial's time zone): its first patients are in follow-up or dead, its latest are screened,
awaiting randomization or on their first cycle. Every date is counted back from today, none
is later.

Reproducible for a given seed in everything but the arms. Who is screened where and when,
their values, their randomization times and their clinical course come from
`random.Random(seed)`; the arms come from the real `patient_randomize`, i.e. from the trial's
concealed allocation sequence (`secrets`), and differ from one run to the next. No draw depends
on the arm (only the dexamethasone given with each cycle follows it, as the protocol says), so
two runs on the same day with the same seed hold the same patients, dates and records.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

import pghistory
from django.db import transaction
from django.utils import timezone

import protocol
from accounts.models import Role, Site, User
from accounts.services import staff_account_create
from demo.batches import batches
from demo.biology import demo_biology_seed
from demo.course import demo_courses_seed
from demo.disease_history import demo_disease_history_seed
from demo.labs import demo_labs_seed
from demo.medications import demo_medications_seed
from demo.monitoring import demo_review_seed
from demo.mrd import demo_mrd_seed
from patients.models import Patient
from patients.services import patient_screen
from randomization.services import patient_randomize

DEMO_PASSWORD = "trial-demo-2026"
DEFAULT_PATIENTS = 60
DEFAULT_SEED = 2018
# The demo trial has been recruiting for this long when it is loaded.
ACCRUAL_DAYS = 730


@dataclass(frozen=True)
class DemoSite:
    number: int
    name: str
    opened_after_days: int  # sites join the trial one after another
    weight: int  # its share of the patients once open


SITES = (
    DemoSite(1, "CHU de Toulouse", opened_after_days=0, weight=40),
    DemoSite(2, "CHU de Bordeaux", opened_after_days=45, weight=25),
    DemoSite(3, "CHU de Montpellier", opened_after_days=120, weight=20),
    DemoSite(4, "Hôpital Saint-Louis, Paris", opened_after_days=270, weight=15),
)
# The monitor's sites: a monitor is assigned to some sites, not all.
MONITORED_SITES = (1, 2)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    sites: str


@dataclass(frozen=True)
class DemoStaff:
    coordinators: dict[int, User]  # by site number
    data_manager: User
    monitor: User


def demo_logins() -> list[DemoLogin]:
    """Return the demo accounts as they exist in the database."""
    return [
        DemoLogin(
            u.username,
            u.get_role_display() if u.role else "administrator",
            (", ".join(s.code for s in u.sites.all()) or "all sites")
            if u.role
            else "no patients: the Django admin at /admin/",
        )
        for u in User.objects.prefetch_related("sites").order_by("role", "username")
    ]


def screening_days(rng: random.Random, *, patients: int, today: dt.date) -> list[dt.date]:
    """Return the patients' screening dates, in order, spread over the last ACCRUAL_DAYS.

    Any number of patients fits (several a day when there are many) and none is screened
    after today: the dates are drawn inside the accrual period, not stepped from its start.
    """
    first = today - dt.timedelta(days=ACCRUAL_DAYS)
    return sorted(first + dt.timedelta(days=rng.randint(0, ACCRUAL_DAYS)) for _ in range(patients))


def randomization_time(
    rng: random.Random, *, screened_on: dt.date, today: dt.date
) -> dt.datetime | None:
    """Return when an eligible patient is randomized, a few days after screening, in working
    hours of the trial's time zone; None when that day has not come yet (still to randomize)."""
    day = screened_on + dt.timedelta(days=rng.randint(1, 6))
    at = dt.time(rng.randint(8, 17), rng.randint(0, 59))
    if day >= today:
        return None
    return dt.datetime.combine(day, at, tzinfo=timezone.get_current_timezone())


def _accounts(sites: dict[int, Site]) -> DemoStaff:
    coordinators = {
        site.number: staff_account_create(
            username=f"coord{site.code}",
            password=DEMO_PASSWORD,
            role=Role.COORDINATOR,
            sites=[site],
            first_name="Coordinator",
            last_name=site.name,
        )
        for site in sites.values()
    }
    staff_account_create(
        username="inv01",
        password=DEMO_PASSWORD,
        role=Role.INVESTIGATOR,
        sites=[sites[1]],
        first_name="Investigator",
        last_name=sites[1].name,
    )
    monitor = staff_account_create(
        username="mon01",
        password=DEMO_PASSWORD,
        role=Role.MONITOR,
        sites=[sites[n] for n in MONITORED_SITES],
        first_name="Monitor",
        last_name="Sites " + " and ".join(sites[n].code for n in MONITORED_SITES),
    )
    dm = staff_account_create(username="dm", password=DEMO_PASSWORD, role=Role.DATA_MANAGER)
    staff_account_create(username="sponsor", password=DEMO_PASSWORD, role=Role.SPONSOR)
    staff_account_create(username="stat", password=DEMO_PASSWORD, role=Role.STATISTICIAN)
    staff_account_create(username="dmc", password=DEMO_PASSWORD, role=Role.DMC)
    # The sponsor's safety desk: assesses every SAE, reports SUSARs to the regulators.
    staff_account_create(
        username="pv",
        password=DEMO_PASSWORD,
        role=Role.PHARMACOVIGILANCE,
        first_name="Pharmacovigilance",
        last_name="Sponsor",
    )
    admin = User(username="admin", is_staff=True, is_superuser=True)
    admin.set_password(DEMO_PASSWORD)
    admin.save()
    return DemoStaff(coordinators=coordinators, data_manager=dm, monitor=monitor)


def _baseline(rng: random.Random, screened_on: dt.date) -> dict:
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


def _screening_log(
    rng: random.Random, *, patients: int, sites: dict[int, Site], staff: DemoStaff, today: dt.date
) -> list[Patient]:
    """Screen the patients in date order; randomize most of the eligible ones."""
    exclusions = [
        c for c in protocol.ELIGIBILITY_CRITERIA if c.kind is protocol.CriterionKind.EXCLUSION
    ]
    created = []
    for batch in batches(screening_days(rng, patients=patients, today=today)):
        with transaction.atomic():
            created += [
                _screen_and_randomize(
                    rng,
                    screened_on=screened_on,
                    sites=sites,
                    staff=staff,
                    today=today,
                    exclusions=exclusions,
                )
                for screened_on in batch
            ]
    return created


def _screen_and_randomize(
    rng: random.Random,
    *,
    screened_on: dt.date,
    sites: dict[int, Site],
    staff: DemoStaff,
    today: dt.date,
    exclusions: list[protocol.EligibilityCriterion],
) -> Patient:
    """Screen one patient on `screened_on`; randomize them when eligible and the day has come."""
    first_day = today - dt.timedelta(days=ACCRUAL_DAYS)
    open_sites = [s for s in SITES if (screened_on - first_day).days >= s.opened_after_days]
    site = sites[rng.choices(open_sites, weights=[s.weight for s in open_sites])[0].number]
    coordinator = staff.coordinators[site.number]
    consent_on = screened_on - dt.timedelta(days=rng.choice([0, 0, 1, 2]))
    age = rng.randint(19, 82)
    year_of_birth = consent_on.year - age - rng.choice([0, 1])
    age = consent_on.year - year_of_birth - rng.choice([0, 1])
    answers = {
        c.code: c.kind is protocol.CriterionKind.INCLUSION for c in protocol.ELIGIBILITY_CRITERIA
    }
    baseline = _baseline(rng, screened_on)
    if rng.random() < 0.18:  # a screen failure, with a reason drawn from the checklist
        failed = rng.choice([*exclusions, protocol.criterion("INC_SALVAGE")])
        answers[failed.code] = not answers[failed.code]
    patient = patient_screen(
        site=site,
        user=coordinator,
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
    # Older patients are mostly offered azacitidine rather than intensive chemotherapy.
    regimen = rng.choices(
        list(protocol.Regimen.values), weights=[45, 55] if age < 70 else [10, 90]
    )[0]
    randomized_at = randomization_time(rng, screened_on=screened_on, today=today)
    declined = rng.random() < 0.08  # eligible, but the patient chose not to take part
    if patient.screening.is_eligible and randomized_at is not None and not declined:
        patient_randomize(
            patient=patient, user=coordinator, regimen=regimen, randomized_at=randomized_at
        )
    return patient


class DemoPartlyLoaded(Exception):
    """Loading stopped after batches were committed: the database holds part of a trial."""


def demo_trial_seed(*, patients: int, seed: int) -> list[Patient]:
    """Create the demo trial up to today; refuse to run on a database that already holds sites.

    Written a few hundred patients per transaction (demo.batches), step after step. Raises
    DemoPartlyLoaded, saying what is in the database and how to start again, when a step fails
    after the first batch was committed; inside a caller's transaction nothing is committed.
    """
    if Site.objects.exists():
        raise RuntimeError("The database already holds a trial: demo data not loaded.")
    commits = not transaction.get_connection().in_atomic_block
    today = timezone.localdate()
    rng = random.Random(seed)
    step = "the sites and accounts"
    try:
        # Sites and accounts exist before any author does: the audit trail names the command.
        with transaction.atomic(), pghistory.context(system="seed_demo"):
            sites = {s.number: Site.objects.create(number=s.number, name=s.name) for s in SITES}
            staff = _accounts(sites)
        step = "the screening log"
        created = _screening_log(rng, patients=patients, sites=sites, staff=staff, today=today)
        step = "the prior therapy"
        demo_disease_history_seed(seed=seed, coordinators=staff.coordinators)
        step = "the clinical courses"
        demo_courses_seed(
            seed=seed, coordinators=staff.coordinators, reviewer=staff.data_manager, today=today
        )
        step = "the concomitant medications"
        demo_medications_seed(seed=seed, coordinators=staff.coordinators, today=today)
        step = "the MRD assessments and transplant events"
        demo_mrd_seed(seed=seed, coordinators=staff.coordinators)
        step = "the blood counts"
        demo_labs_seed(seed=seed, coordinators=staff.coordinators, today=today)
        step = "the specimens"
        demo_biology_seed(seed=seed, coordinators=staff.coordinators)
        step = "the data review"
        demo_review_seed(
            seed=seed,
            coordinators=staff.coordinators,
            data_manager=staff.data_manager,
            monitor=staff.monitor,
            today=today,
        )
    except Exception as exc:
        if commits and Site.objects.exists():
            raise DemoPartlyLoaded(_partly_loaded(step, exc)) from exc
        raise
    return created


def _partly_loaded(step: str, exc: Exception) -> str:
    screened = Patient.objects.count()
    randomized = Patient.objects.filter(randomization__isnull=False).count()
    return (
        f"Loading the demo trial stopped while writing {step}: {exc!r}. What was written "
        f"before is committed: this database holds part of a demo trial ({screened} patients "
        f"screened, {randomized} randomized), which seed_demo will not complete. To start "
        "again, empty the database with `python manage.py flush` (it erases every row of this "
        "database) and run seed_demo again."
    )
