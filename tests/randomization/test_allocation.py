"""The allocation algorithms: permuted blocks of 2 and 4, and Pocock-Simon minimization."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from django.core.management import call_command
from django.test import override_settings

from protocol import RandomizationDesign, RandomizationMethod
from randomization.allocation import minimization_choose, permuted_block, stratum_key
from randomization.checks import randomization_design_check
from randomization.simulation import SIMPLE, simulate, simulated_patients

DESIGN = RandomizationDesign()


def test_it_draws_blocks_of_the_declared_sizes_each_arm_equally_often():
    rng = random.Random(11)
    sizes = set()
    for _ in range(500):
        block = permuted_block(rng, DESIGN)
        sizes.add(len(block))
        assert block.count("dex") == block.count("control")
    assert sizes == {2, 4}


def test_it_varies_the_order_within_blocks_of_four():
    rng = random.Random(5)
    orders = {tuple(permuted_block(rng, replace(DESIGN, block_sizes=(4,)))) for _ in range(200)}
    assert len(orders) == 6  # every arrangement of two dex and two control occurs


def test_it_keeps_every_stratum_within_half_the_largest_block():
    cohort = simulated_patients(random.Random(3), 600)
    result = simulate(cohort, DESIGN, RandomizationMethod.BLOCKS, seed=3)

    assert result.largest_stratum_imbalance <= max(DESIGN.block_sizes) // 2


def test_it_gives_the_arm_that_minimises_imbalance_when_the_draw_says_so():
    counts = [{"dex": 5, "control": 3}, {"dex": 2, "control": 2}]
    choice = minimization_choose(
        random.Random(0), replace(DESIGN, minimization_probability=1), counts
    )

    assert choice.arm == "control"
    assert choice.imbalance_by_arm == {"dex": 3 + 1, "control": 1 + 1}


def test_it_gives_the_other_arm_with_the_remaining_probability():
    counts = [{"dex": 5, "control": 3}]
    rng = random.Random(1)
    arms = [minimization_choose(rng, DESIGN, counts).arm for _ in range(4000)]

    assert arms.count("control") / len(arms) == pytest.approx(0.8, abs=0.03)


def test_it_breaks_a_tie_at_random():
    rng = random.Random(2)
    arms = [minimization_choose(rng, DESIGN, [{"dex": 1, "control": 1}]).arm for _ in range(2000)]

    assert arms.count("dex") / len(arms) == pytest.approx(0.5, abs=0.05)


def test_it_keeps_imbalance_lower_with_minimization_than_with_simple_randomization():
    cohort = simulated_patients(random.Random(2024), 300)
    minimized = simulate(cohort, DESIGN, RandomizationMethod.MINIMIZATION, seed=2024)
    simple = simulate(cohort, DESIGN, SIMPLE, seed=2024)

    assert minimized.largest_factor_level_imbalance < simple.largest_factor_level_imbalance
    assert abs(minimized.arms["dex"] - minimized.arms["control"]) <= abs(
        simple.arms["dex"] - simple.arms["control"]
    )


def test_it_names_the_stratum_by_every_factor_in_order():
    levels = {"regimen": "azacitidine", "site": "07", "disease_status": "refractory"}

    assert stratum_key(DESIGN, levels) == "regimen=azacitidine|site=07|disease_status=refractory"
    assert stratum_key(replace(DESIGN, factors=("regimen",)), levels) == "regimen=azacitidine"


@pytest.mark.parametrize(
    "override, problem",
    [
        ({"TRIAL_BLOCK_SIZES": [3, 4]}, "multiples of 2"),
        ({"TRIAL_STRATIFICATION_FACTORS": ["regimen", "age"]}, "unknown stratification"),
        ({"TRIAL_MINIMIZATION_PROBABILITY": 0.3}, "between 0.5 and 1"),
        ({"TRIAL_RANDOMIZATION_METHOD": "coin"}, "Unknown randomization method"),
    ],
)
def test_it_refuses_to_run_an_unsafe_design(override, problem):
    with override_settings(**override):
        errors = randomization_design_check(None)

    assert errors and problem in errors[0].msg


def test_it_prints_balance_and_predictability_of_each_method(capsys):
    call_command("randomization_simulate", "--patients", "120", "--seed", "4")

    out = capsys.readouterr().out
    for method in ("blocks", "minimization", "simple"):
        assert f"\n{method}" in out
    assert "guessable" in out
