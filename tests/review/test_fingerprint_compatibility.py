"""A casebook's fingerprint does not change when the code that computes it is reorganised.

Verification marks and signatures store a fingerprint; if the same data gave another
fingerprint after an upgrade, every stored signature would read as broken. The casebook
below is built by hand, with fixed ids and values, so its fingerprint is one fixed number.

A deliberate change of what a fingerprint covers comes with a migration that re-stamps the
stored fingerprints, pinned here too: an SAE's review left out (review migration 0004) turns
the casebook's fingerprint of before into one fixed new number.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from accounts.models import Role, Site, User
from casebook.registry import site as declared_forms
from patients.models import CriterionAnswer, Patient, Screening
from randomization.models import Randomization, Stratum
from review.fingerprints import casebook_fingerprint, fingerprint, record_values
from review.models import Signature
from review.selectors import signature_state
from visits.models import (
    AdverseEvent,
    EndOfTreatment,
    FollowUpVisit,
    OffStudy,
    ResponseAssessment,
    Transplant,
    TreatmentCycle,
)

# Computed by the fingerprint code as it was before the casebook declarations (commit
# d8fb03f, review/fingerprints.py). It pins compatibility: never update it to make this
# test pass, since a different value means every stored signature would break.
CASEBOOK_FINGERPRINT = "aae6fae104f5dd10ee16cdf140ea1b4f1ded0d65429514d02bd254bc3f9a6129"
CYCLE_FINGERPRINT = "5331520113c679dd6f1e8e39f5de909f7fad6cd1ac866094655ac09b02eb35da"
# The same casebook once an SAE's review (sae_reviewed_at/by) was left out of fingerprints
# (issue 11): what the upgrade re-stamps CASEBOOK_FINGERPRINT to. Never update it either.
CASEBOOK_FINGERPRINT_WITHOUT_SAE_REVIEW = (
    "fe47db50b476c7d0d61d33a97d5c58e87376ee044f5f8f783b89aba133b7f3eb"
)
# The fingerprint computation before the SAE's review was left out: the adverse event's
# bookkeeping only.
BOOKKEEPING = ("id", "version", "created_at", "updated_at", "created_by")
SAE_REVIEW_LEFT_OUT = "0004_fingerprints_leave_out_sae_review"


@pytest.fixture
def casebook(db) -> Patient:
    """Patient 91-001: screened, randomized, two cycles, a response, a transplant, end of
    treatment, one follow-up visit done and one missed, two adverse events (one fatal)
    and death. Every id is fixed; rows are written directly, not through the services."""
    site = Site.objects.create(pk=9101, number=91, name="Fingerprint hospital")
    user = User.objects.create(pk=9101, username="fp_coord", role=Role.COORDINATOR)
    patient = Patient.objects.create(
        pk=9101,
        study_id="91-001",
        site=site,
        sequence=1,
        sex="F",
        year_of_birth=1958,
        created_by=user,
    )
    screening = Screening.objects.create(
        pk=9101,
        patient=patient,
        consent_on=dt.date(2025, 1, 6),
        screened_on=dt.date(2025, 1, 7),
        age_at_consent=66,
        diagnosis_on=dt.date(2023, 5, 2),
        disease_status="first_relapse",
        disease_status_on=dt.date(2024, 12, 20),
        ecog=1,
        wbc=Decimal("3.40"),
        marrow_blasts_pct=Decimal("28.5"),
        cytogenetic_risk="intermediate",
        eln_risk="intermediate",
        mutations={"FLT3-ITD": "detected", "NPM1": "not_detected"},
        prior_lines=1,
        prior_allo_hsct=False,
        outcome="eligible",
        note="Consent witnessed.",
    )
    CriterionAnswer.objects.create(
        pk=9102, screening=screening, code="I2", kind="inclusion", text="Age ≥ 18", answer=True
    )
    CriterionAnswer.objects.create(
        pk=9101, screening=screening, code="E1", kind="exclusion", text="APL", answer=False
    )
    stratum = Stratum.objects.create(pk=9101, key="fingerprint", levels={"regimen": "intensive"})
    Randomization.objects.create(
        pk=9101,
        patient=patient,
        regimen="intensive",
        stratum=stratum,
        stratum_levels={"regimen": "intensive", "site": "91", "disease_status": "relapsed"},
        sequence=1,
        method="blocks",
        arm="dex",
        randomized_at=dt.datetime(2025, 1, 8, 8, 30, tzinfo=dt.UTC),
        randomized_by=user,
    )
    common = {"patient": patient, "created_by": user}
    TreatmentCycle.objects.create(
        pk=9102,
        number=2,
        phase="consolidation",
        started_on=dt.date(2025, 2, 10),
        ended_on=dt.date(2025, 2, 14),
        cytarabine_mg_m2=Decimal("3000"),
        dexamethasone_given=True,
        dexamethasone_mg=Decimal("80"),
        delay_days=4,
        dose_reduced=True,
        modification_note="Neutropenia",
        **common,
    )
    TreatmentCycle.objects.create(
        pk=9101,
        number=1,
        phase="induction",
        started_on=dt.date(2025, 1, 9),
        ended_on=dt.date(2025, 1, 15),
        amsacrine_mg_m2=Decimal("450"),
        cytarabine_mg_m2=Decimal("6000"),
        dexamethasone_given=True,
        dexamethasone_mg=Decimal("160"),
        **common,
    )
    ResponseAssessment.objects.create(
        pk=9101,
        assessed_on=dt.date(2025, 2, 5),
        after_cycle=1,
        category="CR",
        marrow_blasts_pct=Decimal("2.0"),
        anc=Decimal("1.20"),
        platelets=Decimal("150.00"),
        mrd_negative=True,
        **common,
    )
    Transplant.objects.create(
        pk=9101,
        transplanted_on=dt.date(2025, 3, 20),
        donor_type="matched_unrelated",
        conditioning="ric",
        **common,
    )
    EndOfTreatment.objects.create(
        pk=9101, ended_on=dt.date(2025, 3, 19), reason="hsct", note="To HSCT", **common
    )
    FollowUpVisit.objects.create(
        pk=9101,
        month=3,
        target_on=dt.date(2025, 6, 19),
        window_opens_on=dt.date(2025, 6, 5),
        window_closes_on=dt.date(2025, 7, 3),
        performed_on=dt.date(2025, 6, 20),
        vital_status="alive",
        disease_status="remission",
        transplant_since_last=True,
        **common,
    )
    FollowUpVisit.objects.create(
        pk=9102,
        month=6,
        target_on=dt.date(2025, 9, 19),
        window_opens_on=dt.date(2025, 9, 5),
        window_closes_on=dt.date(2025, 10, 3),
        missed_reason="Admitted elsewhere",
        **common,
    )
    AdverseEvent.objects.create(
        pk=9101,
        term="Febrile neutropenia",
        grade=3,
        serious=True,
        onset_on=dt.date(2025, 1, 20),
        resolved_on=dt.date(2025, 1, 27),
        related_to_dexamethasone="unlikely",
        related_to_salvage="probable",
        action_taken="none",
        sae_reviewed_at=dt.datetime(2025, 1, 22, 14, 0, tzinfo=dt.UTC),
        sae_reviewed_by=user,
        **common,
    )
    fatal = AdverseEvent.objects.create(
        pk=9102,
        term="Other, specify",
        term_specified="GvHD of the gut",
        grade=5,
        serious=True,
        onset_on=dt.date(2025, 10, 1),
        related_to_dexamethasone="not_related",
        related_to_salvage="possible",
        **common,
    )
    OffStudy.objects.create(
        pk=9101,
        reason="death",
        event_on=dt.date(2025, 10, 12),
        death_cause="adverse_event",
        fatal_adverse_event=fatal,
        **common,
    )
    return patient


def test_a_casebook_keeps_the_fingerprint_it_had_before_the_forms_were_declared(
    casebook, monkeypatch
):
    # Counting an SAE's review again, as fingerprints did until issue 11.
    adverse_events = declared_forms.form("adverse-events")
    monkeypatch.setitem(
        declared_forms._forms,
        "adverse-events",
        dataclasses.replace(adverse_events, fingerprint_ignores=BOOKKEEPING),
    )

    assert casebook_fingerprint(casebook) == CASEBOOK_FINGERPRINT


def test_a_casebook_has_one_fixed_fingerprint_without_the_sae_review(casebook):
    assert casebook_fingerprint(casebook) == CASEBOOK_FINGERPRINT_WITHOUT_SAE_REVIEW


def test_a_casebook_signed_before_the_sae_review_was_left_out_stays_signed(casebook):
    signature = Signature.objects.create(
        pk=9101,
        patient=casebook,
        signed_by_id=9101,
        signer_name="fp_coord",
        fingerprint=CASEBOOK_FINGERPRINT,
    )
    migration = importlib.import_module(f"review.migrations.{SAE_REVIEW_LEFT_OUT}")
    loader = MigrationLoader(None, ignore_no_migrations=True)
    apps = loader.project_state(("review", SAE_REVIEW_LEFT_OUT)).apps

    migration.restamp(apps, SimpleNamespace(connection=connection))

    restamped = Signature.objects.get(pk=signature.pk).fingerprint
    assert restamped == CASEBOOK_FINGERPRINT_WITHOUT_SAE_REVIEW
    assert signature_state(casebook).valid


def test_a_verified_record_keeps_the_fingerprint_it_had_before(casebook):
    cycle = TreatmentCycle.objects.get(pk=9102)

    assert fingerprint(record_values(cycle)) == CYCLE_FINGERPRINT
    assert fingerprint(record_values(cycle, "delay_days")) == fingerprint({"delay_days": 4})


def test_a_field_added_to_a_form_counts_only_once_it_holds_a_value(casebook, monkeypatch):
    # As if cycles' modification note had been added after signatures were given.
    cycles = declared_forms.form("cycles")
    monkeypatch.setitem(
        declared_forms._forms,
        "cycles",
        dataclasses.replace(cycles, fingerprint_added_fields=("modification_note",)),
    )
    never_noted = TreatmentCycle.objects.get(pk=9101)
    noted = TreatmentCycle.objects.get(pk=9102)

    assert "modification_note" not in record_values(never_noted)
    assert record_values(noted)["modification_note"] == "Neutropenia"
