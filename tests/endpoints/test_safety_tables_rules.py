"""The rules of the safety tables on plain rows (no database): exposure and its end, one row
per specified term whatever its case, an empty population, and what a pooled reader's
listing leaves out."""

from __future__ import annotations

import datetime as dt

import protocol
from endpoints.safety_rows import OTHER_SOC, SafetyEvent, SafetyPatient
from endpoints.safety_tables import tabulate

FIRST_DOSE = dt.date(2025, 3, 6)
CUTOFF = dt.date(2025, 6, 2)


def _patient(study_id: str = "03-001", arm: str = "dex", **changes) -> SafetyPatient:
    return SafetyPatient(study_id, "03", arm, FIRST_DOSE, **changes)


def _event(term: str = "Nausea", study_id: str = "03-001", **changes) -> SafetyEvent:
    values = {
        "adverse_event_id": 1,
        "study_id": study_id,
        "site": "03",
        "arm": "dex",
        "term": term,
        "term_specified": "",
        "grade": 2,
        "serious": False,
        "onset_on": dt.date(2025, 3, 8),
        "resolved_on": None,
        "related_to_dexamethasone": protocol.Relatedness.POSSIBLE,
        "related_to_salvage": protocol.Relatedness.NOT_RELATED,
        "action_taken": protocol.ActionTaken.NONE,
        "treatment_emergent": True,
    }
    return SafetyEvent(**{**values, **changes})


def test_exposure_ends_30_days_after_treatment_or_earlier_at_the_cutoff_or_leaving():
    ended = _patient(end_of_treatment_on=dt.date(2025, 4, 1))
    ended_after_cutoff = _patient(end_of_treatment_on=dt.date(2025, 6, 10))
    withdrew = _patient(end_of_treatment_on=dt.date(2025, 4, 1), left_study_on=dt.date(2025, 4, 10))

    assert ended.exposure_ends_on(CUTOFF) == dt.date(2025, 5, 1)
    assert ended.exposure_days(CUTOFF) == 57  # 6 March to 1 May, both counted
    assert ended_after_cutoff.exposure_ends_on(CUTOFF) == CUTOFF  # not known at the cut-off
    assert withdrew.exposure_ends_on(CUTOFF) == dt.date(2025, 4, 10)
    assert not _patient(
        end_of_treatment_on=dt.date(2025, 6, 10),
        end_of_treatment_reason=protocol.EndOfTreatmentReason.TOXICITY,
    ).ended_for_toxicity(CUTOFF)


def test_a_specified_term_is_one_row_whatever_its_case():
    events = [
        _event("Other, specify", term_specified="Pneumocystis pneumonia"),
        _event("Other, specify", "03-002", term_specified="pneumocystis pneumonia "),
    ]
    tables = tabulate([_patient(), _patient("03-002")], events, cutoff=CUTOFF, by_arm=False)

    assert [
        (r.system_organ_class, r.preferred_term, r.any_grade[0].n) for r in tables.incidence
    ] == [
        (OTHER_SOC, "", 2),
        (OTHER_SOC, "Pneumocystis pneumonia", 2),
    ]


def test_an_empty_population_gives_zero_counts_and_no_rate():
    tables = tabulate([], [], cutoff=CUTOFF, by_arm=True)

    assert [g.n for g in tables.groups] == [0, 0, 0]
    assert all(str(c) == "0" and c.percent is None for c in tables.summary[0].counts)
    assert all(r.events_per_100 is None for r in tables.rates[0].rates)
    assert tables.incidence == () and tables.listing == ()


def test_a_pooled_listing_has_no_arm_no_dexamethasone_relatedness_and_no_susar_unless_told():
    serious = _event("Sepsis", grade=3, serious=True, susar="SUSAR, not yet reported")
    pooled = tabulate([_patient()], [serious], cutoff=CUTOFF, by_arm=False)
    for_pharmacovigilance = tabulate(
        [_patient()], [serious], cutoff=CUTOFF, by_arm=False, shows_susar=True
    )

    (event,) = pooled.listing
    assert (event.arm, event.related_to_dexamethasone, event.susar) == ("", "", "")
    assert [c.name for c in pooled.listing_columns] == [
        "USUBJID", "SITEID", "AEDECOD", "AEBODSYS", "AETOXGR", "AESTDTC", "AEENDTC", "AEOUT",
        "AERELSAL", "AEACN", "TRTEMFL", "SAEREPORT", "SAERCVDTM",
    ]  # fmt: skip
    assert for_pharmacovigilance.listing_cells[0][-1] == "SUSAR, not yet reported"
