"""MRD negativity, derived from the assay and its result, and the response an MRD is read
against. Pure functions: the services store what they return, the tests state the rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

import protocol
from visits.models import ResponseAssessment

Method, Result = protocol.MrdMethod, protocol.MrdResult

NEGATIVITY_HELP = _(
    "Derived, never typed. Flow cytometry (PROTOCOL.md): negative when the value is below "
    "10⁻³, or when the result is negative below an assay sensitivity of 10⁻³ or better; a "
    "'negative' with a less sensitive assay is not assessable (empty). NPM1 qPCR (ELN 2021): "
    "any detected transcript is positive; negative when not detected by an assay sensitive "
    "to 10⁻³ or better, else not assessable. Other methods: not derived (empty)."
)
MATCHING_HELP = _(
    "The response assessment an MRD is read against: for an after-induction MRD the "
    "protocol evaluation (end of induction, post cycle 3) when recorded; otherwise the "
    "assessment closest in date within 14 days either side (the earlier one on a tie)."
)


def mrd_negative(
    *, method: str, result: str, value: Decimal | None, sensitivity: Decimal | None
) -> bool | None:
    """Return whether the MRD is negative by the trial's rule; None when not assessable."""
    if method == Method.FLOW:
        if result == Result.VALUE:
            return value is not None and value < protocol.MRD_FLOW_NEGATIVE_BELOW
        if sensitivity is not None and sensitivity <= protocol.MRD_FLOW_NEGATIVE_BELOW:
            return True
        return None
    if method == Method.NPM1_QPCR:
        if result == Result.VALUE:
            return False
        if sensitivity is not None and sensitivity <= protocol.MRD_QPCR_SENSITIVITY_AT_LEAST:
            return True
        return None
    return None


def matching_response(
    responses: Sequence[ResponseAssessment], *, timepoint: str, on: dt.date
) -> ResponseAssessment | None:
    """Return the response assessment the MRD of `timepoint`, sampled `on`, is read against
    (MATCHING_HELP); None when there is none."""
    if timepoint == protocol.MrdTimepoint.AFTER_INDUCTION:
        evaluation = next(
            (r for r in responses if r.timepoint in protocol.PROTOCOL_EVALUATIONS), None
        )
        if evaluation is not None:
            return evaluation
    window = protocol.MRD_MATCHING_RESPONSE_WITHIN_DAYS
    near = [r for r in responses if abs((r.assessed_on - on).days) <= window]
    return min(near, key=lambda r: (abs((r.assessed_on - on).days), r.assessed_on), default=None)
