"""Response rates by arm: exact (Clopper-Pearson) intervals and Fisher's exact test."""

from __future__ import annotations

from dataclasses import dataclass

from scipy.stats import beta, fisher_exact


@dataclass(frozen=True)
class Rate:
    responders: int
    n: int
    rate: float | None
    lower: float | None
    upper: float | None


def clopper_pearson(responders: int, n: int, alpha: float = 0.05) -> Rate:
    """Exact binomial confidence interval (R binom.test)."""
    if n == 0:
        return Rate(responders, n, None, None, None)
    lower = 0.0 if responders == 0 else float(beta.ppf(alpha / 2, responders, n - responders + 1))
    upper = (
        1.0 if responders == n else float(beta.ppf(1 - alpha / 2, responders + 1, n - responders))
    )
    return Rate(responders, n, responders / n, lower, upper)


def fisher_p(responders_a: int, n_a: int, responders_b: int, n_b: int) -> float | None:
    """Two-sided Fisher's exact test of two response rates (R fisher.test)."""
    if n_a == 0 or n_b == 0:
        return None
    table = [[responders_a, n_a - responders_a], [responders_b, n_b - responders_b]]
    return float(fisher_exact(table, alternative="two-sided").pvalue)
