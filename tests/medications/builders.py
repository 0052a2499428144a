"""Builders for concomitant medications: a test states only what matters to its rule."""

from __future__ import annotations

import datetime as dt
from typing import Any

from medications import drugs

# patient_a and every patient of the fixtures are randomized on 5 March 2025 (day 1).
RANDOMIZED_ON = dt.date(2025, 3, 5)


def medication_values(**overrides: Any) -> dict[str, Any]:
    """Posaconazole prophylaxis from the day after randomization for two weeks, unless a test
    says otherwise."""
    values: dict[str, Any] = {
        "drug": "posaconazole",
        "category": drugs.Category.ANTI_INFECTIVE_PROPHYLAXIS,
        "dose": "300",
        "dose_unit": drugs.DoseUnit.MG,
        "route": drugs.Route.ORAL,
        "started_on": dt.date(2025, 3, 6),
        "stopped_on": dt.date(2025, 3, 20),
        "ongoing": False,
        "indication": drugs.Indication.INFECTION_PROPHYLAXIS,
    }
    return {**values, **overrides}


def dexamethasone(**overrides: Any) -> dict[str, Any]:
    """Oral dexamethasone for an indication the protocol does not allow (cerebral oedema),
    from the day after randomization for four days."""
    values: dict[str, Any] = {
        "drug": drugs.DEXAMETHASONE,
        "category": drugs.Category.CORTICOSTEROID,
        "dose": "20",
        "route": drugs.Route.ORAL,
        "started_on": dt.date(2025, 3, 6),
        "stopped_on": dt.date(2025, 3, 9),
        "indication": drugs.Indication.OTHER,
        "indication_detail": "Cerebral oedema",
    }
    return medication_values(**{**values, **overrides})
