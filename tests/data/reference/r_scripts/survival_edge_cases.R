# R's figures on the hand-made edge cases of survival_edge_cases_inputs.csv, written to
# reference_survival_edge_cases.csv (key,value), plus cox.zph on trial_n300.csv.
#
# Cases: all_tied (every death on one day), empty_stratum (stratum c has no death),
# separation (every death in the dex arm: coxph warns that the coefficient may be infinite),
# ties (80 patients on 15 distinct days, two strata). For each: Kaplan-Meier by arm (log-log
# limits), survdiff plain and stratified, coxph plain and stratified with Efron and Breslow
# ties, and cox.zph(fit)'s p (default transform "km"; NA where cox.zph stops on a singular
# system). Numbers with 17 significant digits, NA as an empty value. Base R and survival only.
#
# Run from the repository root:
#   Rscript tests/data/reference/r_scripts/survival_edge_cases.R \
#     > tests/data/reference/reference_survival_edge_cases.csv
# tests/endpoints/test_survival_edge_cases_match_r.py reads the committed CSV, and reruns
# this script where Rscript is installed to check the CSV is what R says.

suppressPackageStartupMessages(library(survival))

out <- function(key, value) {
  text <- ifelse(is.finite(value), sprintf("%.17g", value), "")
  if (length(value) == 1) {
    cat(key, ",", text, "\n", sep = "")
  } else {
    cat(paste0(key, ".", seq_along(value), ",", text, "\n"), sep = "")
  }
}

zph_p <- function(fit) {
  tryCatch(cox.zph(fit)$table[1, "p"], error = function(e) NA_real_)
}

models <- function(prefix, d) {
  for (ties in c("efron", "breslow")) {
    for (stratified in c(FALSE, TRUE)) {
      formula <- if (stratified) {
        Surv(days, event) ~ arm + strata(stratum)
      } else {
        Surv(days, event) ~ arm
      }
      fit <- suppressWarnings(coxph(formula, data = d, ties = ties))
      key <- paste0(prefix, ".cox", if (stratified) "_stratified" else "", "_", ties)
      out(paste0(key, ".coef"), unname(coef(fit)))
      out(paste0(key, ".se"), sqrt(vcov(fit)[1, 1]))
      out(paste0(key, ".loglik_null"), fit$loglik[1])
      out(paste0(key, ".loglik"), fit$loglik[2])
      out(paste0(key, ".score_chisq"), fit$score)
      out(paste0(key, ".ph_test_p"), zph_p(fit))
    }
  }
}

cases <- read.csv("tests/data/reference/survival_edge_cases_inputs.csv", stringsAsFactors = FALSE)
for (case in unique(cases$case)) {
  d <- cases[cases$case == case, ]
  d$arm <- factor(d$arm, levels = c("control", "dex"))
  for (arm in c("control", "dex")) {
    km <- survfit(Surv(days, event) ~ 1, data = d[d$arm == arm, ], conf.type = "log-log")
    key <- paste0(case, ".km.", arm)
    out(paste0(key, ".time"), km$time)
    out(paste0(key, ".surv"), km$surv)
    out(paste0(key, ".lower"), km$lower)
    out(paste0(key, ".upper"), km$upper)
    median <- quantile(km, 0.5)  # quantile.survfit's rule, as the project (PROVENANCE.md)
    out(paste0(key, ".median"), unname(median$quantile))
    out(paste0(key, ".median_lower"), unname(median$lower))
    out(paste0(key, ".median_upper"), unname(median$upper))
  }
  for (stratified in c(FALSE, TRUE)) {
    formula <- if (stratified) Surv(days, event) ~ arm + strata(stratum) else Surv(days, event) ~ arm
    test <- survdiff(formula, data = d)
    key <- paste0(case, ".logrank", if (stratified) "_stratified" else "")
    out(paste0(key, ".chisq"), test$chisq)
    observed <- if (is.matrix(test$obs)) rowSums(test$obs) else test$obs
    out(paste0(key, ".observed_dex"), observed[2])
    expected <- if (is.matrix(test$exp)) rowSums(test$exp) else test$exp
    out(paste0(key, ".expected_dex"), expected[2])
  }
  models(case, d)
}

trial <- read.csv("tests/data/reference/trial_n300.csv", stringsAsFactors = FALSE)
trial$arm <- factor(trial$arm, levels = c("control", "dex"))
names(trial)[names(trial) == "os_days"] <- "days"
names(trial)[names(trial) == "os_event"] <- "event"
names(trial)[names(trial) == "regimen"] <- "stratum"
models("trial_n300", trial)
