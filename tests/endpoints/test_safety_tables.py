"""The safety tables of a hand-made trial (tests/endpoints/safety_trial.py), counted by hand.

By arm the columns are dexamethasone, control and total (N = 3, 3, 6: the safety population,
the randomized patients who received a dose); a patient counts once per row however many
events; the control-arm patient given dexamethasone stays in the control arm.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from endpoints.safety_tables import DAYS_PER_MONTH, safety_tables
from randomization.models import TrialUnblinding
from tests.endpoints.safety_trial import hand_made_trial


@pytest.fixture
def trial(site_a, coordinator, frozen_today):
    return hand_made_trial(site_a, coordinator)


def _ns(row) -> tuple[int, ...]:
    return tuple(c.n for c in row.counts)


def _rows(rows) -> dict[str, tuple[int, ...]]:
    return {row.code: _ns(row) for row in rows}


def test_the_columns_are_the_arms_and_the_total_of_the_safety_population(trial, statistician):
    tables = safety_tables(user=statistician)

    assert tables.by_arm
    assert [(g.code, g.n) for g in tables.groups] == [("dex", 3), ("control", 3), ("total", 6)]
    assert tables.control_given_dexamethasone == (trial["C1"].study_id,)


def test_it_counts_each_patient_once_per_row(trial, statistician):
    summary = _rows(safety_tables(user=statistician).summary)

    assert summary == {
        "TEAE": (3, 2, 5),  # C3 had none; C2's fatigue in May is after the TEAE window
        "TEAEGR3": (3, 1, 4),  # D1's second hyperglycemia (g3), D2, D3; C2's febrile neutropenia
        "TEAEREL": (2, 1, 3),  # D1, D2's haemorrhage (D2's sepsis: unlikely); C1 by deviation
        "TEAERELS": (2, 1, 3),  # D2, D3; C2
        "TEAESER": (2, 1, 3),  # C2's serious fatigue is not treatment-emergent
        "TEAEDISC": (2, 0, 2),  # D2's sepsis (drug withdrawn) or D1's end for toxicity
        "TEAEWD": (1, 0, 1),
        "EOTTOX": (1, 0, 1),
        "TEAEFAT": (1, 0, 1),  # D3's lung infection, made grade 5 by the death
    }


def test_it_gives_each_patient_their_worst_grade(trial, statistician):
    worst = _rows(safety_tables(user=statistician).worst_grade)

    assert worst == {
        "NOTEAE": (0, 1, 1),
        "WORSTGR1": (0, 1, 1),  # C1
        "WORSTGR2": (0, 0, 0),  # D1's g2 is outdone by their g3
        "WORSTGR3": (1, 1, 2),  # D1, C2
        "WORSTGR4": (1, 0, 1),  # D2
        "WORSTGR5": (1, 0, 1),  # D3
    }


def test_it_counts_by_organ_class_and_term_by_descending_frequency(trial, statistician):
    rows = [
        (r.system_organ_class if not r.preferred_term else f"  {r.preferred_term}",
         tuple(c.n for c in r.any_grade), tuple(c.n for c in r.grade_3_plus))
        for r in safety_tables(user=statistician).incidence
    ]  # fmt: skip

    assert rows == [
        ("Infections and infestations", (2, 1, 3), (2, 0, 2)),
        ("  Lung infection", (1, 1, 2), (1, 0, 1)),
        ("  Sepsis", (1, 0, 1), (1, 0, 1)),
        ("Metabolism and nutrition disorders", (1, 1, 2), (1, 0, 1)),
        ("  Hyperglycemia", (1, 1, 2), (1, 0, 1)),  # D1 twice, counted once
        ("Blood and lymphatic system disorders", (0, 1, 1), (0, 1, 1)),
        ("  Febrile neutropenia", (0, 1, 1), (0, 1, 1)),
        ("Gastrointestinal disorders", (0, 1, 1), (0, 0, 0)),
        ("  Nausea", (0, 1, 1), (0, 0, 0)),
        ("Psychiatric disorders", (1, 0, 1), (0, 0, 0)),
        ("  Insomnia", (1, 0, 1), (0, 0, 0)),
        # "Other, specify": under its specified term, the class not coded, last.
        ("Other (SOC not coded)", (1, 0, 1), (1, 0, 1)),
        ("  Upper gastrointestinal hemorrhage", (1, 0, 1), (1, 0, 1)),
    ]
    first = safety_tables(user=statistician).incidence[0]
    assert [round(c.percent or 0, 1) for c in first.any_grade] == [66.7, 33.3, 50.0]


def test_it_summarises_the_events_of_special_interest_for_a_corticosteroid(trial, statistician):
    rows = {
        r.code: (
            tuple(c.n for c in r.patients),
            r.events,
            tuple(c.n for c in r.grade_3_plus),
            tuple(c.n for c in r.serious),
        )
        for r in safety_tables(user=statistician).special_interest
    }

    assert rows == {
        # Sepsis, lung infection (D3, C2) and C2's febrile neutropenia.
        "INFECT": ((2, 1, 3), (2, 2, 4), (2, 1, 3), (2, 1, 3)),
        "HYPERGLY": ((1, 1, 2), (2, 1, 3), (1, 0, 1), (0, 0, 0)),
        "PSYCH": ((1, 0, 1), (1, 0, 1), (0, 0, 0), (0, 0, 0)),
        # Found through its specified term although coded "Other, specify".
        "GIBLEED": ((1, 0, 1), (1, 0, 1), (1, 0, 1), (1, 0, 1)),
    }


def test_it_adjusts_the_rates_for_exposure(trial, statistician):
    tables = safety_tables(user=statistician)
    # First dose on 6 March; the last day of exposure, both days counted:
    # D1 30 May (end of treatment 30 April + 30): 86 days; D2 19 April: 45; D3 died 22 March: 17;
    # C1 31 May: 87; C2 15 May: 71; C3 treatment not ended: the cut-off, 2 June: 89.
    dex_days, control_days = 86 + 45 + 17, 87 + 71 + 89
    months = (dex_days / DAYS_PER_MONTH, control_days / DAYS_PER_MONTH)
    assert [g.exposure_months for g in tables.groups] == pytest.approx(
        [months[0], months[1], (dex_days + control_days) / DAYS_PER_MONTH]
    )
    rates = {r.code: r.rates for r in tables.rates}

    any_teae = rates["TEAE"]
    assert [(r.events, r.patients) for r in any_teae] == [(6, 3), (4, 2), (10, 5)]
    assert any_teae[0].events_per_100 == pytest.approx(100 * 6 / months[0])
    assert any_teae[1].patients_per_100 == pytest.approx(100 * 2 / months[1])
    assert [(r.events, r.patients) for r in rates["HYPERGLY"]] == [(2, 1), (1, 1), (3, 2)]
    assert rates["HYPERGLY"][2].events_per_100 == pytest.approx(
        100 * 3 / ((dex_days + control_days) / DAYS_PER_MONTH)
    )


def test_it_lists_every_serious_adverse_event_treatment_emergent_or_not(trial, statistician):
    tables = safety_tables(user=statistician)
    names = [c.name for c in tables.listing_columns]
    listing = [dict(zip(names, cells, strict=True)) for cells in tables.listing_cells]

    assert [(row["USUBJID"], row["AEDECOD"], row["TRTEMFL"]) for row in listing] == sorted(
        [
            (trial["D2"].study_id, "Sepsis", "Y"),
            (trial["D2"].study_id, "Upper gastrointestinal hemorrhage", "Y"),
            (trial["D3"].study_id, "Lung infection", "Y"),
            (trial["C2"].study_id, "Febrile neutropenia", "Y"),
            (trial["C2"].study_id, "Fatigue", "N"),
        ],
        key=lambda row: row[0],  # by study ID, then by onset
    )
    death = next(row for row in listing if row["AEDECOD"] == "Lung infection")
    assert death == death | {
        "SITEID": "03",
        "ARM": "Salvage therapy + dexamethasone",
        "AEBODSYS": "Infections and infestations",
        "AETOXGR": 5,
        "AESTDTC": "2025-03-10",
        "AEENDTC": "2025-03-22",
        "AEOUT": "Fatal",
        "AERELDEX": "Not related",
        "AERELSAL": "Probable",
        # Every serious event opens its SAE report (safety app), a draft until submitted.
        "SAEREPORT": "initial report: draft",
    }


def test_the_cutoff_leaves_out_the_later_events_and_exposure(trial, statistician):
    tables = safety_tables(user=statistician, cutoff=dt.date(2025, 3, 16))
    summary = _rows(tables.summary)

    # D1's g3 hyperglycemia (20 Mar) and D2's haemorrhage (18 Mar) are after the cut-off.
    assert summary["TEAE"] == (3, 2, 5)
    assert summary["TEAEGR3"] == (2, 1, 3)
    assert summary["TEAEDISC"] == (1, 0, 1)  # D1's end of treatment (30 April) is later
    assert {r.preferred_term for r in tables.incidence} >= {"Sepsis", "Nausea"}
    assert "Upper gastrointestinal hemorrhage" not in {r.preferred_term for r in tables.incidence}
    # Everyone exposed from 6 to 16 March: 11 days each; D3 not yet dead then.
    assert tables.groups[2].exposure_months == pytest.approx(6 * 11 / DAYS_PER_MONTH)
    d3 = next(c for c in tables.listing_cells if c[3] == "Lung infection")
    assert d3[7:9] == ["", "Not resolved"]  # the death on 22 March is after the cut-off


def test_a_blinded_account_cannot_ask_for_the_arms(trial, sponsor):
    with pytest.raises(PermissionDenied):
        safety_tables(user=sponsor, by_arm=True)


def test_the_pooled_tables_have_one_column_and_no_arm(trial, sponsor, statistician):
    pooled = safety_tables(user=sponsor)
    forced = safety_tables(user=statistician, by_arm=False)

    for tables in (pooled, forced):
        assert not tables.by_arm
        assert [(g.code, g.n) for g in tables.groups] == [("total", 6)]
        assert _rows(tables.summary)["TEAE"] == (5,)
        assert tables.control_given_dexamethasone == ()
        assert "ARM" not in [c.name for c in tables.listing_columns]
        assert "AERELDEX" not in [c.name for c in tables.listing_columns]
        assert all(e.arm == "" and e.related_to_dexamethasone == "" for e in tables.listing)


def test_the_sponsor_reads_them_by_arm_once_the_trial_is_unblinded(trial, sponsor, statistician):
    assert not safety_tables(user=sponsor).by_arm
    TrialUnblinding.objects.create(unblinded_by=statistician, reason="Final analysis")

    tables = safety_tables(user=sponsor)
    assert tables.by_arm
    assert _rows(tables.summary)["TEAE"] == (3, 2, 5)
