"""Survival statistics computed as R's `survival` package and SAS compute them.

lifelines fits the models; where its conventions differ from R/SAS (median on a plateau,
numbers at risk, CI transforms, undefined CI ends, Cox convergence, stratified log-rank), the
code here follows R. See tests/data/reference/PROVENANCE.md for the six conventions.
"""
