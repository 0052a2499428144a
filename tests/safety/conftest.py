"""A randomized patient with a cycle of salvage, and the serious event that opens an SAE
report (today is 2 June 2025, 10:00 UTC, 12:00 in Paris)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

import protocol
from accounts.models import Role
from notices.services import notification_rules_seed
from patients.models import Patient
from protocol.safety import SaeCausality, SaeOutcome
from safety.models import SaeReport, SaeReportVersion
from safety.selectors import suspect_drugs_given
from safety.services import sae_draft_save, sae_submit
from tests.factories import PASSWORD, UserFactory
from tests.visits.builders import randomize, record_adverse_event, record_cycle

CYCLE_1_ON = dt.date(2025, 3, 6)
ONSET_ON = dt.date(2025, 5, 30)


@pytest.fixture(autouse=True)
def _default_notification_rules(db):
    """The default rules (who hears of an SAE) as migrated: a transactional test (a browser
    test) empties the tables, migrated rows included."""
    notification_rules_seed()


@pytest.fixture
def ic_patient(patient_a, coordinator):
    """patient_a, randomized on 5 March 2025 with intensive salvage; cycle 1 from 6 March."""
    randomize(patient_a, coordinator, protocol.Regimen.INTENSIVE)
    record_cycle(patient_a, coordinator, CYCLE_1_ON, dt.date(2025, 3, 12))
    return patient_a


@pytest.fixture
def sae(ic_patient, coordinator) -> SaeReport:
    """A grade 3 serious sepsis from 30 May, recorded today: its SAE report is open."""
    event = record_adverse_event(ic_patient, coordinator, ONSET_ON)
    return SaeReport.objects.get(adverse_event=event)


@pytest.fixture
def pharmacovigilance(db):
    return UserFactory(username="pv", role=Role.PHARMACOVIGILANCE)


@pytest.fixture
def investigator_b(site_b):
    return UserFactory(username="inv_b", role=Role.INVESTIGATOR, sites=[site_b])


def draft_of(report: SaeReport) -> SaeReportVersion:
    return report.versions.get(status=SaeReportVersion.Status.DRAFT)


def complete_values(patient: Patient, **overrides: Any) -> dict[str, Any]:
    """A report the investigator may submit: hospitalisation, a narrative, an outcome, and a
    causality for each suspect drug (judged 'possible' if given by the onset)."""
    given = suspect_drugs_given(patient, by=ONSET_ON)
    values: dict[str, Any] = {
        "hospitalisation": True,
        "narrative": "Febrile neutropenia on day 12 of cycle 1, blood cultures positive.",
        "relevant_tests": "Blood cultures: E. coli. CRP 240 mg/L.",
        "outcome": SaeOutcome.RECOVERING,
        **{
            f"{drug.value}_causality": (
                SaeCausality.POSSIBLE if drug in given else SaeCausality.NOT_GIVEN
            )
            for drug in protocol.Drug
        },
    }
    values.update(overrides)
    return values


@pytest.fixture
def signing_request(rf):
    """The request a submission is posted with: authenticate() and the lockout need one."""
    return rf.post("/safety/sae/1/versions/0/submit/")


def submit(report: SaeReport, user, request, password: str = PASSWORD) -> SaeReportVersion:
    draft = draft_of(report)
    return sae_submit(
        draft=draft, user=user, password=password, version=draft.version, request=request
    )


def complete(report: SaeReport, user) -> SaeReportVersion:
    draft = draft_of(report)
    return sae_draft_save(
        draft=draft, user=user, values=complete_values(report.patient), version=draft.version
    )


@pytest.fixture
def monitor_a(site_a):
    return UserFactory(username="mon_a", role=Role.MONITOR, sites=[site_a])
