"""Survival statistics computed as R's `survival` package and SAS compute them.

Vectorised numpy over the data sorted once (Kaplan-Meier, log-rank, Cox with Efron or Breslow
ties, cox.zph); lifelines stays as an independent cross-check in the tests. Where conventions
differ (median on a plateau, numbers at risk, CI transforms, undefined CI ends, Cox
convergence, stratified log-rank), the code here follows R. See
tests/data/reference/PROVENANCE.md for the six conventions.
"""
