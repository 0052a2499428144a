"""Which response category the measured values support (ELN 2017 / IWG 2003).

An assessment may not claim a better category than its values support: CR with platelets
under 100 × 10⁹/L is CRi at best. Pure functions, shared by the service and the tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

import protocol
from protocol import ResponseCategory as R

# Ordered best first, for "at best" comparisons among the remission categories.
_RANK = {R.CR: 0, R.CRI: 1, R.MLFS: 2, R.PR: 3, R.RESISTANT: 4}


@dataclass(frozen=True)
class ResponseValues:
    marrow_blasts_pct: Decimal | None
    anc: Decimal | None  # ×10⁹/L
    platelets: Decimal | None  # ×10⁹/L
    circulating_blasts: bool
    auer_rods: bool
    extramedullary_disease: bool
    transfusion_dependent: bool


def _leukaemia_free(v: ResponseValues) -> bool:
    return (
        v.marrow_blasts_pct is not None
        and v.marrow_blasts_pct < protocol.MARROW_BLASTS_REMISSION_BELOW
        and not v.auer_rods
        and not v.extramedullary_disease
    )


def _counts_recovered(v: ResponseValues) -> bool:
    return (
        v.anc is not None
        and v.anc >= Decimal(str(protocol.ANC_RECOVERY_AT_LEAST))
        and v.platelets is not None
        and v.platelets >= protocol.PLATELETS_RECOVERY_AT_LEAST
        and not v.transfusion_dependent
    )


def best_supported(v: ResponseValues, baseline_blasts_pct: Decimal | None) -> R:
    """Return the best of CR, CRi, MLFS, PR and resistant disease that the values support."""
    if _leukaemia_free(v) and not v.circulating_blasts:
        return R.CR if _counts_recovered(v) else R.CRI
    if _leukaemia_free(v):
        return R.MLFS
    low, high = protocol.PR_MARROW_BLASTS_RANGE
    if (
        _counts_recovered(v)
        and not v.circulating_blasts
        and v.marrow_blasts_pct is not None
        and low <= v.marrow_blasts_pct <= high
        and baseline_blasts_pct
        and v.marrow_blasts_pct <= baseline_blasts_pct / 2
    ):
        return R.PR
    return R.RESISTANT


def category_problems(
    category: str, v: ResponseValues, *, baseline_blasts_pct: Decimal | None, had_remission: bool
) -> dict[str, list[str]]:
    """Return why the values contradict the category, keyed by field; empty when they agree."""
    chosen = R(category)
    if chosen in _RANK:
        if chosen is not R.RESISTANT and v.marrow_blasts_pct is None:
            return {
                "marrow_blasts_pct": [
                    _("%(category)s rests on a marrow assessment: give the marrow blasts.")
                    % {"category": chosen.label}
                ]
            }
        best = best_supported(v, baseline_blasts_pct)
        if _RANK[chosen] < _RANK[best]:
            return {
                "category": [
                    _("The values support %(best)s at best, not %(chosen)s: %(why)s")
                    % {
                        "best": best.label,
                        "chosen": chosen.label,
                        "why": _why_not(chosen, v, baseline_blasts_pct),
                    }
                ]
            }
        return {}
    if chosen is R.RELAPSE:
        problems = []
        if not had_remission:
            problems.append(_("A relapse follows a CR or CRi; none is recorded before this date."))
        blasts = v.marrow_blasts_pct
        if not (
            (blasts is not None and blasts >= protocol.MARROW_BLASTS_REMISSION_BELOW)
            or v.circulating_blasts
            or v.extramedullary_disease
        ):
            problems.append(
                _(
                    "A relapse needs marrow blasts ≥ 5%, blasts in the blood or extramedullary "
                    "disease."
                )
            )
        return {"category": problems} if problems else {}
    return {}


def _why_not(chosen: R, v: ResponseValues, baseline: Decimal | None) -> str:
    reasons = []
    if (
        v.marrow_blasts_pct is not None
        and v.marrow_blasts_pct >= 5
        and chosen in (R.CR, R.CRI, R.MLFS)
    ):
        reasons.append(
            _("marrow blasts %(blasts)s%% (must be < 5%%)") % {"blasts": v.marrow_blasts_pct}
        )
    if v.auer_rods and chosen in (R.CR, R.CRI, R.MLFS):
        reasons.append(_("blasts with Auer rods"))
    if v.extramedullary_disease and chosen in (R.CR, R.CRI, R.MLFS):
        reasons.append(_("extramedullary disease"))
    if v.circulating_blasts and chosen in (R.CR, R.CRI, R.PR):
        reasons.append(_("circulating blasts"))
    if chosen in (R.CR, R.PR):
        if v.anc is None or v.anc < Decimal(str(protocol.ANC_RECOVERY_AT_LEAST)):
            reasons.append(
                _("ANC %(anc)s (must be ≥ %(least)s × 10⁹/L)")
                % {
                    "anc": v.anc if v.anc is not None else _("not given"),
                    "least": protocol.ANC_RECOVERY_AT_LEAST,
                }
            )
        if v.platelets is None or v.platelets < protocol.PLATELETS_RECOVERY_AT_LEAST:
            reasons.append(
                _("platelets %(platelets)s (must be ≥ %(least)s × 10⁹/L)")
                % {
                    "platelets": v.platelets if v.platelets is not None else _("not given"),
                    "least": protocol.PLATELETS_RECOVERY_AT_LEAST,
                }
            )
        if v.transfusion_dependent:
            reasons.append(_("transfusion dependence"))
    if chosen is R.PR:
        reasons.append(
            _("marrow blasts must be 5-25%% and at most half the baseline (%(baseline)s%%)")
            % {"baseline": baseline if baseline is not None else _("unknown")}
        )
    return "; ".join(reasons) or _("the values do not meet its definition")
