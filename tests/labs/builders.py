"""Blood counts and transfusions entered through the real services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from labs import services
from labs.models import BloodCount, Transfusion


def count_values(cycle_number: int, sampled_on: dt.date, **overrides: Any) -> dict[str, Any]:
    """Return an aplastic sample (ANC 0.2, platelets 15), changed by `overrides`."""
    values: dict[str, Any] = {
        "cycle_number": cycle_number,
        "sampled_on": sampled_on,
        "anc": Decimal("0.2"),
        "platelets": Decimal("15"),
        "haemoglobin": Decimal("8.1"),
        "wbc": Decimal("0.4"),
        "peripheral_blasts_pct": Decimal("0"),
    }
    values.update(overrides)
    return values


def record_count(patient, user, cycle_number: int, sampled_on: dt.date, **overrides) -> BloodCount:
    return services.blood_count_record(
        patient=patient, user=user, values=count_values(cycle_number, sampled_on, **overrides)
    )


def record_transfusion(
    patient, user, cycle_number: int, given_on: dt.date, product: str = "platelets"
) -> Transfusion:
    return services.transfusion_record(
        patient=patient,
        user=user,
        values={"cycle_number": cycle_number, "given_on": given_on, "product": product, "units": 1},
    )
