"""Count recovery and the duration of myelosuppression, at their boundaries (labs/derivations.py).

An induction started on 6 March 2025 (day 1); its window closes on 4 May (day 60).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from labs.derivations import (
    NOT_APPLICABLE,
    NOT_REACHED,
    REACHED,
    Sample,
    cycle_counts,
)

START = dt.date(2025, 3, 6)
CLOSES = dt.date(2025, 5, 4)


def day(n: int) -> dt.date:
    return START + dt.timedelta(days=n - 1)


def sample(n: int, anc: str, platelets: str = "150") -> Sample:
    return Sample(day(n), Decimal(anc), Decimal(platelets))


def derived(samples, **kwargs):
    return cycle_counts(
        cycle_number=1, started_on=START, window_closes_on=CLOSES, samples=samples, **kwargs
    )


APLASIA = [
    sample(1, "2.0", "120"),
    sample(8, "0.4", "40"),
    sample(15, "0.1", "12"),
    sample(22, "0.3", "30"),
]


def test_it_counts_a_day_below_when_the_last_sample_on_or_before_it_is_below():
    counts = derived([*APLASIA, sample(29, "1.2", "110")])

    # Day 8 to day 28 carried forward below 0.5 (21 days); day 29 is recovered.
    assert counts.days_anc_below_0_5 == 21
    assert counts.days_platelets_below_50 == 21


def test_it_counts_the_last_samples_day_once_when_it_is_below():
    assert derived(APLASIA).days_anc_below_0_5 == (22 - 8) + 1


def test_it_dates_the_recovery_on_the_first_sample_after_the_nadir_that_stays_above():
    counts = derived(
        [
            *APLASIA,
            sample(26, "0.6", "60"),
            sample(28, "0.4", "45"),  # back below: day 26 was not a recovery
            sample(31, "0.7", "70"),
            sample(35, "1.1", "105"),
        ]
    )

    assert (counts.anc_0_5.status, counts.anc_0_5.day) == (REACHED, 31)
    assert (counts.anc_1_0.status, counts.anc_1_0.day) == (REACHED, 35)
    assert counts.platelets_50.on == day(31)
    assert counts.platelets_100.on == day(35)


def test_a_recovery_on_the_last_count_is_reached():
    counts = derived([*APLASIA, sample(30, "0.5", "50")])

    assert (counts.anc_0_5.status, counts.anc_0_5.on, counts.anc_0_5.day) == (
        REACHED,
        day(30),
        30,
    )
    assert counts.platelets_50.status == REACHED
    # ≥ 1.0 and ≥ 100 were not reached by then: the counts stopped.
    assert counts.anc_1_0.status == NOT_REACHED
    assert counts.anc_1_0.on == day(30)
    assert counts.anc_1_0.reason == "Counts stopped before recovery (last count 04/04/2025)."


def test_a_value_just_below_the_threshold_is_not_a_recovery():
    counts = derived([*APLASIA, sample(30, "0.49", "49.99")])

    assert counts.anc_0_5.status == NOT_REACHED
    assert counts.platelets_50.status == NOT_REACHED


def test_a_death_before_recovery_is_not_reached_and_censored_at_the_death():
    counts = derived(APLASIA, died_on=day(25))

    for recovery in counts.recoveries.values():
        assert recovery.status == NOT_REACHED and recovery.censored
        assert (recovery.on, recovery.day) == (day(25), 25)
        assert recovery.reason == "Death on 30/03/2025 before recovery."


def test_a_death_after_the_cycles_window_is_not_its_censoring_reason():
    counts = derived(APLASIA, died_on=CLOSES + dt.timedelta(days=1))

    assert counts.anc_0_5.reason == "Counts stopped before recovery (last count 27/03/2025)."


def test_a_platelet_transfusion_in_the_7_days_before_hides_a_platelet_recovery():
    samples = [*APLASIA, sample(29, "1.2", "60"), sample(33, "1.5", "62")]

    hidden = derived(samples, platelet_transfusions=[day(22)])  # 7 days before day 29
    assert (hidden.platelets_50.status, hidden.platelets_50.day) == (REACHED, 33)

    both_hidden = derived(samples, platelet_transfusions=[day(22), day(26)])
    assert both_hidden.platelets_50.status == NOT_REACHED

    eight_days_before = derived(samples, platelet_transfusions=[day(21)])
    assert eight_days_before.platelets_50.day == 29
    # Neutrophils do not depend on platelet transfusions.
    assert both_hidden.anc_0_5.day == 29


def test_a_count_never_below_the_threshold_has_no_recovery_to_date():
    counts = derived([sample(1, "0.8", "90"), sample(10, "0.6", "70")])

    assert counts.anc_0_5.status == NOT_APPLICABLE
    assert counts.platelets_50.status == NOT_APPLICABLE
    assert counts.days_anc_below_0_5 == 0
    assert counts.anc_1_0.status == NOT_REACHED


def test_a_cycle_without_counts_derives_nothing():
    counts = derived([])

    assert counts.days_anc_below_0_5 is None
    assert counts.anc_0_5.status == NOT_REACHED
    assert counts.anc_0_5.reason == "No counts recorded in the cycle."
