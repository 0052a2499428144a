"""What a cycle's blood counts tell: the duration of myelosuppression and count recovery.

Pure functions of one cycle's samples (PROTOCOL.md, Safety: days with ANC < 0.5 × 10⁹/L and
with platelets < 50 × 10⁹/L). Each rule is stated in `DEFINITIONS`, which the data
dictionary publishes with the ADLB dataset, so the text and the code are read side by side.

Between two samples the count is carried forward: a day counts as below a threshold when
the last sample on or before it is below. Days are counted from the cycle's first sample to
its last (the last sample's day included); nothing is assumed before the first or after the
last. Day 1 is the cycle's first day (ADaM ADY: no day 0).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

ANC_SEVERE = Decimal("0.5")  # ×10⁹/L
ANC_RECOVERED = Decimal("1.0")
PLATELETS_SEVERE = Decimal("50")
PLATELETS_RECOVERED = Decimal("100")
# A platelet count counts towards recovery only if no platelets were transfused on its day
# or in the 7 days before it: a transfused count is the donor's platelets, not the marrow's.
TRANSFUSION_FREE_DAYS = 7

REACHED, NOT_REACHED, NOT_APPLICABLE = "reached", "not reached", "not applicable"

DEFINITIONS: dict[str, str] = {
    "ANCL05D": "Days with ANC < 0.5 ×10⁹/L in the cycle: from its first to its last sample, "
    "a day counts when the last sample on or before it has ANC < 0.5 (the count is carried "
    "forward between samples; the last sample's day counts once).",
    "PLTL50D": "Days with platelets < 50 ×10⁹/L in the cycle, counted as ANCL05D.",
    "ANCR05": "Day of neutrophil recovery to ANC ≥ 0.5 ×10⁹/L (day 1 = the cycle's start): "
    "the first sample after the nadir (the cycle's lowest ANC, its first occurrence) with "
    "ANC ≥ 0.5 that no later sample of the cycle contradicts (all stay ≥ 0.5), so a "
    "recovery on the last sample is reached. Not applicable when the ANC never fell below "
    "0.5. Not reached (CNSR = 1) when no sample qualifies: censored at the death if the "
    "patient died within the cycle's window, else at the last sample (counts stopped).",
    "ANCR10": "Day of neutrophil recovery to ANC ≥ 1.0 ×10⁹/L, as ANCR05 with 1.0.",
    "PLTR50": "Day of platelet recovery to ≥ 50 ×10⁹/L, transfusion-free: as ANCR05, and "
    "the recovering sample has no platelet transfusion on its day or in the 7 days before.",
    "PLTR100": "Day of platelet recovery to ≥ 100 ×10⁹/L, transfusion-free, as PLTR50.",
}


@dataclass(frozen=True)
class Sample:
    on: dt.date
    anc: Decimal
    platelets: Decimal


@dataclass(frozen=True)
class Recovery:
    """A count's recovery in one cycle: reached on a day, not reached (censored, and why),
    or not applicable (the count never fell below the threshold)."""

    status: str
    on: dt.date | None = None  # the recovery, or the censoring when not reached
    day: int | None = None  # of the cycle, day 1 = its start
    reason: str = ""

    @property
    def censored(self) -> bool:
        return self.status == NOT_REACHED


@dataclass(frozen=True)
class CycleCounts:
    """The derived values of one cycle (ADLB's derived parameters)."""

    cycle_number: int
    started_on: dt.date
    days_anc_below_0_5: int | None
    days_platelets_below_50: int | None
    anc_0_5: Recovery
    anc_1_0: Recovery
    platelets_50: Recovery
    platelets_100: Recovery

    @property
    def recoveries(self) -> dict[str, Recovery]:
        return {
            "ANCR05": self.anc_0_5,
            "ANCR10": self.anc_1_0,
            "PLTR50": self.platelets_50,
            "PLTR100": self.platelets_100,
        }


def cycle_day(started_on: dt.date, on: dt.date) -> int:
    """Return the day of the cycle (day 1 = its start), as ADaM's ADY (no day 0)."""
    days = (on - started_on).days
    return days + 1 if days >= 0 else days


def days_below(
    samples: Sequence[Sample], value: Callable[[Sample], Decimal], threshold: Decimal
) -> int | None:
    """Return the days below the threshold, the count carried forward between samples;
    None without samples."""
    if not samples:
        return None
    ordered = sorted(samples, key=lambda s: s.on)
    days = 0
    for sample, following in zip(ordered, [*ordered[1:], None], strict=True):
        if value(sample) < threshold:
            days += (following.on - sample.on).days if following else 1
    return days


def recovery(
    samples: Sequence[Sample],
    value: Callable[[Sample], Decimal],
    threshold: Decimal,
    *,
    started_on: dt.date,
    window_closes_on: dt.date,
    died_on: dt.date | None,
    qualifies: Callable[[Sample], bool] = lambda sample: True,
) -> Recovery:
    """Return the recovery to `threshold` after the nadir (DEFINITIONS["ANCR05"])."""
    ordered = sorted(samples, key=lambda s: s.on)
    if not ordered:
        return Recovery(NOT_REACHED, reason="No counts recorded in the cycle.")
    lowest = min(value(s) for s in ordered)
    if lowest >= threshold:
        return Recovery(NOT_APPLICABLE, reason=f"Never below {threshold} in the cycle.")
    nadir = next(i for i, s in enumerate(ordered) if value(s) == lowest)
    for i in range(nadir + 1, len(ordered)):
        sample = ordered[i]
        if (
            value(sample) >= threshold
            and qualifies(sample)
            and all(value(later) >= threshold for later in ordered[i + 1 :])
        ):
            return Recovery(REACHED, sample.on, cycle_day(started_on, sample.on))
    if died_on is not None and died_on <= window_closes_on:
        return Recovery(
            NOT_REACHED,
            died_on,
            cycle_day(started_on, died_on),
            f"Death on {died_on:%d/%m/%Y} before recovery.",
        )
    last = ordered[-1].on
    return Recovery(
        NOT_REACHED,
        last,
        cycle_day(started_on, last),
        f"Counts stopped before recovery (last count {last:%d/%m/%Y}).",
    )


def transfusion_free(platelet_transfusions: Sequence[dt.date]) -> Callable[[Sample], bool]:
    """Return whether a sample has no platelet transfusion on its day or the 7 days before."""

    def qualifies(sample: Sample) -> bool:
        since = sample.on - dt.timedelta(days=TRANSFUSION_FREE_DAYS)
        return not any(since <= given <= sample.on for given in platelet_transfusions)

    return qualifies


def cycle_counts(
    *,
    cycle_number: int,
    started_on: dt.date,
    window_closes_on: dt.date,
    samples: Sequence[Sample],
    platelet_transfusions: Sequence[dt.date] = (),
    died_on: dt.date | None = None,
) -> CycleCounts:
    """Return a cycle's duration of myelosuppression and its count recoveries."""

    def anc(s: Sample) -> Decimal:
        return s.anc

    def platelets(s: Sample) -> Decimal:
        return s.platelets

    def recovered(
        value: Callable[[Sample], Decimal], threshold: Decimal, *, free: bool = False
    ) -> Recovery:
        return recovery(
            samples,
            value,
            threshold,
            started_on=started_on,
            window_closes_on=window_closes_on,
            died_on=died_on,
            qualifies=transfusion_free(platelet_transfusions) if free else lambda s: True,
        )

    return CycleCounts(
        cycle_number=cycle_number,
        started_on=started_on,
        days_anc_below_0_5=days_below(samples, anc, ANC_SEVERE),
        days_platelets_below_50=days_below(samples, platelets, PLATELETS_SEVERE),
        anc_0_5=recovered(anc, ANC_SEVERE),
        anc_1_0=recovered(anc, ANC_RECOVERED),
        platelets_50=recovered(platelets, PLATELETS_SEVERE, free=True),
        platelets_100=recovered(platelets, PLATELETS_RECOVERED, free=True),
    )
