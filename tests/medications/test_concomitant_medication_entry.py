"""A concomitant medication is coded (ATC), dated and checked before it is saved.

A listed drug brings its ATC code and category; "Other" is named and its ATC code unknown. It
stops on or after its start and is ongoing or stopped; a start before randomization is a
medication the patient was already taking, allowed; the future is not.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from audit.records import ReasonRequired, VersionConflict
from medications import drugs
from medications.models import ConcomitantMedication
from medications.services import concomitant_medication_record, concomitant_medication_update
from tests.medications.builders import medication_values


def _record(patient, user, **values):
    return concomitant_medication_record(
        patient=patient, user=user, values=medication_values(**values)
    ).record


def _refusal(patient, user, **values) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as refused:
        _record(patient, user, **values)
    assert not ConcomitantMedication.objects.filter(patient=patient).exists()
    return refused.value.message_dict


def _refusal_beside(patient, user, **values) -> dict[str, list[str]]:
    """The refusal of one more medication (those already recorded stay)."""
    with pytest.raises(ValidationError) as refused:
        _record(patient, user, **values)
    return refused.value.message_dict


def test_it_refuses_a_stop_before_the_start_and_takes_a_one_day_course(control, coordinator):
    errors = _refusal(
        control, coordinator, started_on=dt.date(2025, 3, 10), stopped_on=dt.date(2025, 3, 9)
    )
    assert errors == {"stopped_on": ["Cannot precede the start (10/03/2025)."]}

    one_day = _record(
        control, coordinator, started_on=dt.date(2025, 3, 10), stopped_on=dt.date(2025, 3, 10)
    )
    assert one_day.stopped_on == one_day.started_on


def test_a_listed_drug_carries_its_atc_code_and_keeps_its_category(control, coordinator):
    medication = _record(control, coordinator, drug="filgrastim", category=drugs.Category.GCSF)
    assert (medication.atc_code, medication.drug_name) == ("L03AA02", "Filgrastim")

    assert _refusal_beside(control, coordinator, category=drugs.Category.GCSF) == {
        "category": ["Posaconazole (J02AC04) is coded as 'Anti-infective prophylaxis'."]
    }


def test_a_drug_not_in_the_list_is_named_and_its_atc_code_unknown(control, coordinator):
    assert _refusal(control, coordinator, drug=drugs.OTHER_DRUG) == {
        "drug_other": ["Name the drug (its INN)."]
    }

    medication = _record(control, coordinator, drug=drugs.OTHER_DRUG, drug_other="Isavuconazole")
    assert (medication.atc_code, medication.drug_name) == ("", "Isavuconazole")


def test_a_medication_is_either_ongoing_or_stopped(control, coordinator):
    assert _refusal(control, coordinator, stopped_on=None) == {
        "stopped_on": ["Give the stop date, or mark the medication ongoing."]
    }
    assert _refusal(control, coordinator, ongoing=True) == {
        "stopped_on": ["An ongoing medication has no stop date yet."]
    }
    assert _record(control, coordinator, stopped_on=None, ongoing=True).ongoing


def test_a_start_before_randomization_is_allowed_not_one_in_the_future(control, coordinator):
    assert _record(control, coordinator, started_on=dt.date(2025, 2, 1)).started_on == dt.date(
        2025, 2, 1
    )
    ConcomitantMedication.objects.filter(patient=control).delete()

    errors = _refusal(
        control, coordinator, started_on=dt.date(2025, 6, 3), stopped_on=None, ongoing=True
    )
    assert errors == {"started_on": ["03/06/2025 is in the future (today is 02/06/2025)."]}


def test_a_correction_needs_a_reason_and_the_version_read(control, coordinator):
    medication = _record(control, coordinator)

    with pytest.raises(ReasonRequired):
        concomitant_medication_update(
            medication=medication, user=coordinator, values={"dose": "200"}, version=1, reason=""
        )
    concomitant_medication_update(
        medication=medication, user=coordinator, values={"dose": "200"}, version=1, reason="Typo"
    )
    with pytest.raises(VersionConflict):
        concomitant_medication_update(
            medication=medication, user=coordinator, values={"dose": "250"}, version=1, reason="X"
        )
    medication.refresh_from_db()
    assert (str(medication.dose), medication.version) == ("200.000", 2)
