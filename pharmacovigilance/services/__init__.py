"""Writes of the sponsor's safety desk: the assessment of an SAE, drug by drug, the SUSAR it
may make, the SUSAR's reports to the regulators, and new versions of the reference safety
information.

Only pharmacovigilance writes here (accounts.permissions.user_can_assess_saes). Every write
is in the audit trail with its reason; a revision of an assessment must say why.
Callers use this package: `from pharmacovigilance import services; services.sae_assess(...)`.
"""

from __future__ import annotations

from pharmacovigilance.services.assessment import DrugOpinion, opinion_field, sae_assess
from pharmacovigilance.services.desk import ONLY_PHARMACOVIGILANCE
from pharmacovigilance.services.regulators import (
    susar_clock_sweep,
    susar_follow_up_record,
    susar_report_record,
)
from pharmacovigilance.services.rsi import SYSTEM_ORGAN_CLASSES, rsi_version_enter

__all__ = [
    "ONLY_PHARMACOVIGILANCE",
    "SYSTEM_ORGAN_CLASSES",
    "DrugOpinion",
    "opinion_field",
    "rsi_version_enter",
    "sae_assess",
    "susar_clock_sweep",
    "susar_follow_up_record",
    "susar_report_record",
]
