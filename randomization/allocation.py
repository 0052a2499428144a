"""The allocation algorithms, as pure functions of a random source and the counts so far.

The service feeds them a cryptographically secure source (`secrets.SystemRandom`) and the
locked database state; `randomization_simulate` feeds them a seeded `random.Random` and an
in-memory state. Both therefore run exactly the same allocation code.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from protocol import RandomizationDesign


def permuted_block(rng: random.Random, design: RandomizationDesign) -> list[str]:
    """Return the next block: a size drawn from the design, each arm equally often, shuffled."""
    size = rng.choice(design.block_sizes)
    block = [arm for arm in design.arms for _ in range(size // len(design.arms))]
    rng.shuffle(block)
    return block


@dataclass(frozen=True)
class MinimizationChoice:
    arm: str
    imbalance_by_arm: dict[str, int]
    preferred: bool  # True when the arm minimising imbalance was given


def minimization_choose(
    rng: random.Random,
    design: RandomizationDesign,
    level_counts: Sequence[Mapping[str, int]],
) -> MinimizationChoice:
    """Pick an arm by Pocock-Simon minimization (range method, equal factor weights).

    `level_counts` holds, for each factor, the counts by arm among patients already
    randomized at the new patient's level of that factor. For each candidate arm the
    imbalance is the sum over factors of the range of counts once the patient is added;
    the arm with the least imbalance is given with the design's probability, otherwise the
    other one. Ties are broken at random, so the sequence stays unpredictable.
    """
    imbalance: dict[str, int] = {}
    for arm in design.arms:
        total = 0
        for counts in level_counts:
            after = {a: counts.get(a, 0) + (1 if a == arm else 0) for a in design.arms}
            total += max(after.values()) - min(after.values())
        imbalance[arm] = total
    best = min(imbalance.values())
    favoured = [arm for arm in design.arms if imbalance[arm] == best]
    if len(favoured) == len(design.arms):
        return MinimizationChoice(rng.choice(design.arms), imbalance, preferred=True)
    if rng.random() < design.minimization_probability:
        return MinimizationChoice(rng.choice(favoured), imbalance, preferred=True)
    others = [arm for arm in design.arms if arm not in favoured]
    return MinimizationChoice(rng.choice(others), imbalance, preferred=False)


def stratum_key(design: RandomizationDesign, levels: Mapping[str, str]) -> str:
    """Return the stratum's stable key, e.g. 'regimen=intensive|site=03|disease_status=relapsed'.

    Under minimization the trial has a single stratum: balance is kept across factors instead.
    """
    if design.method == "minimization":
        return "all"
    return "|".join(f"{factor}={levels[factor]}" for factor in design.factors)
