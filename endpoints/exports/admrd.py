"""ADMRD: the MRD analysis dataset, one row per MRD assessment of a randomized patient dated on
or before the cut-off. MRDNEG is the negativity the services derived (visits/mrd.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

from django.utils import timezone

import protocol
from accounts.models import User
from accounts.selectors import sites_visible_to
from endpoints.exports.tables import Column, Dataset
from visits.models import MrdAssessment
from visits.mrd import NEGATIVITY_HELP

BATCH = 2000
_ARM_CODE = {"dex": "DEX", "control": "CONTROL"}
NOT_DETECTED = "NOT DETECTED"


def study_day(day: dt.date, randomized_on: dt.date) -> int:
    """ADY: the randomization day is day 1, the day before it day -1 (there is no day 0)."""
    days = (day - randomized_on).days
    return days + 1 if days >= 0 else days


def _randomized_on(mrd: MrdAssessment) -> dt.date:
    return timezone.localtime(mrd.patient.randomization.randomized_at).date()


def _rows(user: User, cutoff: dt.date) -> Iterator[MrdAssessment]:
    return (
        MrdAssessment.objects.filter(
            patient__site__in=sites_visible_to(user),
            patient__randomization__isnull=False,
            assessed_on__lte=cutoff,
        )
        .select_related("patient__site", "patient__randomization")
        .order_by("patient__study_id", "assessed_on", "pk")
        .iterator(chunk_size=BATCH)
    )


def _fraction(value: Decimal | None) -> Decimal | None:
    """The fraction as people write it: 0.0005, not 0.0005000000."""
    return None if value is None else value.normalize()


ADMRD = Dataset(
    name="admrd",
    description="MRD analysis dataset: one row per MRD assessment dated on or before the "
    "cut-off. AVAL is the fraction detected (empty when negative below the assay's "
    "sensitivity); MRDNEG the negativity derived by the protocol's rule.",
    columns=(
        Column("STUDYID", "Study identifier", "text", lambda m: protocol.STUDY_ID),
        Column(
            "USUBJID",
            "Unique subject identifier",
            "text",
            lambda m: f"{protocol.STUDY_ID}-{m.patient.study_id}",
        ),
        Column("SITEID", "Study site identifier", "text", lambda m: m.patient.site.code),
        Column(
            "TRT01P",
            "Planned treatment",
            "text",
            lambda m: _ARM_CODE[m.patient.randomization.arm],
            reveals_arm=True,
        ),
        Column("ADT", "Analysis date (sample taken on)", "date", lambda m: m.assessed_on),
        Column(
            "ADY",
            "Analysis relative day",
            "integer",
            lambda m: study_day(m.assessed_on, _randomized_on(m)),
            unit="days",
            help_text="Days from randomization: the randomization day is day 1, the day "
            "before it day -1 (no day 0).",
        ),
        Column("AVISIT", "Timepoint", "text", lambda m: m.get_timepoint_display()),
        Column("AVISITCD", "Timepoint code", "text", lambda m: m.timepoint),
        Column("MRDMETH", "Method", "text", lambda m: m.method),
        Column("MRDMETHO", "Other method", "text", lambda m: m.method_other or None),
        Column(
            "MRDSENS",
            "Assay sensitivity (fraction)",
            "decimal",
            lambda m: _fraction(m.sensitivity),
            help_text="The lowest fraction the assay detects (0.001 for 10⁻³).",
        ),
        Column(
            "AVAL",
            "Analysis value: MRD fraction detected",
            "decimal",
            lambda m: _fraction(m.value),
            minimum=0,
            maximum=1,
            help_text="Empty when the result is negative below the assay's sensitivity.",
        ),
        Column(
            "AVALC",
            "Analysis value (text)",
            "text",
            lambda m: NOT_DETECTED if m.value is None else format(m.value.normalize(), "f"),
            help_text=f"The value as text; '{NOT_DETECTED}' below the assay's sensitivity.",
        ),
        Column(
            "MRDNEG",
            "MRD negative (Y/N; empty: not assessable)",
            "boolean",
            lambda m: m.negative,
            help_text=NEGATIVITY_HELP,
        ),
    ),
    rows=_rows,
)
