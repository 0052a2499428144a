"""python manage.py analyze --cutoff YYYY-MM-DD [--strata regimen] --format json|csv

The statistician's command line: the standard analysis of a cut-off, computed by the same
code as the worker (endpoints.services.analysis_results), printed as flat dotted keys so a
script, a spreadsheet or R can compare the figures one by one. Results are by arm: the
command is for the unblinded statistician on the server, not for the sites.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from endpoints.analysis import REFERENCE, RISK_TIMES, TREATMENT
from endpoints.services import analysis_cutoff_checked, analysis_results, analysis_strata_checked
from endpoints.statistics.cox_efron import TIES

ARMS = (TREATMENT, REFERENCE)
# Endpoint key prefixes: the results' parameters in lower case (os, efs, lfs, os_hsct_censored).
ENDPOINTS = ("OS", "EFS", "LFS", "OS_HSCT_CENSORED")
UNSTRATIFIED = "none"

HELP = f"""
Compute the standard analysis of the data up to --cutoff with the worker's code and print it
as one flat object of dotted keys (--format json) or as two columns key,value (--format csv).
For each endpoint (prefix {", ".join(p.lower() for p in ENDPOINTS)}):
<ep>.km.<arm>.{{n, events, median, median_lcl_loglog, median_ucl_loglog, n_at_risk}} for the
arms {" and ".join(ARMS)} (median interval: 95%, log-log transform); <ep>.logrank.{{chisq, p}},
<ep>.logrank_stratified.{{chisq, p}}, <ep>.cox.{{hr, hr_lower, hr_upper, wald_p}},
<ep>.cox_stratified.{{hr, hr_lower, hr_upper, wald_p}} (hazard ratio {TREATMENT} vs {REFERENCE},
Wald 95% interval). n_at_risk is the number with time >= t at t = {", ".join(map(str, RISK_TIMES))}
days: in JSON one object {{"0": n, "90": n, ...}}, in CSV one row per time
(<ep>.km.<arm>.n_at_risk.90). The analysis itself under analysis.{{cutoff, strata, ties,
n_randomized, data_locks.locked, data_locks.randomized, data_locks.trial_locked}} (the patients
entered here whose data are locked, of those randomized here; whether the whole trial is locked,
as for the final analysis). A figure that cannot be computed is null in JSON and
empty in CSV. Without --strata the stratified figures use the protocol's analysis strata
(TRIAL_ANALYSIS_STRATA, as the worker); --strata {UNSTRATIFIED} leaves them null.
"""


def _cutoff(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--cutoff {value!r} is not a date (YYYY-MM-DD).") from None


def _strata(value: str | None) -> list[str] | None:
    """None: the protocol's default; 'none': unstratified; else the comma-separated factors."""
    if value is None:
        return None
    factors = [f.strip() for f in value.split(",")]
    if factors == [UNSTRATIFIED]:
        return []
    if not all(factors):
        raise CommandError(f"--strata {value!r}: name the factors, separated by commas.")
    return factors


def _refusal(exc: ValidationError) -> CommandError:
    lines = [f"{key}: {'; '.join(messages)}" for key, messages in exc.message_dict.items()]
    return CommandError("\n".join(lines))


def analysis_figures(results: dict[str, Any], *, ties: str) -> dict[str, Any]:
    """Return the figures of an analysis under their dotted keys, in a stable order."""
    locks = results.get("data_locks") or {}
    figures: dict[str, Any] = {
        "analysis.cutoff": results["cutoff"],
        "analysis.strata": ",".join(results["strata_factors"]),
        "analysis.ties": ties,
        "analysis.n_randomized": results["n_randomized"],
        "analysis.data_locks.locked": locks.get("locked"),
        "analysis.data_locks.randomized": locks.get("randomized"),
        "analysis.data_locks.trial_locked": locks.get("trial_locked"),
    }
    for parameter in ENDPOINTS:
        endpoint = results["endpoints"][parameter]
        prefix = parameter.lower()
        for arm in ARMS:
            curve = endpoint["by_arm"].get(arm) or {}
            at_risk = curve.get("at_risk")
            figures |= {
                f"{prefix}.km.{arm}.n": curve.get("n"),
                f"{prefix}.km.{arm}.events": curve.get("events"),
                f"{prefix}.km.{arm}.median": curve.get("median"),
                f"{prefix}.km.{arm}.median_lcl_loglog": curve.get("median_lower"),
                f"{prefix}.km.{arm}.median_ucl_loglog": curve.get("median_upper"),
                f"{prefix}.km.{arm}.n_at_risk": (
                    {str(t): at_risk[str(t)] for t in RISK_TIMES} if at_risk else None
                ),
            }
        comparison = endpoint["comparison"] or {}
        for suffix, fit in (("", "unstratified"), ("_stratified", "stratified")):
            test = (comparison.get(fit) or {}).get("logrank") or {}
            model = (comparison.get(fit) or {}).get("cox") or {}
            figures |= {f"{prefix}.logrank{suffix}.{k}": test.get(k) for k in ("chisq", "p")}
            figures |= {
                f"{prefix}.cox{suffix}.{k}": model.get(k)
                for k in ("hr", "hr_lower", "hr_upper", "wald_p")
            }
    return figures


def figures_json(figures: dict[str, Any]) -> str:
    return json.dumps(figures, indent=2, allow_nan=False) + "\n"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"  # as in the JSON
    if isinstance(value, float):
        return repr(value)  # every digit: the shortest text that reads back as this float
    return str(value)


def figures_csv(figures: dict[str, Any]) -> str:
    """Two columns key,value; n_at_risk flattened to one row per time."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["key", "value"])
    for key, value in figures.items():
        if key.endswith(".n_at_risk"):
            for t in RISK_TIMES:
                writer.writerow([f"{key}.{t}", _cell(value[str(t)] if value else None)])
        else:
            writer.writerow([key, _cell(value)])
    return out.getvalue()


class Command(BaseCommand):
    help = HELP

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cutoff", required=True, help="The data cut-off, YYYY-MM-DD.")
        parser.add_argument(
            "--strata",
            help="Comma-separated analysis strata (regimen, disease_status), or 'none'; "
            "default: the protocol's analysis strata.",
        )
        parser.add_argument("--format", required=True, choices=("json", "csv"))
        parser.add_argument(
            "--ties", default="efron", choices=TIES, help="Cox ties: efron (default), breslow."
        )
        parser.add_argument("--output", type=Path, help="Write to this file, not stdout.")

    def handle(
        self,
        *args: object,
        cutoff: str,
        strata: str | None,
        format: str,
        ties: str,
        output: Path | None,
        **options: object,
    ) -> None:
        # Everything is checked and computed before a byte is written: a refusal prints nothing.
        try:
            day = analysis_cutoff_checked(_cutoff(cutoff))
            factors = analysis_strata_checked(_strata(strata))
        except ValidationError as exc:
            raise _refusal(exc) from None
        if output is not None and not output.parent.is_dir():
            raise CommandError(f"--output {output}: no folder {output.parent}.")
        _facts, results = analysis_results(cutoff=day, strata_factors=factors, ties=ties)
        figures = analysis_figures(results, ties=ties)
        text = figures_json(figures) if format == "json" else figures_csv(figures)
        if output is None:
            self.stdout.write(text, ending="")
        else:
            output.write_text(text, encoding="utf-8")
            self.stderr.write(f"Written to {output}.")
