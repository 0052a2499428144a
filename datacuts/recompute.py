"""The R script packaged with a data cut, and the figures it must find again.

`expected_figures` flattens every OS and EFS figure of the results JSON into `key → value`
(None where the analysis has none: a median not reached, a hazard ratio not estimable);
`expected.csv` holds them, so the script needs base R and `survival` only (jsonlite is not
always installed). `recompute_script` writes `recompute.R`, which reads ADSL and ADTTE from
the package's CSVs, recomputes each figure independently with `survival` (survfit with
log-log limits, survdiff, coxph with Efron's ties), prints PASS or FAIL per figure and
exits with status 1 on any FAIL. The keys name the figures as R's outputs do.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from typing import Any

from endpoints.analysis import LANDMARKS, REFERENCE, RISK_TIMES, TREATMENT

PARAMETERS = ("OS", "EFS")
GROUPS = ("pooled", TREATMENT, REFERENCE)
TOLERANCE = 1e-6  # relative, as the statistics are checked against R (tests/endpoints)
# The strata the analysis reads (PatientFacts attributes) and the ADSL column holding each.
STRATA_COLUMNS = {"regimen": "STRAT1R", "disease_status": "STRAT3R"}
COX_FIGURES = ("coef", "se", "hr", "hr_lower", "hr_upper", "wald_p", "lr_p", "score_p")


def _curve(prefix: str, summary: dict[str, Any] | None) -> Iterator[tuple[str, Any]]:
    if summary is None:  # no patient in this group: R finds none either
        yield f"{prefix}.n", 0
        return
    yield f"{prefix}.n", summary["n"]
    yield f"{prefix}.events", summary["events"]
    yield f"{prefix}.median", summary["median"]
    yield f"{prefix}.median_lcl_loglog", summary["median_lower"]
    yield f"{prefix}.median_ucl_loglog", summary["median_upper"]
    for time in RISK_TIMES:
        yield f"{prefix}.n_at_risk.{time}", summary["at_risk"][str(time)]
    for landmark in summary["landmarks"].values():
        day = landmark["day"]
        yield f"{prefix}.surv.{day}", landmark["survival"]
        yield f"{prefix}.surv_lcl_loglog.{day}", landmark["lower"]
        yield f"{prefix}.surv_ucl_loglog.{day}", landmark["upper"]


def _comparison(prefix: str, comparison: dict[str, Any] | None) -> Iterator[tuple[str, Any]]:
    yield f"{prefix}.comparable", int(comparison is not None)
    if comparison is None:  # one arm only, or no event
        return
    for kind, suffix in (("unstratified", ""), ("stratified", "_stratified")):
        if kind not in comparison:
            continue
        logrank, cox = comparison[kind]["logrank"], comparison[kind]["cox"]
        yield f"{prefix}.logrank{suffix}.chisq", logrank["chisq"]
        yield f"{prefix}.logrank{suffix}.p", logrank["p"]
        for arm in (TREATMENT, REFERENCE):
            yield f"{prefix}.logrank{suffix}.observed.{arm}", logrank["observed"][arm]
            yield f"{prefix}.logrank{suffix}.expected.{arm}", logrank["expected"][arm]
        for name in COX_FIGURES:
            yield f"{prefix}.cox{suffix}.{name}", cox[name]


def expected_figures(results: dict[str, Any]) -> list[tuple[str, Any]]:
    """Return every OS and EFS figure of the results as (key, value), value None if absent."""
    figures: list[tuple[str, Any]] = []
    for parameter in PARAMETERS:
        endpoint = results["endpoints"][parameter]
        figures += _curve(f"{parameter}.km.pooled", endpoint["pooled"])
        for arm in (TREATMENT, REFERENCE):
            figures += _curve(f"{parameter}.km.{arm}", endpoint["by_arm"][arm])
        figures += _comparison(parameter, endpoint["comparison"])
    return figures


def _number(value: Any) -> str:
    """The value as R reads it back exactly: NA, an integer, or a float's shortest repr."""
    if value is None:
        return "NA"
    if isinstance(value, int):
        return str(value)
    return repr(float(value))  # numpy floats too: repr(np.float64) is not a number in R


def expected_csv(results: dict[str, Any]) -> bytes:
    """`key,value` with NA for a missing figure; floats written to round-trip exactly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["key", "value"])
    for key, value in expected_figures(results):
        writer.writerow([key, _number(value)])
    return buffer.getvalue().encode()


def strata_columns(strata_factors: Sequence[str]) -> list[str]:
    """The ADSL columns the script pastes into the stratum label, in the analysis's order."""
    unknown = [f for f in strata_factors if f not in STRATA_COLUMNS]
    if unknown:
        raise ValueError(f"No ADSL column holds the stratification factor(s) {unknown}.")
    return [STRATA_COLUMNS[f] for f in strata_factors]


def _r_vector(values: Sequence[Any]) -> str:
    return "c(" + ", ".join(f'"{v}"' if isinstance(v, str) else str(v) for v in values) + ")"


def recompute_script(*, label: str, cutoff: str, strata_factors: Sequence[str]) -> bytes:
    """Return recompute.R for a package (its settings written at the top)."""
    settings = "\n".join(
        [
            f"# Data cut: {label.replace(chr(10), ' ')}; cut-off {cutoff}.",
            f"TOLERANCE <- {TOLERANCE!r}",
            f"ARMS <- {_r_vector([REFERENCE, TREATMENT])}  # reference first: HR = "
            f"{TREATMENT} vs {REFERENCE}",
            f"PARAMETERS <- {_r_vector(PARAMETERS)}",
            f"STRATA_COLUMNS <- {_r_vector(strata_columns(strata_factors))}"
            if strata_factors
            else "STRATA_COLUMNS <- character(0)",
            f"RISK_TIMES <- {_r_vector(list(RISK_TIMES))}",
            f"LANDMARK_DAYS <- {_r_vector(list(LANDMARKS.values()))}",
        ]
    )
    return (_HEADER + settings + "\n" + _BODY).encode()


_HEADER = """\
# Recompute every overall and event-free survival figure of this data cut from its CSVs,
# with base R and the survival package, and compare each with the analysis results
# (results.json, flattened into expected.csv). Run it in the unzipped package:
#
#   Rscript recompute.R
#
# It prints PASS or FAIL for each figure and exits with status 1 if any figure differs by
# more than TOLERANCE (relative), or is missing on one side only.
#
# Conventions, those of the trial's analysis (PROTOCOL.md, endpoints/analysis.py):
#   * time AVAL in days, event = 1 - CNSR (ADTTE, PARAMCD OS and EFS);
#   * Kaplan-Meier with log-log confidence limits (survfit conf.type = "log-log"); at-risk
#     counts are AVAL >= t; S(t) and its limits are read at the last time <= t;
#   * log-rank: survdiff, plain and stratified; Cox: coxph with Efron's ties, plain and
#     stratified (strata = the ADSL columns below pasted with "|"); a hazard ratio with
#     |log HR| > 15 or no finite standard error is not estimable (NA), as in the results.
"""

_BODY = r"""
suppressPackageStartupMessages(library(survival))

read_export <- function(path) {
  # The exports start and end with '#' lines (cut-off, extraction time, row count, SHA-256).
  lines <- readLines(path, encoding = "UTF-8")
  lines <- lines[!startsWith(lines, "#")]
  read.csv(text = lines, colClasses = "character", na.strings = character(0),
           check.names = FALSE)
}

adsl <- read_export(file.path("datasets", "adsl.csv"))
adtte <- read_export(file.path("datasets", "adtte.csv"))
expected_table <- read.csv("expected.csv", colClasses = c("character", "numeric"),
                           na.strings = "NA")
expected <- setNames(expected_table$value, expected_table$key)

if (length(STRATA_COLUMNS)) {
  stratum <- do.call(paste, c(unname(as.list(adsl[STRATA_COLUMNS])), sep = "|"))
} else {
  stratum <- rep("", nrow(adsl))
}
strata_of <- setNames(stratum, adsl$USUBJID)

computed <- list()
put <- function(key, value) {
  computed[[key]] <<- if (length(value) == 0 || is.null(value)) NA_real_ else unname(value[1])
}

at_step <- function(times, values, t, before) {
  # A right-continuous step function read at t: the value at the last time <= t.
  index <- which(times <= t)
  if (length(index) == 0) before else values[max(index)]
}

km_figures <- function(prefix, d) {
  put(paste0(prefix, ".n"), nrow(d))
  if (nrow(d) == 0) return(invisible())
  fit <- survfit(Surv(time, event) ~ 1, data = d, conf.type = "log-log")
  table <- summary(fit)$table
  put(paste0(prefix, ".events"), sum(d$event))
  put(paste0(prefix, ".median"), table[["median"]])
  put(paste0(prefix, ".median_lcl_loglog"), table[["0.95LCL"]])
  put(paste0(prefix, ".median_ucl_loglog"), table[["0.95UCL"]])
  for (t in RISK_TIMES) put(paste0(prefix, ".n_at_risk.", t), sum(d$time >= t))
  for (day in LANDMARK_DAYS) {
    put(paste0(prefix, ".surv.", day), at_step(fit$time, fit$surv, day, 1))
    put(paste0(prefix, ".surv_lcl_loglog.", day), at_step(fit$time, fit$lower, day, 1))
    put(paste0(prefix, ".surv_ucl_loglog.", day), at_step(fit$time, fit$upper, day, 1))
  }
}

cox_figures <- function(prefix, formula, d) {
  # A fit that "converges" to an infinite hazard ratio warns; the rule below decides.
  fit <- tryCatch(
    suppressWarnings(coxph(formula, data = d, ties = "efron",
                           control = coxph.control(eps = 1e-12, iter.max = 100))),
    error = function(e) NULL
  )
  s <- if (is.null(fit)) NULL else summary(fit)
  estimable <- !is.null(s) && is.finite(s$coefficients[1, "se(coef)"]) &&
    abs(s$coefficients[1, "coef"]) <= 15
  value <- function(x) if (estimable) x else NA_real_
  put(paste0(prefix, ".coef"), value(s$coefficients[1, "coef"]))
  put(paste0(prefix, ".se"), value(s$coefficients[1, "se(coef)"]))
  put(paste0(prefix, ".hr"), value(s$conf.int[1, "exp(coef)"]))
  put(paste0(prefix, ".hr_lower"), value(s$conf.int[1, "lower .95"]))
  put(paste0(prefix, ".hr_upper"), value(s$conf.int[1, "upper .95"]))
  put(paste0(prefix, ".wald_p"), value(s$coefficients[1, "Pr(>|z|)"]))
  put(paste0(prefix, ".lr_p"), value(s$logtest[["pvalue"]]))
  put(paste0(prefix, ".score_p"), value(s$sctest[["pvalue"]]))
}

logrank_figures <- function(prefix, formula, d) {
  test <- survdiff(formula, data = d)
  observed <- if (is.matrix(test$obs)) rowSums(test$obs) else test$obs
  expected_events <- if (is.matrix(test$exp)) rowSums(test$exp) else test$exp
  groups <- sub("^arm=", "", names(test$n))
  put(paste0(prefix, ".chisq"), test$chisq)
  put(paste0(prefix, ".p"), pchisq(test$chisq, df = 1, lower.tail = FALSE))
  for (arm in ARMS) {
    put(paste0(prefix, ".observed.", arm), observed[groups == arm])
    put(paste0(prefix, ".expected.", arm), expected_events[groups == arm])
  }
}

for (parameter in PARAMETERS) {
  rows <- adtte[adtte$PARAMCD == parameter, ]
  d <- data.frame(
    time = as.numeric(rows$AVAL),
    event = 1 - as.numeric(rows$CNSR),
    arm = factor(tolower(rows$TRT01P), levels = ARMS),
    stratum = unname(strata_of[rows$USUBJID])
  )
  km_figures(paste0(parameter, ".km.pooled"), d)
  for (arm in rev(ARMS)) km_figures(paste0(parameter, ".km.", arm), d[d$arm == arm, ])
  comparable <- length(unique(d$arm)) == 2 && sum(d$event) > 0
  put(paste0(parameter, ".comparable"), as.numeric(comparable))
  if (!comparable) next
  logrank_figures(paste0(parameter, ".logrank"), Surv(time, event) ~ arm, d)
  cox_figures(paste0(parameter, ".cox"), Surv(time, event) ~ arm, d)
  if (length(STRATA_COLUMNS)) {
    logrank_figures(paste0(parameter, ".logrank_stratified"),
                    Surv(time, event) ~ arm + strata(stratum), d)
    cox_figures(paste0(parameter, ".cox_stratified"),
                Surv(time, event) ~ arm + strata(stratum), d)
  }
}

agree <- function(ours, theirs) {
  if (is.na(theirs) || is.na(ours)) return(is.na(theirs) && is.na(ours))
  abs(ours - theirs) <= TOLERANCE * abs(theirs) + 1e-12
}

failures <- 0
for (key in union(names(expected), names(computed))) {
  theirs <- if (key %in% names(expected)) expected[[key]] else NA_real_
  ours <- if (key %in% names(computed)) computed[[key]] else NA_real_
  missing <- !(key %in% names(expected)) || !(key %in% names(computed))
  ok <- !missing && agree(ours, theirs)
  if (!ok) failures <- failures + 1
  cat(sprintf("%s %s R=%s results=%s\n", if (ok) "PASS" else "FAIL", key,
              format(ours, digits = 15), format(theirs, digits = 15)))
}
cat(sprintf("%d figures, %d FAIL\n", length(union(names(expected), names(computed))), failures))
quit(status = if (failures > 0) 1 else 0)
"""
