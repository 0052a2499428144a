# Reference figures for the subgroup analysis of overall survival (endpoints/subgroups.py):
# per level of each factor, the hazard ratio DEX vs CONTROL of coxph (Efron ties) with its Wald
# 95% CI; per factor, the likelihood-ratio test of the arm x factor interaction
# (anova of coxph(~ arm + factor) against coxph(~ arm * factor), on the patients whose level is
# known).
#
# Run from the repository root (R, survival and jsonlite from Debian's packages):
#   python tests/data/reference/r_scripts/make_subgroup_inputs.py
#   Rscript tests/data/reference/r_scripts/subgroup_figures.R
# It reads tests/data/reference/subgroups_inputs.csv and writes reference_subgroups.json next
# to it. NOT RUN YET: there was no R on the machine where the analysis was written; its tests
# cross-check against lifelines instead (tests/endpoints/test_os_subgroups_match_lifelines.py).

suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})

here <- "tests/data/reference"
trial <- read.csv(file.path(here, "subgroups_inputs.csv"), stringsAsFactors = FALSE,
                  na.strings = character(0))
trial$dex <- as.numeric(trial$arm == "dex")

factors <- list(
  NPM1 = list(column = "npm1", levels = c("detected", "not_detected")),
  RUNX1 = list(column = "runx1", levels = c("detected", "not_detected")),
  "FLT3-ITD" = list(column = "flt3_itd", levels = c("detected", "not_detected")),
  eln_risk = list(column = "eln_risk", levels = c("favourable", "intermediate", "adverse")),
  regimen = list(column = "regimen", levels = c("intensive", "azacitidine")),
  disease_status = list(column = "disease_status", levels = c("refractory", "relapsed"))
)

hazard_ratio <- function(d) {
  out <- list(n = nrow(d), events = sum(d$os_event), hr = NA, hr_lower = NA, hr_upper = NA,
              coef = NA, se = NA)
  if (nrow(d) == 0 || sum(d$os_event) == 0 || length(unique(d$dex)) < 2) return(out)
  fit <- coxph(Surv(os_days, os_event) ~ dex, data = d, ties = "efron")
  b <- unname(coef(fit)[1]); se <- sqrt(vcov(fit)[1, 1])
  out$coef <- b; out$se <- se; out$hr <- exp(b)
  out$hr_lower <- exp(b - qnorm(0.975) * se); out$hr_upper <- exp(b + qnorm(0.975) * se)
  out
}

result <- list(
  software = list(R = R.version.string, survival = as.character(packageVersion("survival"))),
  overall = hazard_ratio(trial),
  factors = list()
)
for (code in names(factors)) {
  f <- factors[[code]]
  known <- trial[trial[[f$column]] %in% f$levels, ]
  known$level <- factor(known[[f$column]], levels = f$levels)
  known$level <- droplevels(known$level)
  levels_out <- lapply(f$levels, function(l) hazard_ratio(trial[trial[[f$column]] == l, ]))
  names(levels_out) <- f$levels
  reduced <- coxph(Surv(os_days, os_event) ~ dex + level, data = known, ties = "efron")
  full <- coxph(Surv(os_days, os_event) ~ dex * level, data = known, ties = "efron")
  test <- anova(reduced, full)
  result$factors[[code]] <- list(
    levels = levels_out,
    n_unknown = nrow(trial) - nrow(known),
    interaction = list(lr_chisq = test$Chisq[2], df = test$Df[2],
                       p = test[["Pr(>|Chi|)"]][2],
                       loglik_reduced = reduced$loglik[2], loglik_full = full$loglik[2])
  )
}
write_json(result, file.path(here, "reference_subgroups.json"), auto_unbox = TRUE, digits = NA,
           na = "null", pretty = TRUE, null = "null")
