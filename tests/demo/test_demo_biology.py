"""The demo trial holds biology entered through the service: a screening specimen for every
randomized patient, agreeing with the screening's mutation panel, with derived ELN risks of
every group; a re-testing after an on-study relapse."""

from __future__ import annotations

import datetime as dt

import time_machine

from biology.eln import Risk
from biology.models import Specimen, SpecimenTimepoint
from biology.selectors import eln_risks
from demo.trial import DEFAULT_SEED, demo_trial_seed
from randomization.models import Randomization


def test_every_randomized_demo_patient_has_a_screening_specimen(db):
    with time_machine.travel(dt.datetime(2025, 6, 2, 8, 0, tzinfo=dt.UTC), tick=False):
        demo_trial_seed(patients=60, seed=DEFAULT_SEED)

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
