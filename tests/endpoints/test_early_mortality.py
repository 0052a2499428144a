"""30- and 60-day mortality from randomization, at the boundaries of the windows.

Randomization is day 0: a death on day 30 is a 30-day death, one on day 31 is not (it is a
60-day death). A patient followed for less than the window without dying counts as alive in
the crude proportion (a lower bound, their number given beside it) and until their last day
known alive in the Kaplan-Meier estimate 1 - S(day).
"""

from __future__ import annotations

import pytest
from lifelines import KaplanMeierFitter
from scipy.stats import beta

from endpoints.early_mortality import early_mortality
from tests.endpoints.subgroup_data import patient


def _analyse(patients):
    facts_by_id = {facts.study_id: facts for facts, _ in patients}
    return early_mortality([row for _, row in patients], facts_by_id)


def _window(result, day, part="pooled"):
    return (result[part] if part == "pooled" else result["by_arm"][part])["windows"][str(day)]


def test_it_counts_a_death_on_day_30_and_not_one_on_day_31_in_30_day_mortality():
    result = _analyse(
        [
            patient("D30", arm="dex", days=30, event=1),
            patient("D31", arm="control", days=31, event=1),
            patient("D60", arm="dex", days=60, event=1),
            patient("D61", arm="control", days=61, event=1),
            *[patient(f"A{i}", arm="dex", days=400, event=0) for i in range(6)],
        ]
    )

    assert _window(result, 30)["deaths"] == 1
    assert _window(result, 60)["deaths"] == 3
    assert _window(result, 30)["crude"]["rate"] == pytest.approx(1 / 10)
    assert _window(result, 30)["km"]["estimate"] == pytest.approx(1 / 10)
    assert _window(result, 30, "dex")["deaths"] == 1
    assert _window(result, 30, "control")["deaths"] == 0
    assert _window(result, 60, "control")["deaths"] == 1


def test_it_gives_the_exact_binomial_interval_of_the_crude_proportion():
    result = _analyse(
        [patient(f"D{i}", arm="dex", days=10, event=1) for i in range(3)]
        + [patient(f"A{i}", arm="dex", days=90, event=0) for i in range(17)]
    )
    crude = _window(result, 30)["crude"]

    assert (crude["responders"], crude["n"]) == (3, 20)
    assert crude["lower"] == pytest.approx(beta.ppf(0.025, 3, 18))
    assert crude["upper"] == pytest.approx(beta.ppf(0.975, 4, 17))


def test_it_counts_a_patient_censored_before_day_30_as_alive_crudely_and_at_risk_until_then():
    """Two of ten left follow-up alive on day 20; one of the eight still followed died on day
    25. Crude: 1/10. Kaplan-Meier: the death among 8 at risk, 1 - 7/8."""
    patients = [
        patient("C1", arm="dex", days=20, event=0),
        patient("C2", arm="control", days=20, event=0),
        patient("D1", arm="dex", days=25, event=1),
        *[patient(f"A{i}", arm="control", days=365, event=0) for i in range(7)],
    ]
    window = _window(_analyse(patients), 30)
    independent = KaplanMeierFitter().fit(
        [r.days for _, r in patients], [r.event for _, r in patients]
    )

    assert window["censored_before"] == 2
    assert window["crude"]["rate"] == pytest.approx(1 / 10)
    assert window["km"]["estimate"] == pytest.approx(1 / 8)
    assert window["km"]["estimate"] == pytest.approx(1 - independent.predict(30))
    assert 0 < window["km"]["lower"] < window["km"]["estimate"] < window["km"]["upper"] < 1


def test_it_gives_zero_where_no_one_died_and_nothing_for_an_arm_without_patients():
    window = _analyse([patient(f"A{i}", arm="dex", days=90, event=0) for i in range(5)])
    no_death = _window(window, 30)

    assert no_death["deaths"] == 0 and no_death["km"]["estimate"] == 0
    assert no_death["crude"]["lower"] == 0
    assert window["by_arm"]["control"] is None
