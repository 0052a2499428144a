# Recompute reference_trial_n300.json from trial_n300.csv with R's survival package.
#
# reference_trial_n300.json was handed to the project without the script that made it
# (PROVENANCE.md); this script recomputes each of its figures from the CSV with the calls its
# `notes` describe, so that anyone with R can check that the reference is what survival says.
# It needs base R and survival only (no jsonlite): it prints one figure per line as CSV,
# `key,value`, the key being the figure's path in the JSON with dots (list elements numbered
# from 1, e.g. km.dex.table.surv.3), NA and Inf as an empty value (the JSON's null), numbers
# with 17 significant digits. The JSON's `notes` (prose) are not printed.
#
# Run from the repository root:
#   Rscript tests/data/reference/r_scripts/trial_n300_figures.R > figures.csv
# tests/endpoints/test_reference_reproduced_by_r.py runs it and compares with the JSON.

suppressPackageStartupMessages(library(survival))

d <- read.csv("tests/data/reference/trial_n300.csv", stringsAsFactors = FALSE)
d$arm <- factor(d$arm, levels = c("control", "dex"))  # coef: dex vs control
risk_times <- c(0, 90, 180, 365, 730)

out <- function(key, value) {
  value <- unlist(value)
  text <- if (is.numeric(value)) {
    ifelse(is.finite(value), sprintf("%.17g", value), "")
  } else {  # quoted as CSV: a formula holds commas
    ifelse(is.na(value), "", paste0('"', gsub('"', '""', value), '"'))
  }
  if (length(value) == 1) {
    cat(key, ",", text, "\n", sep = "")
  } else {
    cat(paste0(key, ".", seq_along(value), ",", text, "\n"), sep = "")
  }
}

out("dataset", "trial_n300")
out("n", nrow(d))
out("events", sum(d$os_event))
out("time_unit", "days")
out("reference_arm", "control")
out("treatment_arm", "dex")
out("risk_times", risk_times)
out("software.R", R.version.string)
out("software.survival", as.character(packageVersion("survival")))

for (a in c("control", "dex")) {
  one <- d[d$arm == a, ]
  k <- paste0("km.", a, ".")
  fit <- survfit(Surv(os_days, os_event) ~ 1, data = one)  # conf.type "log", R's default
  out(paste0(k, "n"), nrow(one))
  out(paste0(k, "events"), sum(one$os_event))
  out(paste0(k, "table.time"), fit$time)
  out(paste0(k, "table.n_risk"), fit$n.risk)
  out(paste0(k, "table.n_event"), fit$n.event)
  out(paste0(k, "table.n_censor"), fit$n.censor)
  out(paste0(k, "table.surv"), fit$surv)
  out(paste0(k, "table.std_err_cumhaz"), fit$std.err)
  out(paste0(k, "table.std_err_surv"), summary(fit, censored = TRUE)$std.err)
  out(paste0(k, "median"), quantile(fit, 0.5)$quantile)
  at <- summary(fit, times = risk_times, extend = TRUE)
  for (i in seq_along(risk_times)) {
    t <- risk_times[i]
    out(paste0(k, "n_at_risk.", t), at$n.risk[i])
    out(paste0(k, "n_at_risk_check_T_ge_t.", t), sum(one$os_days >= t))
    out(paste0(k, "surv_at_risk_times.", t), at$surv[i])
  }
  for (conf in c("log", "log-log", "plain")) {
    suffix <- gsub("-", "", conf)
    bounded <- survfit(Surv(os_days, os_event) ~ 1, data = one, conf.type = conf)
    q <- quantile(bounded, 0.5)
    out(paste0(k, "lower_", suffix), bounded$lower)
    out(paste0(k, "upper_", suffix), bounded$upper)
    out(paste0(k, "median_lcl_", suffix), q$lower)
    out(paste0(k, "median_ucl_", suffix), q$upper)
  }
}

logrank <- function(name, formula) {
  test <- survdiff(formula, data = d)
  out(paste0(name, ".call"), paste(deparse(formula), collapse = " "))
  df <- sum(test$n > 0) - 1
  out(paste0(name, ".chisq"), test$chisq)
  out(paste0(name, ".df"), df)
  out(paste0(name, ".p"), pchisq(test$chisq, df, lower.tail = FALSE))
  observed <- if (is.matrix(test$obs)) rowSums(test$obs) else test$obs
  expected <- if (is.matrix(test$exp)) rowSums(test$exp) else test$exp
  for (i in seq_along(test$n)) {
    out(paste0(name, ".observed.", names(test$n)[i]), observed[i])
    out(paste0(name, ".expected.", names(test$n)[i]), expected[i])
  }
}

cox <- function(name, formula, ties) {
  fit <- coxph(formula, data = d, ties = ties)
  # As the reference did; R warns that its Cholesky tolerance (1.8e-12) is not below eps.
  tight <- suppressWarnings(
    coxph(formula, data = d, ties = ties, control = coxph.control(eps = 1e-12))
  )
  b <- unname(coef(fit))
  se <- sqrt(vcov(fit)[1, 1])
  z <- qnorm(0.975)
  out(paste0(name, ".call"), paste(deparse(formula), collapse = " "))
  out(paste0(name, ".ties"), ties)
  out(paste0(name, ".coef"), b)
  out(paste0(name, ".se"), se)
  out(paste0(name, ".hr"), exp(b))
  out(paste0(name, ".hr_lower"), exp(b - z * se))
  out(paste0(name, ".hr_upper"), exp(b + z * se))
  out(paste0(name, ".wald_z"), b / se)
  out(paste0(name, ".wald_p"), 2 * pnorm(-abs(b / se)))
  out(paste0(name, ".loglik_null"), fit$loglik[1])
  out(paste0(name, ".loglik"), fit$loglik[2])
  out(paste0(name, ".lr_chisq"), 2 * diff(fit$loglik))
  out(paste0(name, ".score_chisq"), fit$score)
  out(paste0(name, ".iter"), fit$iter)
  out(paste0(name, ".n"), fit$n)
  out(paste0(name, ".nevent"), fit$nevent)
  out(paste0(name, ".coef_tight_eps1e12"), unname(coef(tight)))
  out(paste0(name, ".se_tight_eps1e12"), sqrt(vcov(tight)[1, 1]))
}

logrank("logrank", Surv(os_days, os_event) ~ arm)
cox("cox", Surv(os_days, os_event) ~ arm, "efron")
cox("cox_breslow", Surv(os_days, os_event) ~ arm, "breslow")
events <- tapply(d$os_event, d$regimen, sum)
for (s in names(events)) out(paste0("events_by_stratum.", s), events[[s]])
logrank("logrank_stratified", Surv(os_days, os_event) ~ arm + strata(regimen))
cox("cox_stratified", Surv(os_days, os_event) ~ arm + strata(regimen), "efron")
cox("cox_stratified_breslow", Surv(os_days, os_event) ~ arm + strata(regimen), "breslow")
