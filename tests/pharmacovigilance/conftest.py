"""A randomized patient on intensive salvage (amsacrine + cytarabine, dexamethasone as the arm
says), an SAE submitted by the site's investigator, and the sponsor's pharmacovigilance.
Today is 2 June 2025, 10:00 UTC (12:00 in Paris)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import RequestFactory

import protocol
from accounts.models import Role
from pharmacovigilance.classification import Expectedness, SponsorCausality
from pharmacovigilance.selectors import latest_submitted_version, suspect_drugs_of
from pharmacovigilance.services import DrugOpinion
from protocol.safety import SaeCausality, SaeOutcome
from safety.models import SaeReport, SaeReportVersion
from safety.selectors import suspect_drugs_given
from safety.services import sae_draft_save, sae_submit
from tests.factories import PASSWORD, UserFactory
from tests.pharmacovigilance.seeds import (
    notification_rules_ensure,
    reference_safety_information_ensure,
)
from tests.visits.builders import randomize, record_adverse_event, record_cycle

CYCLE_1_ON = dt.date(2025, 3, 6)
ONSET_ON = dt.date(2025, 5, 30)
# Not listed by any of the four RSIs seeded (migration 0002): unexpected for every drug.
UNEXPECTED_TERM = "Pneumonitis"
# Listed by every RSI (its class, infections, is expected for all four drugs): expected.
EXPECTED_TERM = "Sepsis"


@pytest.fixture(autouse=True)
def _seeded(request):
    """The RSI and the notification rules the migrations seed, even after a flush."""
    if "db" in request.fixturenames:
        request.getfixturevalue("db")
        reference_safety_information_ensure()
        notification_rules_ensure()


@pytest.fixture
def pharmacovigilance(db):
    return UserFactory(username="pv", role=Role.PHARMACOVIGILANCE)


@pytest.fixture
def ic_patient(patient_a, coordinator):
    """patient_a, randomized on 5 March 2025 with intensive salvage; cycle 1 from 6 March."""
    randomize(patient_a, coordinator, protocol.Regimen.INTENSIVE)
    record_cycle(patient_a, coordinator, CYCLE_1_ON, dt.date(2025, 3, 12))
    return patient_a


def submit_sae(
    patient,
    coordinator,
    investigator,
    *,
    term: str = UNEXPECTED_TERM,
    causality: str = SaeCausality.POSSIBLE,
    **criteria: Any,
) -> SaeReport:
    """Record a grade 3 serious event and submit its initial report, every drug the patient
    received judged `causality`; hospitalisation unless other criteria are given."""
    event = record_adverse_event(patient, coordinator, ONSET_ON, term=term, grade=3)
    report = SaeReport.objects.get(adverse_event=event)
    given = suspect_drugs_given(patient, by=ONSET_ON)
    values: dict[str, Any] = {
        "hospitalisation": not criteria,
        **criteria,
        "narrative": "Dyspnoea and bilateral infiltrates on day 12 of cycle 1.",
        "relevant_tests": "CT chest: bilateral ground-glass opacities.",
        "outcome": SaeOutcome.RECOVERING,
        **{
            f"{drug.value}_causality": causality if drug in given else SaeCausality.NOT_GIVEN
            for drug in protocol.Drug
        },
    }
    draft = report.versions.get(status=SaeReportVersion.Status.DRAFT)
    draft = sae_draft_save(draft=draft, user=investigator, values=values, version=draft.version)
    sae_submit(
        draft=draft,
        user=investigator,
        password=PASSWORD,
        version=draft.version,
        request=RequestFactory().post("/"),
    )
    report.refresh_from_db()
    return report


@pytest.fixture
def sae(ic_patient, coordinator, investigator) -> SaeReport:
    """A serious grade 3 pneumonitis, possibly related to every drug given, submitted today."""
    return submit_sae(ic_patient, coordinator, investigator)


def opinions(
    report: SaeReport,
    causality: str = SponsorCausality.RELATED,
    expectedness: str = "",
    **per_drug: dict[str, str],
) -> list[DrugOpinion]:
    """The same opinion for every suspect drug of the report, unless `per_drug` says more."""
    version = latest_submitted_version(report)
    assert version is not None
    return [
        DrugOpinion(
            **{
                "drug": drug,
                "sponsor_causality": causality,
                "expectedness": expectedness,
                **per_drug.get(drug, {}),
            }
        )
        for drug in suspect_drugs_of(version)
    ]


__all__ = ["Expectedness"]
