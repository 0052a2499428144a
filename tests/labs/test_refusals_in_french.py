"""A blood count's refusals in French for a French-speaking user, with the dates and the
cycle's number filled in (the pages show the services' words as they are)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from tests.labs.builders import record_count
from tests.labs.conftest import CYCLE_1_ON


def test_it_refuses_a_count_outside_its_cycles_window_in_french(induced_patient, coordinator):
    with translation.override("fr"), pytest.raises(ValidationError) as refused:
        record_count(
            induced_patient,
            coordinator,
            cycle_number=1,
            sampled_on=CYCLE_1_ON - dt.timedelta(days=1),
        )

    assert refused.value.message_dict["sampled_on"] == [
        "Le 05/03/2025 est hors de la fenêtre du cycle 1 (du 06/03/2025 au 14/04/2025)\u00a0: "
        "du début du cycle à la veille du début du cycle suivant (dernier cycle\u00a0: jusqu'à "
        "son jour 60)."
    ]


def test_it_refuses_a_cycle_not_recorded_in_french(induced_patient, coordinator):
    with translation.override("fr"), pytest.raises(ValidationError) as refused:
        record_count(induced_patient, coordinator, cycle_number=3, sampled_on=CYCLE_1_ON)

    assert refused.value.message_dict["cycle_number"] == [
        "Le cycle 3 n'est pas saisi pour ce patient (cycles saisis\u00a0: 1, 2). Saisissez "
        "d'abord le cycle."
    ]
