# Group-sequential stopping boundaries (Lan-DeMets alpha spending) from rpact, for
# endpoints/statistics/group_sequential.py (issue 15 item 3).
#
# Run from anywhere (R with rpact from Debian's packages: r-base-core r-cran-rpact):
#   Rscript tests/data/reference/r_scripts/group_sequential.R \
#     > tests/data/reference/reference_group_sequential.json
# It prints JSON on standard output with base R only (jsonlite is not needed): numbers with
# 17 significant digits, so the same R and rpact print the same bytes.
# tests/endpoints/test_group_sequential_r_script.py runs it again and compares.

suppressPackageStartupMessages(library(rpact))

num <- function(x) {
  ifelse(is.finite(x), sprintf("%.17g", x), "null")
}
vec <- function(x) paste0("[", paste(num(x), collapse = ", "), "]")
str <- function(x) paste0("\"", x, "\"")
obj <- function(fields, indent) {
  pad <- strrep(" ", indent)
  inner <- paste0(pad, "  ", str(names(fields)), ": ", unlist(fields))
  paste0("{\n", paste(inner, collapse = ",\n"), "\n", pad, "}")
}

# The spending functions as rpact defines them: on the one-sided level alpha / sided, doubled
# for a two-sided design (printed with the designs, for the record).
spend <- function(type, t, alpha, sided) {
  a1 <- alpha / sided
  t <- pmin(t, 1)
  if (type == "asOF") sided * 2 * (1 - pnorm(qnorm(1 - a1 / 2) / sqrt(t)))
  else sided * a1 * log(1 + (exp(1) - 1) * t)
}

design_json <- function(name, design, extra = list()) {
  obj(c(
    list(
      name = str(name),
      typeOfDesign = str(design$typeOfDesign),
      alpha = num(design$alpha),
      sided = num(design$sided),
      informationRates = vec(design$informationRates)
    ),
    extra,
    list(
      criticalValues = vec(design$criticalValues),
      stageLevels = vec(design$stageLevels),
      alphaSpent = vec(design$alphaSpent)
    )
  ), 4)
}

fractions <- list(
  c(0.33, 0.67, 1),
  c(0.25, 0.5, 0.75, 1),
  c(0.4, 1),
  c(0.3, 0.55, 0.8, 1),
  c(0.2, 0.4, 0.6, 0.8, 1),
  c(0.5, 1),
  c(0.1, 0.9, 1),
  c(0.4, 0.8, 0.95) # the last look short of the plan, not declared final: spends alpha(0.95)
)
levels <- list(c(alpha = 0.025, sided = 1), c(alpha = 0.05, sided = 2))

designs <- character(0)
for (type in c("asOF", "asP")) {
  for (level in levels) {
    for (rates in fractions) {
      d <- getDesignGroupSequential(
        typeOfDesign = type, alpha = level[["alpha"]], sided = level[["sided"]],
        informationRates = rates
      )
      name <- sprintf("%s alpha=%s sided=%d t=%s", type, level[["alpha"]], level[["sided"]],
                      paste(rates, collapse = ","))
      designs <- c(designs, design_json(name, d, list(
        spendingFunction = vec(spend(type, rates, level[["alpha"]], level[["sided"]]))
      )))
    }
  }
}

# Looks actually taken at numbers of deaths other than planned: the correlations come from the
# deaths (rates rescaled to the last look), the alpha from the spending function at
# deaths / planned (capped at 1), and the final analysis spends all that is left
# (rpact: typeOfDesign = "asUser").
taken <- list(
  list(type = "asOF", planned = 200, deaths = c(70, 140, 215), final = TRUE),
  list(type = "asP", planned = 200, deaths = c(70, 140, 215), final = TRUE),
  list(type = "asOF", planned = 200, deaths = c(61, 118, 190), final = TRUE),
  list(type = "asP", planned = 200, deaths = c(61, 118, 190), final = TRUE),
  list(type = "asOF", planned = 150, deaths = c(40, 160), final = TRUE),
  list(type = "asOF", planned = 300, deaths = c(20, 95, 170, 240, 301), final = TRUE)
)
overruns <- character(0)
for (case in taken) {
  for (level in levels) {
    alpha <- level[["alpha"]]
    sided <- level[["sided"]]
    cumulative <- spend(case$type, case$deaths / case$planned, alpha, sided)
    if (case$final) cumulative[length(cumulative)] <- alpha
    d <- getDesignGroupSequential(
      typeOfDesign = "asUser", alpha = alpha, sided = sided,
      informationRates = case$deaths / max(case$deaths), userAlphaSpending = cumulative
    )
    name <- sprintf("%s alpha=%s sided=%d planned=%d deaths=%s", case$type, alpha, sided,
                    case$planned, paste(case$deaths, collapse = ","))
    overruns <- c(overruns, design_json(name, d, list(
      spending = str(case$type),
      plannedDeaths = num(case$planned),
      deaths = vec(case$deaths),
      lastIsFinal = if (case$final) "true" else "false",
      userAlphaSpending = vec(cumulative)
    )))
  }
}

cat("{\n")
cat("  \"software\": ", obj(list(
  R = str(R.version.string),
  rpact = str(as.character(packageVersion("rpact")))
), 2), ",\n", sep = "")
cat("  \"call\": \"getDesignGroupSequential(typeOfDesign, alpha, sided, informationRates",
    "[, userAlphaSpending]); tolerance 1e-8 (rpact's default)\",\n")
cat("  \"designs\": [\n    ", paste(designs, collapse = ",\n    "), "\n  ],\n", sep = "")
cat("  \"looks_taken\": [\n    ", paste(overruns, collapse = ",\n    "), "\n  ]\n", sep = "")
cat("}\n")
