"""A concomitant medication's refusals in French for a French-speaking user, with the dates
filled in; the deviation it opens keeps its English description (stored)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from medications.services import concomitant_medication_record
from tests.medications.builders import medication_values


def test_it_refuses_a_start_in_the_future_in_french(control, coordinator):
    values = medication_values(started_on=dt.date(2025, 6, 3), stopped_on=None, ongoing=True)

    with translation.override("fr"), pytest.raises(ValidationError) as refused:
        concomitant_medication_record(patient=control, user=coordinator, values=values)

    assert refused.value.message_dict == {
        "started_on": ["Le 03/06/2025 est dans le futur (nous sommes le 02/06/2025)."]
    }
