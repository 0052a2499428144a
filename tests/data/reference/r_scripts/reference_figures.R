# Reference figures for the estimators of endpoints/statistics/ not covered by
# reference_trial_n300.json: cumulative incidence with a competing event (Aalen-Johansen),
# Clopper-Pearson intervals, Fisher's exact test, and reverse Kaplan-Meier median follow-up.
#
# Run from the repository root (R, survival, jsonlite and cmprsk from Debian's packages):
#   Rscript tests/data/reference/r_scripts/reference_figures.R
# It reads the *_inputs.csv files and trial_n300.csv in tests/data/reference/ and writes
# reference_competing_risks.json, reference_response_rates.json and reference_follow_up.json
# next to them. The tests read those JSON files; they never call R.

suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
  library(cmprsk)
})

here <- "tests/data/reference"
read_input <- function(name) {
  read.csv(file.path(here, name), stringsAsFactors = FALSE, na.strings = "")
}
write_reference <- function(x, name) {
  # digits = NA: 15 significant digits, the most jsonlite writes; NA and Inf are written as null.
  write_json(x, file.path(here, name), auto_unbox = TRUE, digits = NA, na = "null",
             pretty = TRUE, null = "null")
}
software <- list(
  R = R.version.string,
  survival = as.character(packageVersion("survival")),
  cmprsk = as.character(packageVersion("cmprsk")),
  jsonlite = as.character(packageVersion("jsonlite"))
)
landmarks <- c(0, 7, 30, 90, 180, 365, 730)

# ---- Cumulative incidence of relapse, death in remission competing ------------------------
aalen_johansen <- function(d) {
  state <- factor(d$status, levels = 0:2, labels = c("censored", "relapse", "death"))
  fit <- survfit(Surv(time, state) ~ 1, data = d)
  column <- function(name) match(name, fit$states)
  at <- summary(fit, times = landmarks, extend = TRUE)
  # cmprsk's cuminc, an independent implementation, at the same times (it fails with no event).
  cuminc_at <- matrix(numeric(0), nrow = 0)
  if (any(d$status != 0)) {
    cuminc_at <- timepoints(cuminc(d$time, d$status, cencode = 0), landmarks)$est
  }
  relapse_row <- grep("^1 1$", rownames(cuminc_at))
  death_row <- grep("^1 2$", rownames(cuminc_at))
  list(
    n = nrow(d),
    relapses = sum(d$status == 1),
    competing_deaths = sum(d$status == 2),
    states = fit$states,
    table = list(
      time = fit$time,
      n_risk = fit$n.risk[, 1],
      n_event_relapse = fit$n.event[, column("relapse")],
      n_event_death = fit$n.event[, column("death")],
      n_censor = fit$n.censor,
      cif_relapse = fit$pstate[, column("relapse")],
      cif_death = fit$pstate[, column("death")],
      event_free = fit$pstate[, column("(s0)")],
      std_err_relapse = fit$std.err[, column("relapse")],
      std_err_death = fit$std.err[, column("death")]
    ),
    landmarks = list(
      time = at$time,
      cif_relapse = at$pstate[, column("relapse")],
      cif_death = at$pstate[, column("death")],
      cuminc_relapse = if (length(relapse_row)) unname(cuminc_at[relapse_row, ]) else NULL,
      cuminc_death = if (length(death_row)) unname(cuminc_at[death_row, ]) else NULL
    )
  )
}

cr <- read_input("competing_risks_inputs.csv")
curves <- list()
for (dataset in unique(cr$dataset)) {
  d <- cr[cr$dataset == dataset, ]
  curves[[dataset]] <- aalen_johansen(d)
  for (arm in sort(unique(na.omit(d$arm)))) {
    curves[[paste(dataset, arm, sep = ":")]] <- aalen_johansen(d[d$arm %in% arm, ])
  }
}
write_reference(list(
  software = software,
  input = "competing_risks_inputs.csv (status 0 censored, 1 relapse, 2 death in remission)",
  notes = c(
    "survfit(Surv(time, factor(status, 0:2, c('censored','relapse','death'))) ~ 1): Aalen-Johansen.",
    "table: one row per distinct time (events and censorings); cif_* = pstate of that state.",
    "std_err_*: survfit's default (infinitesimal jackknife) standard errors, for the record.",
    "landmarks: summary(fit, times=, extend=TRUE)$pstate; cuminc_*: cmprsk::cuminc via timepoints().",
    "A curve 'dataset:arm' is the dataset restricted to that arm."
  ),
  curves = curves
), "reference_competing_risks.json")

# ---- Response rates: Clopper-Pearson and Fisher's exact test -------------------------------
binomial <- read_input("binomial_inputs.csv")
intervals <- lapply(seq_len(nrow(binomial)), function(i) {
  x <- binomial$responders[i]; n <- binomial$n[i]; level <- binomial$conf_level[i]
  test <- binom.test(x, n, conf.level = level)
  list(responders = x, n = n, conf_level = level, estimate = unname(test$estimate),
       lower = test$conf.int[1], upper = test$conf.int[2], p_value_vs_half = test$p.value)
})
fisher <- read_input("fisher_inputs.csv")
tests <- lapply(seq_len(nrow(fisher)), function(i) {
  r <- fisher[i, ]
  table <- matrix(c(r$responders_a, r$n_a - r$responders_a,
                    r$responders_b, r$n_b - r$responders_b), nrow = 2, byrow = TRUE)
  test <- fisher.test(table)
  list(case = r$case, responders_a = r$responders_a, n_a = r$n_a,
       responders_b = r$responders_b, n_b = r$n_b, p_value = test$p.value,
       odds_ratio = unname(test$estimate), odds_ratio_lower = test$conf.int[1],
       odds_ratio_upper = test$conf.int[2])
})
write_reference(list(
  software = software,
  notes = c(
    "clopper_pearson: binom.test(x, n, conf.level=)$conf.int (exact; 0 and 1 at x = 0 and x = n).",
    "fisher: fisher.test(matrix(c(ra, na - ra, rb, nb - rb), 2, byrow = TRUE)), two-sided;",
    "its p-value sums tables no more probable than the observed one, up to a relative 1e-7.",
    "odds_ratio*: conditional MLE and its exact CI, for the record (the project reports the p-value);",
    "an infinite odds ratio or limit is written as null, as NA is."
  ),
  clopper_pearson = intervals,
  fisher = tests
), "reference_response_rates.json")

# ---- Median follow-up: reverse Kaplan-Meier ---------------------------------------------
reverse_km <- function(time, died) {
  out <- list(n = length(time), deaths = sum(died))
  for (conf_type in c("log", "log-log", "plain")) {
    fit <- survfit(Surv(time, 1 - died) ~ 1, conf.type = conf_type)
    q <- quantile(fit, probs = 0.5)
    suffix <- gsub("-", "", conf_type)
    out[[paste0("median_lcl_", suffix)]] <- unname(q$lower)
    out[[paste0("median_ucl_", suffix)]] <- unname(q$upper)
    out[[paste0("lower_", suffix)]] <- fit$lower
    out[[paste0("upper_", suffix)]] <- fit$upper
    if (conf_type == "log") {
      out$median <- unname(q$quantile)
      out$table <- list(time = fit$time, n_risk = fit$n.risk, n_event = fit$n.event,
                        n_censor = fit$n.censor, surv = fit$surv, std_err = fit$std.err)
    }
  }
  out
}
follow <- list()
fu <- read_input("follow_up_inputs.csv")
for (dataset in unique(fu$dataset)) {
  d <- fu[fu$dataset == dataset, ]
  follow[[dataset]] <- reverse_km(d$time, d$status)
}
trial <- read_input("trial_n300.csv")
follow[["trial_n300"]] <- reverse_km(trial$os_days, trial$os_event)
for (arm in sort(unique(trial$arm))) {
  d <- trial[trial$arm == arm, ]
  follow[[paste("trial_n300", arm, sep = ":")]] <- reverse_km(d$os_days, d$os_event)
}
write_reference(list(
  software = software,
  inputs = c("follow_up_inputs.csv (status 1 died)", "trial_n300.csv (os_days, os_event)"),
  notes = c(
    "Reverse Kaplan-Meier: survfit(Surv(time, 1 - died) ~ 1, conf.type=): being censored is the event.",
    "median, median_lcl_*, median_ucl_*: quantile(fit, 0.5) (midpoint of an exact 0.5 plateau).",
    "R's default conf.type is 'log'; 'log-log' and 'plain' are also given. NA (null) where undefined.",
    "std_err: survfit's std.err, on the cumulative-hazard scale. 'trial_n300:arm' is one arm."
  ),
  follow_up = follow
), "reference_follow_up.json")
