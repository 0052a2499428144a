"""Rules of the safety tables at their edges, as the database counts them: one row per
specified term whatever its case and spaces, an empty population, and what a pooled reader's
listing leaves out. (Exposure and its end: tests/endpoints/test_safety_tables.py.)"""

from __future__ import annotations

import datetime as dt

import protocol
from endpoints.safety_rows import OTHER_SOC
from endpoints.safety_tables import safety_tables
from tests.endpoints.safety_trial import CYCLE_ENDS, CYCLE_STARTS, adverse_event
from tests.factories import screen_patient
from tests.visits.builders import dexamethasone_relatedness, randomize, record_cycle


def _treated(site, user):
    patient = screen_patient(site=site, user=user)
    randomize(patient, user)
    record_cycle(patient, user, CYCLE_STARTS, CYCLE_ENDS)
    return patient


def _event(patient, user, term: str, onset_day: int = 8, grade: int = 2, **changes):
    onset = dt.date(2025, 3, onset_day)
    dex = dexamethasone_relatedness(patient, onset)
    return adverse_event(patient, user, onset, term, grade, dex=dex, **changes)


def test_a_specified_term_is_one_row_whatever_its_case_and_spaces(
    site_a, coordinator, statistician, frozen_today
):
    first, second = _treated(site_a, coordinator), _treated(site_a, coordinator)
    _event(first, coordinator, "Other, specify", specified="Pneumocystis pneumonia")
    _event(first, coordinator, "Other, specify", 9, specified="PNEUMOCYSTIS PNEUMONIA")
    _event(second, coordinator, "Other, specify", specified="pneumocystis pneumonia ")

    tables = safety_tables(user=statistician, by_arm=False)

    assert [
        (r.system_organ_class, r.preferred_term, r.any_grade[0].n) for r in tables.incidence
    ] == [
        (OTHER_SOC, "", 2),
        # Spelled as the first of its spellings in code-point order; the first patient once.
        (OTHER_SOC, "PNEUMOCYSTIS PNEUMONIA", 2),
    ]


def test_an_empty_population_gives_zero_counts_and_no_rate(statistician, frozen_today):
    tables = safety_tables(user=statistician)

    assert [g.n for g in tables.groups] == [0, 0, 0]
    assert all(str(c) == "0" and c.percent is None for c in tables.summary[0].counts)
    assert all(r.events_per_100 is None for r in tables.rates[0].rates)
    assert tables.incidence == () and tables.listing == ()


def test_a_pooled_listing_has_no_arm_no_dexamethasone_relatedness_and_no_susar_column(
    site_a, coordinator, frozen_today
):
    _event(_treated(site_a, coordinator), coordinator, "Sepsis", grade=4, serious=True)

    pooled = safety_tables(user=coordinator)

    (event,) = pooled.listing
    assert (event.arm, event.related_to_dexamethasone) == ("", "")
    assert (event.grade, event.action_taken) == (4, protocol.ActionTaken.NONE)
    assert [c.name for c in pooled.listing_columns] == [
        "USUBJID", "SITEID", "AEDECOD", "AEBODSYS", "AETOXGR", "AESTDTC", "AEENDTC", "AEOUT",
        "AERELSAL", "AEACN", "TRTEMFL", "SAEREPORT", "SAERCVDTM",
    ]  # fmt: skip
