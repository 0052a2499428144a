"""Exports of the trial's clinical data in standard formats (CDISC ODM 1.3.2)."""
