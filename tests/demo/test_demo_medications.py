"""The demo trial holds concomitant medications entered through the service: prophylaxis for
the randomized patients, and one control-arm dexamethasone outside the protocol that shows
the deviation it opens; none dated after today."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.utils import timezone

from demo.trial import DEFAULT_SEED, demo_trial_seed
from medications.models import ConcomitantMedication
from randomization.models import Randomization


def test_the_demo_patients_have_supportive_care_and_one_deviation(db):
    with time_machine.travel(dt.datetime(2025, 6, 2, 8, 0, tzinfo=dt.UTC), tick=False):
        demo_trial_seed(patients=60, seed=DEFAULT_SEED)

        medications = ConcomitantMedication.objects.all()
        treated = set(medications.values_list("patient_id", flat=True))
        assert treated and treated <= set(Randomization.objects.values_list("patient", flat=True))
        assert medications.filter(atc_code="J02AC04").exists()  # posaconazole
        (with_deviation,) = medications.filter(deviation__isnull=False)
        assert with_deviation.patient.randomization.arm == "control"
        assert not medications.filter(started_on__gt=timezone.localdate()).exists()
