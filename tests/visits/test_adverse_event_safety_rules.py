"""Safety rules of the adverse-event form (PROTOCOL.md, Safety; CTCAE v5.0).

- Grade 5 is a death, and a death is always serious: the event named by the death record
  becomes grade 5 and serious (awaiting its SAE review), and stays serious.
- A term takes only the grades CTCAE v5.0 defines for it: febrile neutropenia starts at 3,
  nausea stops at 3, a laboratory value has no grade 5, "Death NOS" is grade 5 only.
- Relatedness to dexamethasone is "not applicable" for a control-arm patient who received
  none before the onset, and then it is required; everyone else's is judged.
- An event is treatment-emergent (TEAE) when its onset lies between the first study dose
  (start of cycle 1) and 30 days (a setting) after the last (end of the last cycle); the flag
  is derived, never typed, and shown on the timeline, in the API and in the export.

Today is 2 June 2025; patients are randomized on 5 March 2025.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

import protocol
from patients.models import Patient
from tests.factories import screen_patient
from tests.visits.builders import (
    adverse_event_values,
    death_values,
    randomize,
    record_adverse_event,
    record_cycle,
)
from visits import crfs, ctcae
from visits.models import AdverseEvent
from visits.services import (
    adverse_event_record,
    adverse_event_update,
    off_study_record,
    off_study_update,
)

R = protocol.Relatedness
CYCLE_1 = (dt.date(2025, 3, 6), dt.date(2025, 3, 12))
DIED_ON = dt.date(2025, 4, 20)


def _refused(call) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as refused:
        call()
    return refused.value.message_dict


def _record(patient, user, onset_on, **values) -> AdverseEvent:
    return adverse_event_record(
        patient=patient, user=user, values=adverse_event_values(onset_on, patient, **values)
    )


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


# --- Grade 5 is always serious ---------------------------------------------------------


def test_it_makes_the_event_named_by_a_death_serious_as_well_as_grade_5(ic_patient, coordinator):
    infection = record_adverse_event(
        ic_patient, coordinator, dt.date(2025, 4, 15), term="Lung infection", grade=3, serious=False
    )

    off_study_record(
        patient=ic_patient,
        user=coordinator,
        fatal_adverse_event=infection,
        values=death_values(DIED_ON, protocol.DeathCause.ADVERSE_EVENT),
    )

    infection.refresh_from_db()
    assert (infection.grade, infection.serious) == (protocol.FATAL_GRADE, True)
    assert infection.sae_reviewed_at is None  # a new SAE: it awaits its review


def test_it_refuses_to_mark_a_grade_5_event_non_serious(ic_patient, coordinator):
    sepsis = record_adverse_event(ic_patient, coordinator, dt.date(2025, 4, 15), grade=4)
    off_study_record(
        patient=ic_patient,
        user=coordinator,
        fatal_adverse_event=sepsis,
        values=death_values(DIED_ON, protocol.DeathCause.ADVERSE_EVENT),
    )
    sepsis.refresh_from_db()

    errors = _refused(
        lambda: adverse_event_update(
            event=sepsis,
            user=coordinator,
            values={"serious": False},
            version=sepsis.version,
            reason="Not an SAE",
        )
    )

    assert errors == {
        "serious": ["A grade 5 event (a death) is always serious (SAE): keep it marked serious."]
    }
    sepsis.refresh_from_db()
    assert sepsis.serious


# --- CTCAE v5.0 grades per term --------------------------------------------------------


@pytest.mark.parametrize(
    ("term", "grade", "grades"),
    [
        ("Febrile neutropenia", 2, "grades 3 to 5"),
        ("Sepsis", 1, "grades 3 to 5"),
        ("Nausea", 4, "grades 1 to 3"),
        ("Cushingoid", 4, "grades 1 to 3"),
        ("Acute kidney injury", 2, "grades 3 to 5"),
        ("Respiratory failure", 3, "grades 4 to 5"),
    ],
)
def test_it_refuses_a_grade_ctcae_does_not_define_for_the_term(
    ic_patient, coordinator, term, grade, grades
):
    errors = _refused(lambda: _record(ic_patient, coordinator, CYCLE_1[0], term=term, grade=grade))

    assert errors == {
        "grade": [
            f"'{term}' has {grades} in CTCAE v5.0: grade {grade} does not exist for it. "
            "Check the grade, or the term."
        ]
    }
    assert not AdverseEvent.objects.exists()


@pytest.mark.parametrize(
    ("term", "grade"),
    [("Febrile neutropenia", 3), ("Nausea", 1), ("Neutrophil count decreased", 4)],
)
def test_it_takes_a_grade_ctcae_defines_for_the_term(ic_patient, coordinator, term, grade):
    event = _record(ic_patient, coordinator, CYCLE_1[0], term=term, grade=grade)

    assert (event.term, event.grade) == (term, grade)


@pytest.mark.parametrize("grade", [1, 4])
def test_it_refuses_death_nos_as_an_adverse_event_below_grade_5(ic_patient, coordinator, grade):
    errors = _refused(
        lambda: _record(ic_patient, coordinator, CYCLE_1[0], term="Death NOS", grade=grade)
    )

    assert errors == {
        "term": [
            "'Death NOS' has grade 5 only in CTCAE v5.0: a death whose cause is not known is "
            "recorded on the off-study form (death, cause unknown), not as an adverse event."
        ]
    }


def test_it_leaves_the_grade_of_other_specify_to_the_coder(ic_patient, coordinator):
    event = _record(
        ic_patient,
        coordinator,
        CYCLE_1[0],
        term=ctcae.OTHER_SPECIFY,
        term_specified="Hiccups",
        grade=1,
    )

    assert event.grade == 1


def test_it_declares_each_terms_grades_as_one_run_within_1_to_5():
    for term in ctcae.CTCAE_TERMS:
        low, high = term.grades[0], term.grades[-1]
        assert term.grades == tuple(range(low, high + 1)), term.name
        assert 1 <= low <= high <= protocol.FATAL_GRADE, term.name
    assert ctcae.allowed_grades("Death NOS") == (5,)
    assert ctcae.allowed_grades("Platelet count decreased") == (1, 2, 3, 4)


def test_it_refuses_a_death_attributed_to_an_event_without_a_grade_5(ic_patient, coordinator):
    nausea = record_adverse_event(
        ic_patient, coordinator, dt.date(2025, 4, 15), term="Nausea", grade=3, serious=False
    )

    errors = _refused(
        lambda: off_study_record(
            patient=ic_patient,
            user=coordinator,
            fatal_adverse_event=nausea,
            values=death_values(DIED_ON, protocol.DeathCause.ADVERSE_EVENT),
        )
    )

    assert errors == {
        "fatal_adverse_event": [
            "'Nausea' has grades 1 to 3 in CTCAE v5.0, no grade 5: name the event that caused "
            "the death (record it first if needed)."
        ]
    }
    nausea.refresh_from_db()
    assert nausea.grade == 3


def test_it_refuses_regrading_a_formerly_fatal_event_to_a_grade_ctcae_does_not_define(
    ic_patient, coordinator
):
    sepsis = record_adverse_event(ic_patient, coordinator, dt.date(2025, 4, 15), grade=4)
    off = off_study_record(
        patient=ic_patient,
        user=coordinator,
        fatal_adverse_event=sepsis,
        values=death_values(DIED_ON, protocol.DeathCause.ADVERSE_EVENT),
    )

    errors = _refused(
        lambda: off_study_update(
            off_study=off,
            user=coordinator,
            values={"death_cause": protocol.DeathCause.LEUKAEMIA},
            version=off.version,
            reason="Death from progressive leukaemia",
            fatal_adverse_event=None,
            previous_fatal_event_grade=2,
        )
    )

    assert errors == {
        "previous_fatal_event_grade": [
            "'Sepsis' has grades 3 to 5 in CTCAE v5.0: grade 2 does not exist for it. "
            "Check the grade, or the term."
        ]
    }
    sepsis.refresh_from_db()
    assert sepsis.grade == protocol.FATAL_GRADE


# --- Relatedness to dexamethasone ------------------------------------------------------


def test_it_requires_not_applicable_for_a_control_patient_who_received_no_dexamethasone(
    by_arm, coordinator
):
    control = by_arm[protocol.Arm.CONTROL]
    record_cycle(control, coordinator, *CYCLE_1)  # salvage therapy alone

    errors = _refused(
        lambda: _record(
            control, coordinator, dt.date(2025, 3, 20), related_to_dexamethasone=R.PROBABLE
        )
    )
    assert errors == {
        "related_to_dexamethasone": [
            "The patient is in the control arm and received no dexamethasone before the "
            "onset: relatedness to dexamethasone is 'not applicable'."
        ]
    }

    event = _record(
        control, coordinator, dt.date(2025, 3, 20), related_to_dexamethasone=R.NOT_APPLICABLE
    )
    assert event.get_related_to_dexamethasone_display() == (
        "Not applicable (no dexamethasone received)"
    )


def test_it_refuses_not_applicable_in_the_dexamethasone_arm(by_arm, coordinator):
    dex = by_arm[protocol.Arm.DEX]

    errors = _refused(
        lambda: _record(
            dex, coordinator, dt.date(2025, 3, 20), related_to_dexamethasone=R.NOT_APPLICABLE
        )
    )

    assert errors == {
        "related_to_dexamethasone": [
            "The patient is in the dexamethasone arm: say how related the event is to "
            "dexamethasone ('not applicable' is for a control-arm patient who received none)."
        ]
    }


def test_it_requires_a_judgement_for_a_control_patient_given_dexamethasone_before_the_onset(
    by_arm, coordinator
):
    control = by_arm[protocol.Arm.CONTROL]
    # A protocol deviation, recorded as such; the event after it is judged all the same.
    record_cycle(control, coordinator, *CYCLE_1, dexamethasone_given=True, dexamethasone_mg=160)

    errors = _refused(
        lambda: _record(
            control, coordinator, dt.date(2025, 3, 20), related_to_dexamethasone=R.NOT_APPLICABLE
        )
    )
    assert errors == {
        "related_to_dexamethasone": [
            "This control-arm patient received dexamethasone in cycle 1 (started 06/03/2025; "
            "a protocol deviation) before the onset: say how related the event is to it."
        ]
    }

    before = _record(
        control, coordinator, dt.date(2025, 3, 5), related_to_dexamethasone=R.NOT_APPLICABLE
    )
    assert before.related_to_dexamethasone == R.NOT_APPLICABLE  # the onset preceded the dose


def test_it_always_judges_relatedness_to_salvage_therapy(ic_patient, coordinator):
    errors = _refused(
        lambda: _record(ic_patient, coordinator, CYCLE_1[0], related_to_salvage="not_applicable")
    )

    assert errors == {
        "related_to_salvage": ["Value 'not_applicable' is not a valid choice."],
    }


# --- Treatment-emergent adverse events -------------------------------------------------


def _teae(event: AdverseEvent) -> bool:
    return (
        crfs.ADVERSE_EVENT.with_computed(AdverseEvent.objects).get(pk=event.pk).treatment_emergent
    )


@pytest.mark.parametrize(
    ("onset_on", "emergent"),
    [
        (dt.date(2025, 3, 5), False),  # the day of randomization, before the first dose
        (dt.date(2025, 3, 6), True),  # the first dose
        (dt.date(2025, 4, 11), True),  # 30 days after the last dose (12 March)
        (dt.date(2025, 4, 12), False),  # 31 days after
    ],
)
def test_it_flags_an_event_from_the_first_dose_to_30_days_after_the_last_as_treatment_emergent(
    ic_patient, coordinator, onset_on, emergent
):
    record_cycle(ic_patient, coordinator, *CYCLE_1)

    event = record_adverse_event(ic_patient, coordinator, onset_on)

    assert _teae(event) is emergent


def test_it_counts_any_onset_from_the_first_dose_while_a_cycle_is_open(ic_patient, coordinator):
    record_cycle(ic_patient, coordinator, *CYCLE_1)
    record_cycle(ic_patient, coordinator, dt.date(2025, 4, 20))  # consolidation, still running

    event = record_adverse_event(ic_patient, coordinator, dt.date(2025, 5, 30))

    assert _teae(event) is True


def test_it_reads_the_treatment_emergent_window_from_the_setting(ic_patient, coordinator, settings):
    record_cycle(ic_patient, coordinator, *CYCLE_1)
    event = record_adverse_event(ic_patient, coordinator, dt.date(2025, 3, 25))  # 13 days after
    assert _teae(event) is True

    settings.TRIAL_TEAE_WINDOW_DAYS = 10

    assert _teae(event) is False


def test_it_derives_the_flag_from_the_cycles_as_they_stand(ic_patient, coordinator):
    event = record_adverse_event(ic_patient, coordinator, dt.date(2025, 3, 8))
    assert _teae(event) is False  # no study dose yet

    record_cycle(ic_patient, coordinator, *CYCLE_1)  # keyed in later: it started on 6 March

    assert _teae(event) is True


def test_it_shows_the_flag_on_the_timeline_in_the_api_and_in_the_export(
    client, ic_patient, coordinator, data_manager
):
    record_cycle(ic_patient, coordinator, *CYCLE_1)
    emergent = record_adverse_event(ic_patient, coordinator, dt.date(2025, 3, 10))
    before = record_adverse_event(ic_patient, coordinator, dt.date(2025, 3, 5))

    client.force_login(coordinator)
    page = client.get(f"/patients/{ic_patient.study_id}/").content.decode()
    assert "Treatment-emergent (TEAE)" in page
    assert page.count(">TEAE</td>") == 1

    api = APIClient()
    api.force_authenticate(data_manager)
    listed = {
        e["id"]: e["treatment_emergent"]
        for e in api.get("/api/v1/adverse-events/").json()["results"]
    }
    assert listed == {emergent.pk: True, before.pk: False}

    export = b"".join(api.get("/api/v1/exports/adverse-events.csv").streaming_content).decode()
    rows = [line.split(",") for line in export.splitlines() if not line.startswith("#")]
    column = rows[0].index("TREATMENT_EMERGENT")
    assert sorted(row[column] for row in rows[1:]) == ["N", "Y"]

    dictionary = api.get("/api/v1/exports/dictionary/").json()["datasets"]
    (table,) = [d for d in dictionary if d["dataset"] == "adverse-events"]
    (flag,) = [c for c in table["columns"] if c["name"] == "TREATMENT_EMERGENT"]
    assert (flag["type"], flag["origin"]) == ("boolean", "derived")
    assert "TRIAL_TEAE_WINDOW_DAYS" in flag["help_text"]


def test_the_api_answers_an_entry_with_its_treatment_emergent_flag(ic_patient, coordinator):
    record_cycle(ic_patient, coordinator, *CYCLE_1)
    api = APIClient()
    api.force_authenticate(coordinator)
    body = {
        **adverse_event_values(dt.date(2025, 3, 10), ic_patient),
        "onset_on": "2025-03-10",
        "resolved_on": None,
    }

    answer = api.post(
        f"/api/v1/patients/{ic_patient.study_id}/adverse-events/", body, format="json"
    )

    assert answer.status_code == 201, answer.json()
    assert (answer.json()["treatment_emergent"], answer.json()["warnings"]) == (True, [])
