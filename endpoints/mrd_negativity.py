"""The MRD-negativity rate among responders, with its exact (Clopper-Pearson) CI.

Responders: patients whose best response to protocol treatment, on or before the cut-off,
is CR, CRi or MLFS (the overall response rate's categories, PROTOCOL.md). MRD negative: at
least one MRD assessment by flow cytometry negative by the protocol's rule (< 10⁻³,
visits/mrd.py), dated on or before the cut-off and not after an allo-HSCT (an MRD after the
transplant tells of the transplant, not of the salvage). Imported patients carry no response
data and are left out, as in the response rates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np

import protocol
from endpoints.datasets import PatientFacts, best_response
from endpoints.statistics.response_rates import clopper_pearson, fisher_p

RESPONDERS = {c.value for c in protocol.DISEASE_CONTROLLED_RESPONSES}
ARMS = (protocol.Arm.DEX.value, protocol.Arm.CONTROL.value)


def is_mrd_negative(facts: PatientFacts, cutoff: dt.date) -> bool:
    """Whether a flow MRD, on or before the cut-off and not after an HSCT, was negative."""
    last = min(d for d in (cutoff, facts.hsct_on) if d is not None)
    return any(on <= last for on in facts.mrd_flow_negative_on)


def mrd_negativity(facts: Sequence[PatientFacts], cutoff: dt.date) -> dict[str, Any]:
    """Return the rate among responders by arm (with Fisher's exact p) and pooled."""
    return mrd_negativity_of(
        np.array([f.arm for f in facts], dtype=object),
        np.array(
            [not f.imported and best_response(f, cutoff) in RESPONDERS for f in facts], dtype=bool
        ),
        np.array([is_mrd_negative(f, cutoff) for f in facts], dtype=bool),
    )


def mrd_negativity_of(
    arms: np.ndarray, responder: np.ndarray, negative: np.ndarray
) -> dict[str, Any]:
    """The same from columns: each patient's arm, whether a responder, whether MRD negative."""

    def rate(group: np.ndarray) -> dict[str, Any]:
        return clopper_pearson(int((group & negative).sum()), int(group.sum())).__dict__

    by_arm = {arm: rate(responder & (arms == arm)) for arm in ARMS}
    dex, control = (by_arm[arm] for arm in ARMS)
    return {
        "by_arm": by_arm,
        "fisher_p": fisher_p(dex["responders"], dex["n"], control["responders"], control["n"]),
        "pooled": rate(responder),
    }
