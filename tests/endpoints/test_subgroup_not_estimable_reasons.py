"""A subgroup level whose hazard ratio is not finite says why in words true of its patients.

Deaths in both arms do not make the hazard ratio finite when the deaths of one arm all come
after the other arm's last patient has left follow-up (the Cox likelihood then rises without
end): the reason must say so, not "deaths in one arm only", which stays for the levels where
one arm has no death. Levels: ELN intermediate (1/4 DEX vs 2/9 CONTROL, as the demo trial's),
ELN favourable (1/5 vs 0/3), ELN adverse (deaths of both arms interleaved: a finite HR).
"""

from __future__ import annotations

from endpoints.subgroups import os_subgroups
from tests.endpoints.subgroup_data import patient

INTERMEDIATE = [
    # CONTROL: two deaths and seven censored, all by day 300.
    ("control", 40, 1), ("control", 90, 1), ("control", 100, 0), ("control", 150, 0),
    ("control", 180, 0), ("control", 200, 0), ("control", 250, 0), ("control", 280, 0),
    ("control", 300, 0),
    # DEX: its only death on day 534, after the last CONTROL patient left (day 300).
    ("dex", 60, 0), ("dex", 320, 0), ("dex", 400, 0), ("dex", 534, 1),
]  # fmt: skip
FAVOURABLE = [
    ("dex", 30, 1), ("dex", 60, 0), ("dex", 90, 0), ("dex", 120, 0), ("dex", 150, 0),
    ("control", 50, 0), ("control", 70, 0), ("control", 100, 0),
]  # fmt: skip
ADVERSE = [
    ("dex", 30, 1), ("dex", 80, 1), ("dex", 200, 0), ("dex", 250, 1),
    ("control", 20, 1), ("control", 60, 1), ("control", 120, 1), ("control", 300, 0),
]  # fmt: skip


def _eln_levels():
    patients = [
        patient(f"{risk[:3]}{i}", arm=arm, days=days, event=event, eln_risk=risk)
        for risk, rows in (
            ("intermediate", INTERMEDIATE),
            ("favourable", FAVOURABLE),
            ("adverse", ADVERSE),
        )
        for i, (arm, days, event) in enumerate(rows)
    ]
    facts_by_id = {facts.study_id: facts for facts, _ in patients}
    result = os_subgroups([row for _, row in patients], facts_by_id)
    eln = next(f for f in result["factors"] if f["code"] == "eln_risk")
    return {level["level"]: level for level in eln["levels"]}


def test_it_says_the_deaths_of_one_arm_came_after_the_other_arm_left_follow_up():
    intermediate = _eln_levels()["intermediate"]

    assert intermediate["by_arm"]["dex"] == {"n": 4, "events": 1}
    assert intermediate["by_arm"]["control"] == {"n": 9, "events": 2}
    assert intermediate["hr"] is None
    assert "both arms" in intermediate["not_estimable"]
    assert (
        "after the other arm's last patient had left follow-up" in (intermediate["not_estimable"])
    )
    assert "one arm only" not in intermediate["not_estimable"]


def test_it_still_says_deaths_in_one_arm_only_where_one_arm_has_none():
    favourable = _eln_levels()["favourable"]

    assert favourable["by_arm"]["control"]["events"] == 0
    assert favourable["hr"] is None
    assert favourable["not_estimable"] == (
        "Deaths in one arm only: the hazard ratio is not finite."
    )


def test_it_estimates_the_hazard_ratio_where_the_deaths_of_the_arms_interleave():
    adverse = _eln_levels()["adverse"]

    assert adverse["not_estimable"] is None
    assert 0 < adverse["hr_lower"] < adverse["hr"] < adverse["hr_upper"]
