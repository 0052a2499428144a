"""The worker's overall-survival statistics against R's `survival`, side by side in one run.

    .venv/bin/python bench/statistics_vs_r.py [N ...] [--repeats 3]

For each N (default 100000 and 1000000) a trial is simulated (two arms, four strata,
exponential times, censoring, times rounded to whole days so deaths tie) and written to a
temporary CSV once. Then each piece of the analysis is timed `repeats` times, min and median:
the project's functions (the ones endpoints/analysis.py calls) on arrays already in memory,
and R 4.2 / survival on the same CSV in one `Rscript` run that times itself after reading it.
The figures of both are compared too (to 1e-6), so a fast answer is also R's answer.
Without `Rscript` the R columns are left out, said so. bench/analysis.py imports
`measure_statistics`.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from endpoints.statistics.comparison import cox, logrank  # noqa: E402
from endpoints.statistics.kaplan_meier import kaplan_meier  # noqa: E402

TREATMENT, REFERENCE = "dex", "control"  # protocol.Arm values, without loading Django
STRATA = ("intensive|primary refractory", "intensive|relapse",
          "azacitidine|primary refractory", "azacitidine|relapse")  # fmt: skip
PIECES = {
    "km": "Kaplan-Meier by arm (log-log CI, medians)",
    "logrank": "log-rank",
    "logrank_stratified": "stratified log-rank",
    "cox": "Cox Efron + score/LR/Wald + PH check",
    "cox_stratified": "stratified Cox Efron + tests + PH check",
}
RELATIVE = 1e-6

R_SCRIPT = r"""
suppressPackageStartupMessages(library(survival))
args <- commandArgs(TRUE)
d <- read.csv(args[1], stringsAsFactors = FALSE)
repeats <- as.integer(args[2])
d$arm <- factor(d$arm, levels = c("control", "dex"))
pieces <- list(
  km = function() {
    fit <- survfit(Surv(days, event) ~ arm, data = d, conf.type = "log-log")
    list(fit = fit, table = summary(fit)$table)
  },
  logrank = function() survdiff(Surv(days, event) ~ arm, data = d),
  logrank_stratified = function() survdiff(Surv(days, event) ~ arm + strata(stratum), data = d),
  cox = function() {
    fit <- coxph(Surv(days, event) ~ arm, data = d)
    list(fit = fit, zph = cox.zph(fit))
  },
  cox_stratified = function() {
    fit <- coxph(Surv(days, event) ~ arm + strata(stratum), data = d)
    list(fit = fit, zph = cox.zph(fit))
  }
)
out <- list()
for (name in names(pieces)) {
  for (i in seq_len(repeats)) {
    gc()
    seconds <- system.time(out[[name]] <- pieces[[name]]())[["elapsed"]]
    cat("TIME", name, seconds, "\n")
  }
}
value <- function(name, x) cat("VALUE", name, format(unname(x), digits = 17), "\n")
km <- out$km$table
value("km_median_control", km[1, "median"]); value("km_median_dex", km[2, "median"])
value("km_median_lower_dex", km[2, "0.95LCL"]); value("km_median_upper_dex", km[2, "0.95UCL"])
value("logrank_chisq", out$logrank$chisq)
value("logrank_stratified_chisq", out$logrank_stratified$chisq)
for (name in c("cox", "cox_stratified")) {
  fit <- out[[name]]$fit
  value(paste0(name, "_coef"), coef(fit)); value(paste0(name, "_se"), sqrt(vcov(fit)[1, 1]))
  value(paste0(name, "_loglik"), fit$loglik[2]); value(paste0(name, "_score"), fit$score)
  value(paste0(name, "_ph_p"), out[[name]]$zph$table[1, "p"])
}
"""


def simulate(n: int, seed: int = 20260101) -> dict[str, np.ndarray]:
    """A trial of n patients: hazard ratio 0.8, strata of different risk, whole days."""
    rng = np.random.default_rng(seed)
    treated = rng.random(n) < 0.5
    stratum = rng.integers(0, len(STRATA), n)
    hazard = np.array([1 / 300, 1 / 450, 1 / 200, 1 / 350])[stratum] * np.where(treated, 0.8, 1)
    death = rng.exponential(1 / hazard)
    censor = np.minimum(rng.exponential(900, n), rng.uniform(30, 1500, n))
    return {
        "days": np.round(np.minimum(death, censor)),
        "event": (death <= censor).astype(int),
        "arm": np.where(treated, TREATMENT, REFERENCE),
        "stratum": np.asarray(STRATA)[stratum],
    }


def write_csv(trial: dict[str, np.ndarray], path: Path) -> None:
    frame = pd.DataFrame({**trial, "days": trial["days"].astype(int)})
    frame.to_csv(path, index=False, columns=["days", "event", "arm", "stratum"])


def project_pieces(
    trial: dict[str, np.ndarray],
) -> dict[str, Callable[[], dict[str, float | None]]]:
    """Each piece returns the figures it computed, to compare with R's.

    The inputs are what endpoints/analysis.py passes: whole days and events as integer
    arrays, arms and strata as object arrays of strings (endpoints/cohort.py's labels).
    """
    days, event = trial["days"].astype(np.int64), trial["event"]
    arm, stratum = trial["arm"].astype(object), trial["stratum"].astype(object)
    arms = {"treatment": TREATMENT, "reference": REFERENCE}
    by_arm = {a: (days[arm == a], event[arm == a]) for a in (REFERENCE, TREATMENT)}

    def km() -> dict[str, float | None]:
        curves = {a: kaplan_meier(*by_arm[a], conf_type="log-log") for a in by_arm}
        return {
            "km_median_control": curves[REFERENCE].median,
            "km_median_dex": curves[TREATMENT].median,
            "km_median_lower_dex": curves[TREATMENT].median_lower,
            "km_median_upper_dex": curves[TREATMENT].median_upper,
        }

    def model(name: str, strata: np.ndarray | None) -> Callable[[], dict[str, float | None]]:
        def fit() -> dict[str, float | None]:
            m = cox(days, event, arm, strata=strata, treatment=TREATMENT, reference=REFERENCE)
            return {f"{name}_coef": m.coef, f"{name}_se": m.se, f"{name}_loglik": m.loglik,
                    f"{name}_score": m.score_chisq, f"{name}_ph_p": m.ph_test_p}  # fmt: skip

        return fit

    return {
        "km": km,
        "logrank": lambda: {"logrank_chisq": logrank(days, event, arm, **arms).chisq},
        "logrank_stratified": lambda: {
            "logrank_stratified_chisq": logrank(days, event, arm, strata=stratum, **arms).chisq
        },
        "cox": model("cox", None),
        "cox_stratified": model("cox_stratified", stratum),
    }


def _summary(seconds: list[float]) -> dict[str, float]:
    return {"min": min(seconds), "median": statistics.median(seconds)}


def run_r(csv: Path, repeats: int) -> tuple[dict[str, dict[str, float]], dict[str, float]] | None:
    """R's timings (its CSV read excluded) and figures, or None without Rscript."""
    rscript = shutil.which("Rscript")
    if rscript is None:
        return None
    script = csv.with_suffix(".R")
    script.write_text(R_SCRIPT)
    done = subprocess.run([rscript, str(script), str(csv), str(repeats)],
                          capture_output=True, text=True, check=True)  # fmt: skip
    times: dict[str, list[float]] = {}
    values: dict[str, float] = {}
    for line in done.stdout.splitlines():
        kind, name, figure = [*line.split(), "", "", ""][:3]
        if kind == "TIME":
            times.setdefault(name, []).append(float(figure))
        elif kind == "VALUE":
            values[name] = float("nan") if figure == "NA" else float(figure)
    return {name: _summary(s) for name, s in times.items()}, values


def measure_statistics(n: int, repeats: int = 3) -> dict[str, Any]:
    """Time every piece of the OS analysis, the project's and R's, on one simulated trial.

    Returns {"n", "repeats", "pieces": {piece: {"project": {min, median}, "r": ... | None}},
    "total": {"project": ..., "r": ...}, "r_missing": bool, "disagreements": {...}}.
    """
    trial = simulate(n)
    pieces = project_pieces(trial)
    project_times: dict[str, list[float]] = {name: [] for name in pieces}
    ours: dict[str, float | None] = {}
    for name, piece in pieces.items():
        for _ in range(repeats):
            start = time.perf_counter()
            ours.update(piece())
            project_times[name].append(time.perf_counter() - start)
    with tempfile.TemporaryDirectory(prefix="statistics_vs_r_") as folder:
        csv = Path(folder) / f"trial_{n}.csv"
        write_csv(trial, csv)
        r = run_r(csv, repeats)
    r_times, theirs = r if r is not None else ({}, {})
    disagreements = {
        name: (ours.get(name), value)
        for name, value in theirs.items()
        if not _agree(ours.get(name), value)
    }
    totals = {"project": [sum(t[i] for t in project_times.values()) for i in range(repeats)]}
    result: dict[str, Any] = {
        "n": n,
        "repeats": repeats,
        "pieces": {
            name: {"project": _summary(project_times[name]), "r": r_times.get(name)}
            for name in pieces
        },
        "total": {
            "project": _summary(totals["project"]),
            "r": _total(r_times) if r_times else None,
        },
        "r_missing": r is None,
        "disagreements": disagreements,
    }
    return result


def _total(r_times: dict[str, dict[str, float]]) -> dict[str, float]:
    return {k: sum(piece[k] for piece in r_times.values()) for k in ("min", "median")}


def _agree(ours: float | None, theirs: float) -> bool:
    if ours is None or np.isnan(theirs):
        return ours is None and np.isnan(theirs)
    return bool(np.isclose(ours, theirs, rtol=RELATIVE, atol=1e-12))


def table(result: dict[str, Any]) -> str:
    lines = [
        f"n = {result['n']:,} patients, {result['repeats']} repeats, seconds min / median",
        "| piece | project | R | project/R (min) |",
        "|---|---|---|---|",
    ]
    rows = [*((PIECES[k], v) for k, v in result["pieces"].items()), ("total", result["total"])]
    for label, timing in rows:
        p, r = timing["project"], timing["r"]
        theirs = f"{r['min']:.3f} / {r['median']:.3f}" if r else "-"
        ratio = f"{p['min'] / r['min']:.2f}×" if r and r["min"] > 0 else "-"
        lines.append(f"| {label} | {p['min']:.3f} / {p['median']:.3f} | {theirs} | {ratio} |")
    if result["r_missing"]:
        lines.append("R columns left out: no Rscript on this machine (.ci/install-r installs it).")
    elif result["disagreements"]:
        lines.append(f"FIGURES DIFFER FROM R: {result['disagreements']}")
    else:
        lines.append("Every compared figure equals R's to 1e-6.")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="*", type=int, default=[100_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    for n in args.n:
        print(table(measure_statistics(n, args.repeats)), flush=True)
        print()


if __name__ == "__main__":
    main()
