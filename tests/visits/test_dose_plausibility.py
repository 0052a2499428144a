"""A cycle's doses against the regimen's plan (protocol/doses.py, visits/doses.py).

Outside its plausible range (visits/crfs.py) a dose is refused, the range named. Inside it
but further from the planned dose than the tolerance (TRIAL_DOSE_TOLERANCE_PERCENT, 10% by
default) it is saved, and the coordinator is warned at save time: in the page's message, in
the API answer's `warnings`. A reduction declared on the cycle is not warned of. Dexamethasone
recorded for a control-arm patient is warned of at once, besides the deviation recorded.

Planned per cycle: induction amsacrine 450 mg/m² and cytarabine 3000 mg/m²; consolidation
300 and 2000 mg/m²; azacitidine 525 mg/m² (75 mg/m²/day for 7 days); dexamethasone 160 mg.
Today is 2 June 2025; patients are randomized on 5 March 2025.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.utils import translation
from rest_framework.test import APIClient

import protocol
from patients.models import Patient
from protocol.doses import planned_dose
from tests.factories import screen_patient
from tests.visits.builders import cycle_values, follows_arm, randomize, record_cycle
from visits.models import ProtocolDeviation, TreatmentCycle
from visits.services import cycle_record, cycle_update

CYCLE_1 = (dt.date(2025, 3, 6), dt.date(2025, 3, 12))
CYCLE_2 = (dt.date(2025, 4, 10), dt.date(2025, 4, 14))

AMSACRINE_600 = (
    "Amsacrine: 600 mg/m² is 33.3% above the planned 450 mg/m² for an induction cycle "
    "(150 mg/m²/day, days 1-3; tolerance 10%). Saved: check the dose."
)
CONTROL_GIVEN_DEXAMETHASONE = (
    "Dexamethasone is recorded for a patient of the control arm (salvage therapy alone): a "
    "protocol deviation is recorded. Check the entry."
)


def _record(patient, user, *dates, **changes):
    values = cycle_values(patient.randomization, *dates, **changes)
    return cycle_record(patient=patient, user=user, values=values)


@pytest.fixture
def by_arm(site_a, coordinator, frozen_today) -> dict[str, Patient]:
    """One randomized intensive-chemotherapy patient in each arm."""
    patients: dict[str, Patient] = {}
    for _ in range(4):
        patient = screen_patient(site=site_a, user=coordinator)
        patients.setdefault(randomize(patient, coordinator).arm, patient)
        if len(patients) == 2:
            return patients
    pytest.fail("Permuted blocks of 2 or 4 gave four patients the same arm.")


def test_it_declares_the_planned_dose_of_every_drug_of_every_phase():
    for plan in protocol.REGIMEN_PLANS.values():
        phases = {plan.phase_of(number) for number in (1, 2)}
        for phase in phases:
            for drug in (*plan.drugs, protocol.Drug.DEXAMETHASONE):
                dose = planned_dose(phase, drug)
                assert dose is not None, (phase, drug)
                assert dose.total > 0


def test_it_saves_a_cycle_on_the_planned_doses_without_warning(ic_patient, coordinator):
    saved = _record(ic_patient, coordinator, *CYCLE_1)  # 450 + 3000 mg/m², dexamethasone per arm

    assert saved.warnings == ()
    assert saved.record.amsacrine_mg_m2 == Decimal("450")


def test_it_saves_a_dose_within_the_tolerance_without_warning(ic_patient, coordinator):
    saved = _record(ic_patient, coordinator, *CYCLE_1, amsacrine_mg_m2=Decimal("495"))  # +10%

    assert saved.warnings == ()


def test_it_saves_a_dose_off_the_planned_dose_and_warns_at_save_time(ic_patient, coordinator):
    saved = _record(ic_patient, coordinator, *CYCLE_1, amsacrine_mg_m2=Decimal("600"))

    assert saved.warnings == (AMSACRINE_600,)
    assert TreatmentCycle.objects.get().amsacrine_mg_m2 == Decimal("600")


def test_it_warns_in_french_with_the_plans_schedule_in_french(ic_patient, coordinator):
    with translation.override("fr"):
        saved = _record(ic_patient, coordinator, *CYCLE_1, amsacrine_mg_m2=Decimal("600"))

    (warning,) = saved.warnings
    assert "(150 mg/m²/jour, jours 1 à 3\u00a0; tolérance 10\u00a0%)" in warning


def test_it_warns_of_a_dose_below_the_plan_unless_the_reduction_is_declared(
    ic_patient, coordinator
):
    low = _record(ic_patient, coordinator, *CYCLE_1, cytarabine_mg_m2=Decimal("2250"))
    assert low.warnings == (
        "Cytarabine: 2250 mg/m² is 25% below the planned 3000 mg/m² for an induction cycle "
        "(1 g/m²/day, days 1-3; tolerance 10%). Saved: check the dose, or tick 'dose "
        "reduced' and say why.",
    )

    declared = cycle_update(
        cycle=low.record,
        user=coordinator,
        values={"dose_reduced": True, "modification_note": "Grade 3 sepsis: cytarabine -25%"},
        version=low.record.version,
        reason="Reduction not ticked",
    )
    assert declared.warnings == ()


def test_it_compares_a_consolidation_with_the_consolidation_dose(ic_patient, coordinator):
    record_cycle(ic_patient, coordinator, *CYCLE_1)

    consolidation = _record(
        ic_patient,
        coordinator,
        *CYCLE_2,
        amsacrine_mg_m2=Decimal("300"),
        cytarabine_mg_m2=Decimal("3000"),
    )

    assert consolidation.warnings == (
        "Cytarabine: 3000 mg/m² is 50% above the planned 2000 mg/m² for a consolidation cycle "
        "(1 g/m²/day, days 1-2; tolerance 10%). Saved: check the dose.",
    )


def test_it_compares_azacitidine_with_75_mg_per_m2_for_7_days(aza_patient, coordinator):
    assert _record(aza_patient, coordinator, *CYCLE_1).warnings == ()  # 525 mg/m²

    saved = _record(
        aza_patient,
        coordinator,
        dt.date(2025, 4, 3),
        dt.date(2025, 4, 9),
        azacitidine_mg_m2=Decimal("750"),
    )

    assert saved.warnings == (
        "Azacitidine: 750 mg/m² is 42.9% above the planned 525 mg/m² for an azacitidine cycle "
        "(75 mg/m²/day, days 1-7; tolerance 10%). Saved: check the dose.",
    )


def test_it_reads_the_tolerance_from_the_setting(ic_patient, coordinator, settings):
    settings.TRIAL_DOSE_TOLERANCE_PERCENT = 40

    saved = _record(ic_patient, coordinator, *CYCLE_1, amsacrine_mg_m2=Decimal("600"))

    assert saved.warnings == ()


def test_it_warns_of_a_dexamethasone_dose_off_the_plan_in_the_dexamethasone_arm(
    by_arm, coordinator
):
    dex = by_arm[protocol.Arm.DEX]

    saved = _record(dex, coordinator, *CYCLE_1, dexamethasone_mg=Decimal("200"))

    assert saved.warnings == (
        "Dexamethasone: 200 mg is 25% above the planned 160 mg for an induction cycle "
        "(40 mg/day, days 1-4; tolerance 10%). Saved: check the dose.",
    )


def test_it_warns_at_once_of_dexamethasone_given_to_a_control_patient(by_arm, coordinator):
    control = by_arm[protocol.Arm.CONTROL]

    saved = _record(
        control, coordinator, *CYCLE_1, dexamethasone_given=True, dexamethasone_mg=Decimal("160")
    )

    assert saved.warnings == (CONTROL_GIVEN_DEXAMETHASONE,)
    deviation = ProtocolDeviation.objects.get(cycle=saved.record)
    assert deviation.kind == ProtocolDeviation.Kind.DEX_GIVEN_TO_CONTROL


def test_it_warns_when_dexamethasone_is_missing_in_the_dexamethasone_arm(by_arm, coordinator):
    dex = by_arm[protocol.Arm.DEX]

    saved = _record(dex, coordinator, *CYCLE_1, dexamethasone_given=False, dexamethasone_mg=None)

    assert saved.warnings == (
        "Dexamethasone is not recorded as given, but the patient is in the dexamethasone arm: "
        "a protocol deviation is recorded. Check the entry.",
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "amsacrine_mg_m2",
            Decimal("5000"),
            "Amsacrine (mg/m², total): 5000 is outside the plausible range of 0 to 1500 mg/m². "
            "Check the value and its unit.",
        ),
        (
            "dexamethasone_mg",
            Decimal("2000"),
            "Dexamethasone (mg, total): 2000 is outside the plausible range of 0 to 1000 mg. "
            "Check the value and its unit.",
        ),
    ],
)
def test_it_still_refuses_a_dose_outside_its_plausible_range(
    ic_patient, coordinator, field, value, message
):
    with pytest.raises(ValidationError) as refused:
        _record(
            ic_patient,
            coordinator,
            *CYCLE_1,
            **{"dexamethasone_given": True, "dexamethasone_mg": Decimal("160"), field: value},
        )

    assert refused.value.message_dict == {field: [message]}
    assert not TreatmentCycle.objects.exists()


# --- At save time, on the page and through the API ---------------------------------------


def test_the_page_shows_the_warning_in_the_message_saying_the_cycle_is_recorded(
    client, ic_patient, coordinator
):
    dex = follows_arm(ic_patient.randomization)
    client.force_login(coordinator)

    page = client.post(
        f"/patients/{ic_patient.study_id}/cycles/new/",
        {
            "started_on": "2025-03-06",
            "ended_on": "2025-03-12",
            "amsacrine_mg_m2": "600",
            "cytarabine_mg_m2": "3000",
            "delay_days": "0",
            **(
                {"dexamethasone_given": "on", "dexamethasone_mg": "160"}
                if dex["dexamethasone_given"]
                else {}
            ),
        },
    )

    assert page.status_code == 302
    (message,) = get_messages(page.wsgi_request)
    assert (message.level_tag, str(message)) == (
        "warning",
        f"Treatment cycle recorded for {ic_patient.study_id}. Please check: {AMSACRINE_600}",
    )
    assert TreatmentCycle.objects.get().amsacrine_mg_m2 == Decimal("600")


def test_the_api_answers_201_with_the_warnings_and_200_for_a_correction(ic_patient, coordinator):
    api = APIClient()
    api.force_authenticate(coordinator)
    dex = follows_arm(ic_patient.randomization)
    body = {
        "started_on": "2025-03-06",
        "ended_on": "2025-03-12",
        "amsacrine_mg_m2": "600",
        "cytarabine_mg_m2": "3000",
        "dexamethasone_given": dex["dexamethasone_given"],
        "dexamethasone_mg": dex["dexamethasone_mg"] and str(dex["dexamethasone_mg"]),
    }

    created = api.post(f"/api/v1/patients/{ic_patient.study_id}/cycles/", body, format="json")

    assert created.status_code == 201, created.json()
    assert created.json()["warnings"] == [AMSACRINE_600]

    corrected = api.patch(
        f"/api/v1/patients/{ic_patient.study_id}/cycles/{created.json()['id']}/",
        {"amsacrine_mg_m2": "450", "version": 1, "reason": "600 was the daily dose x 4"},
        format="json",
    )

    assert corrected.status_code == 200, corrected.json()
    assert (corrected.json()["amsacrine_mg_m2"], corrected.json()["warnings"]) == ("450.00", [])
