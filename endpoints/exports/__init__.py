"""Exports for the sponsor and the statistician: ADaM-like datasets, raw tables, CDISC ODM 1.3.2."""
