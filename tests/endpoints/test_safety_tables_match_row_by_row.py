"""The safety tables counted by PostgreSQL (endpoints.safety_counts) are those the previous code
counted in Python, event by event (tests/endpoints/safety_before.py): every figure, row and
order, the listing and the control-arm patients given dexamethasone.

Compared on a demo trial of 60 patients (both arms, several sites, cycles open and closed,
ends of treatment of every kind, deaths, serious and non-serious events of every grade and
relatedness, several per patient, some after the TEAE window) with, added on top, events
that only the rules of one row tell apart: "Other, specify" terms written with other cases
and spaces (one row), a specified term that is a term of special interest, a drug withdrawn
for a patient whose treatment also ended for toxicity, and two left by a fix in SQL (a
specification of spaces only, a term no longer offered). At cut-offs across the trial, for
a reader by arm, a pooled one, a site-bound one and pharmacovigilance.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

import protocol
from accounts.models import User
from accounts.permissions import user_can_view_sponsor_safety
from demo.trial import DEFAULT_SEED, demo_trial_seed
from endpoints.safety_tables import safety_tables
from patients.models import Patient
from tests.endpoints import safety_before as before
from tests.endpoints.safety_trial import adverse_event
from tests.visits.builders import dexamethasone_relatedness, record_end_of_treatment
from visits.models import AdverseEvent, TreatmentCycle

LOADED_AT = dt.datetime(2026, 3, 16, 9, 30, tzinfo=dt.UTC)
R = protocol.Relatedness
OTHER = "Other, specify"


def _treated_alive() -> list[Patient]:
    """The demo's patients with a cycle, not off study, in study-ID order."""
    return list(
        Patient.objects.filter(cycles__isnull=False, off_study__isnull=True)
        .distinct()
        .order_by("site__number", "sequence")
    )


def _first_dose(patient: Patient) -> dt.date:
    return TreatmentCycle.objects.filter(patient=patient).order_by("started_on")[0].started_on


def _add_edge_events(user: User) -> None:
    patients = _treated_alive()
    assert len(patients) >= 6
    specified = [
        "Pneumocystis pneumonia",
        "pneumocystis PNEUMONIA ",
        "  Pneumocystis pneumonia",
        "Straße-Syndrom",
        "STRASSE-SYNDROM",
        "Insomnia",
        "upper gastrointestinal hemorrhage",
    ]
    for i, text in enumerate(specified):
        patient = patients[i % 4]
        onset = _first_dose(patient) + dt.timedelta(days=2 + i)
        adverse_event(
            patient,
            user,
            onset,
            OTHER,
            2 + i % 3,
            dex=dexamethasone_relatedness(patient, onset),
            salvage=R.POSSIBLE,
            serious=i % 2 == 0,
            specified=text,
        )
    # The same patient twice in one row, under two spellings.
    onset = _first_dose(patients[0]) + dt.timedelta(days=1)
    adverse_event(
        patients[0],
        user,
        onset,
        OTHER,
        4,
        dex=dexamethasone_relatedness(patients[0], onset),
        specified="PNEUMOCYSTIS pneumonia",
    )
    # A drug withdrawn, and the treatment ended for toxicity, for one patient: counted once.
    toxic = patients[4]
    onset = _first_dose(toxic) + dt.timedelta(days=3)
    adverse_event(
        toxic,
        user,
        onset,
        "Sepsis",
        3,
        dex=dexamethasone_relatedness(toxic, onset),
        serious=True,
        action=protocol.ActionTaken.WITHDRAWN,
    )
    if not hasattr(toxic, "end_of_treatment"):
        record_end_of_treatment(
            toxic, user, onset + dt.timedelta(days=5), protocol.EndOfTreatmentReason.TOXICITY
        )
    # Left by a fix in SQL, past the services' checks: the rules still read them.
    odd = patients[5]
    onset = _first_dose(odd) + dt.timedelta(days=4)
    dex = dexamethasone_relatedness(odd, onset)
    blank = adverse_event(odd, user, onset, OTHER, 1, dex=dex, specified="x")
    retired = adverse_event(odd, user, onset, "Nausea", 2, dex=dex)
    AdverseEvent.objects.filter(pk=blank.pk).update(term_specified=" \t ")
    AdverseEvent.objects.filter(pk=retired.pk).update(term="Nausea (retired wording)")


@pytest.fixture(scope="module")
def demo_trial(django_db_setup, django_db_blocker):
    """A demo trial of 60 patients and the edge events, loaded once for this file and rolled
    back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        with time_machine.travel(LOADED_AT, tick=False):
            demo_trial_seed(patients=60, seed=DEFAULT_SEED)
            _add_edge_events(User.objects.get(username="coord01"))
        yield
        transaction.set_rollback(True)


def _cutoffs() -> list[dt.date]:
    """The day before the first dose, days across the trial, and the load's day."""
    days = sorted(TreatmentCycle.objects.values_list("started_on", flat=True))
    picked = [days[0] - dt.timedelta(days=1), *days[:: max(1, len(days) // 5)], days[-1]]
    return [*picked, timezone.localtime(LOADED_AT).date()]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("username", "by_arm"),
    [("stat", True), ("stat", False), ("sponsor", False), ("coord01", False), ("dmc", True)],
)
def test_every_figure_is_the_one_counted_event_by_event(demo_trial, username, by_arm):
    user = User.objects.get(username=username)
    shows_susar = user_can_view_sponsor_safety(user)

    for cutoff in _cutoffs():
        counted = safety_tables(user=user, cutoff=cutoff, by_arm=by_arm)
        expected = before.safety_tables(
            user=user, cutoff=cutoff, by_arm=by_arm, shows_susar=shows_susar
        )
        assert counted.groups == expected.groups, cutoff
        assert counted.summary == expected.summary, cutoff
        assert counted.worst_grade == expected.worst_grade, cutoff
        assert counted.incidence == expected.incidence, cutoff
        assert counted.special_interest == expected.special_interest, cutoff
        assert counted.rates == expected.rates, cutoff
        assert counted.listing == expected.listing, cutoff
        assert counted == expected, cutoff


@pytest.mark.django_db
def test_the_comparison_sees_the_rows_that_tell_the_rules_apart(demo_trial):
    """The trial has what the rules must tell apart, so the comparison above means something."""
    loaded_on = timezone.localtime(LOADED_AT).date()
    tables = safety_tables(user=User.objects.get(username="stat"), cutoff=loaded_on)
    terms = [r.preferred_term for r in tables.incidence]
    folded = [t.casefold() for t in terms]
    assert folded.count("pneumocystis pneumonia") == 1  # five spellings, one row
    assert "PNEUMOCYSTIS pneumonia" in terms  # spelled as the first in code-point order
    assert folded.count("strasse-syndrom") == 1
    assert "Nausea (retired wording)" in terms and OTHER in terms
    interest = {r.code: r.patients[-1].n for r in tables.special_interest}
    assert interest["PSYCH"] and interest["GIBLEED"] and interest["INFECT"]
    summary = {r.code: r.counts[-1].n for r in tables.summary}
    assert summary["TEAEWD"] and summary["EOTTOX"]
    assert summary["TEAEDISC"] < summary["TEAEWD"] + summary["EOTTOX"]  # one counted once
    assert {g.code for g in tables.groups} == {"dex", "control", "total"}
    assert all(g.n for g in tables.groups)
