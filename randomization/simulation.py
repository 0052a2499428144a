"""Simulated allocation of a trial in memory, with the real allocation functions.

Used by `manage.py randomization_simulate` and the tests to compare methods on balance
and predictability before (or while) the trial runs.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass, replace

from protocol import RandomizationDesign, RandomizationMethod
from randomization.allocation import minimization_choose, permuted_block, stratum_key

SIMPLE = "simple"  # unrestricted coin-tossing, the yardstick for the other methods


@dataclass(frozen=True)
class SimulationResult:
    method: str
    arms: Counter
    largest_stratum_imbalance: int
    mean_stratum_imbalance: float
    largest_factor_level_imbalance: int
    predictability: float  # share of allocations a coordinator would have guessed right


def simulated_patients(rng: random.Random, n: int, sites: int = 6) -> list[dict[str, str]]:
    """Return n patients' factor levels, drawn as a multicentre R/R AML trial might enrol."""
    site_codes = [f"{i:02d}" for i in range(1, sites + 1)]
    weights = [sites - i for i in range(sites)]  # a few large sites, several small ones
    return [
        {
            "regimen": rng.choice(["intensive", "azacitidine"]),
            "site": rng.choices(site_codes, weights=weights)[0],
            "disease_status": rng.choices(["relapsed", "refractory"], weights=[70, 30])[0],
        }
        for _ in range(n)
    ]


def _guess(counts: Counter, arms: tuple[str, ...]) -> dict[str, float]:
    """A coordinator's guess: the arm given least so far (split evenly on a tie)."""
    least = min(counts[a] for a in arms)
    favoured = [a for a in arms if counts[a] == least]
    return {a: (1 / len(favoured) if a in favoured else 0.0) for a in arms}


def simulate(
    patients: list[dict[str, str]], design: RandomizationDesign, method: str, seed: int
) -> SimulationResult:
    """Allocate the patients in order by one method and measure balance and predictability."""
    rng = random.Random(seed)
    strata_design = replace(design, method=RandomizationMethod.BLOCKS)
    strata: dict[str, Counter] = defaultdict(Counter)
    levels: dict[tuple[str, str], Counter] = defaultdict(Counter)
    pending: dict[str, list[str]] = defaultdict(list)
    guessed = 0.0
    for patient in patients:
        key = stratum_key(strata_design, patient)
        if method == RandomizationMethod.BLOCKS:
            guess = _guess(strata[key], design.arms)
            if not pending[key]:
                pending[key] = permuted_block(rng, design)
            arm = pending[key].pop(0)
        elif method == RandomizationMethod.MINIMIZATION:
            counts = [levels[(f, patient[f])] for f in design.factors]
            choice_preview = minimization_choose(
                random.Random(0), replace(design, minimization_probability=1.0), counts
            )
            # A coordinator who knows the method guesses the arm minimising imbalance.
            best = min(choice_preview.imbalance_by_arm.values())
            favoured = [a for a, v in choice_preview.imbalance_by_arm.items() if v == best]
            guess = {a: (1 / len(favoured) if a in favoured else 0.0) for a in design.arms}
            arm = minimization_choose(rng, design, counts).arm
        else:
            guess = {a: 1 / len(design.arms) for a in design.arms}
            arm = rng.choice(design.arms)
        guessed += guess[arm]
        strata[key][arm] += 1
        for factor in design.factors:
            levels[(factor, patient[factor])][arm] += 1
    imbalances = [abs(c[design.arms[0]] - c[design.arms[1]]) for c in strata.values()]
    level_imbalances = [abs(c[design.arms[0]] - c[design.arms[1]]) for c in levels.values()]
    total: Counter[str] = Counter()
    for stratum_counts in strata.values():
        total.update(stratum_counts)
    return SimulationResult(
        method=method,
        arms=total,
        largest_stratum_imbalance=max(imbalances, default=0),
        mean_stratum_imbalance=sum(imbalances) / len(imbalances) if imbalances else 0.0,
        largest_factor_level_imbalance=max(level_imbalances, default=0),
        predictability=guessed / len(patients) if patients else 0.0,
    )
