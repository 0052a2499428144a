"""What the demo trial holds, entered through the services: medications, MRD and transplant
events, blood counts, biology.

One demo trial (60 patients, the default seed, loaded on 2 June 2025) serves every test of
this file: loaded once for the file and rolled back after it, instead of once per test (about
11 s each).
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

import protocol
from biology.eln import Risk
from biology.models import Specimen, SpecimenTimepoint
from biology.selectors import eln_risks
from demo.trial import DEFAULT_SEED, demo_trial_seed
from labs.derivations import NOT_REACHED, REACHED
from labs.models import BloodCount, Transfusion
from labs.selectors import lab_courses
from medications.models import ConcomitantMedication
from randomization.models import Randomization
from visits.models import MrdAssessment, PostTransplantEvent, Transplant

LOADED_AT = dt.datetime(2025, 6, 2, 8, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def demo_trial(django_db_setup, django_db_blocker):
    """The demo trial loaded on 2 June 2025, once for this file and rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        with time_machine.travel(LOADED_AT, tick=False):
            demo_trial_seed(patients=60, seed=DEFAULT_SEED)
        yield
        transaction.set_rollback(True)


@pytest.fixture
def on_the_load_day(demo_trial, db):
    """Today is the day the demo trial was loaded."""
    with time_machine.travel(LOADED_AT, tick=False):
        yield


def test_the_demo_patients_have_supportive_care_and_one_deviation(on_the_load_day):
    """Prophylaxis for the randomized patients, and one control-arm dexamethasone outside the
    protocol that shows the deviation it opens; none dated after today."""
    medications = ConcomitantMedication.objects.all()
    treated = set(medications.values_list("patient_id", flat=True))
    assert treated and treated <= set(Randomization.objects.values_list("patient", flat=True))
    assert medications.filter(atc_code="J02AC04").exists()  # posaconazole
    (with_deviation,) = medications.filter(deviation__isnull=False)
    assert with_deviation.patient.randomization.arm == "control"
    assert not medications.filter(started_on__gt=timezone.localdate()).exists()


def test_the_demo_responders_have_flow_mrd_both_negative_and_positive(on_the_load_day):
    """Negative and positive MRD by flow, at the protocol evaluation of responders, none dated
    after today; and events after the allo-HSCT (acute GVHD, DLI)."""
    flow = MrdAssessment.objects.filter(method=protocol.MrdMethod.FLOW)
    assert flow.filter(negative=True).exists()
    assert flow.filter(negative=False).exists()
    assert not MrdAssessment.objects.filter(assessed_on__gt=timezone.localdate()).exists()
    # What followed the transplants: GVHD and DLI, each linked to the first HSCT.
    assert Transplant.objects.exists()
    assert set(PostTransplantEvent.objects.values_list("after_hsct", flat=True)) == {1}
    assert PostTransplantEvent.objects.filter(kind=protocol.TransplantEventKind.ACUTE_GVHD).exists()


def test_the_demo_patients_have_counts_with_recoveries_reached_and_not(on_the_load_day):
    """Blood counts in their cycles' windows, with recoveries both reached and not reached,
    and platelet transfusions."""
    assert BloodCount.objects.exists() and Transfusion.objects.exists()
    assert not BloodCount.objects.filter(sampled_on__gt=timezone.localdate()).exists()
    statuses = {
        cycle.anc_0_5.status
        for course in lab_courses().values()
        for cycle in course.derived
        if cycle.days_anc_below_0_5
    }
    assert {REACHED, NOT_REACHED} <= statuses


def test_every_randomized_demo_patient_has_a_screening_specimen(demo_trial, db):
    """A screening specimen for every randomized patient, agreeing with the screening's
    mutation panel, with derived ELN risks of every group; a re-testing after an on-study
    relapse."""
    randomized = [r.patient for r in Randomization.objects.select_related("patient__screening")]
    screening = Specimen.objects.filter(timepoint=SpecimenTimepoint.SCREENING)
    assert sorted(screening.values_list("patient_id", flat=True)) == sorted(
        p.pk for p in randomized
    )
    for specimen in screening.select_related("patient__screening"):
        assert (specimen.npm1 == "detected") == (
            specimen.patient.screening.mutations.get("NPM1") == "detected"
        )
    # Each karyotype carries the patient's own sex chromosomes.
    for specimen in Specimen.objects.exclude(karyotype_iscn="").select_related("patient"):
        own, other = ("XX", "XY") if specimen.patient.sex == "F" else ("XY", "XX")
        assert own in specimen.karyotype_iscn and other not in specimen.karyotype_iscn
    derived = {risk.eln2022 for risk in eln_risks(randomized).values()}
    assert {Risk.FAVOURABLE, Risk.INTERMEDIATE, Risk.ADVERSE} <= derived
    assert Specimen.objects.filter(timepoint=SpecimenTimepoint.RELAPSE).exists()
