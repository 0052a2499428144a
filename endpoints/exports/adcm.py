"""ADCM-like dataset: one row per concomitant medication of a randomized patient.

Its days are counted from the randomization (day 1, no day 0); its flags are derived by the
medications app's rules (medications/services.py), the same that open the deviations.
DEVFL tells the arm (only a control-arm patient's dexamethasone opens one): withheld from a
reader who may not see the arms.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import protocol
from accounts.models import User
from endpoints.exports.tables import Column, Dataset, _site_numbers, _usubjid
from medications.selectors import AdcmRow, adcm_rows


def _rows(user: User, cutoff: dt.date) -> Iterator[AdcmRow]:
    return adcm_rows(site_numbers=_site_numbers(user), cutoff=cutoff)


def _yn(value: bool) -> str:
    return "Y" if value else "N"


ADCM = Dataset(
    name="adcm",
    description="Concomitant medications analysis dataset: one row per medication of a "
    "randomized patient started on or before the cut-off; days from the randomization.",
    columns=(
        Column("STUDYID", "Study identifier", "text", lambda r: protocol.STUDY_ID),
        Column(
            "USUBJID",
            "Unique subject identifier",
            "text",
            lambda r: _usubjid(r.medication.patient.study_id),
        ),
        Column(
            "SITEID",
            "Study site identifier",
            "text",
            lambda r: f"{r.medication.patient.site.number:02d}",
        ),
        Column("CMSPID", "Medication record id", "integer", lambda r: r.medication.pk),
        Column("CMTRT", "Medication (as coded or typed)", "text", lambda r: r.medication.drug_name),
        Column(
            "CMATC",
            "ATC code",
            "text",
            lambda r: r.medication.atc_code or None,
            help_text="WHO ATC code of a listed drug; empty: ATC unknown (a drug typed under "
            "'Other').",
        ),
        Column("CMCAT", "Category", "text", lambda r: r.medication.category),
        Column("CMDOSE", "Dose", "decimal", lambda r: r.medication.dose),
        Column("CMDOSU", "Dose unit", "text", lambda r: r.medication.dose_unit or None),
        Column("CMROUTE", "Route", "text", lambda r: r.medication.route),
        Column("CMINDC", "Indication", "text", lambda r: r.medication.indication),
        Column("RANDDT", "Date of randomization", "date", lambda r: r.randomized_on),
        Column("ASTDT", "Start date", "date", lambda r: r.medication.started_on),
        Column(
            "AENDT",
            "End date",
            "date",
            lambda r: r.ended_on,
            help_text="The stop date when on or before the cut-off; empty when the medication "
            "was ongoing at the cut-off.",
        ),
        Column(
            "ASTDY",
            "Start day relative to randomization",
            "integer",
            lambda r: r.start_day,
            unit="days",
            help_text="Randomization is day 1, the day before it day -1 (no day 0).",
        ),
        Column(
            "AENDY",
            "End day relative to randomization",
            "integer",
            lambda r: r.end_day,
            unit="days",
            help_text="As ASTDY; empty when ongoing at the cut-off.",
        ),
        Column(
            "ONTRTFL",
            "On-treatment flag",
            "text",
            lambda r: _yn(r.on_treatment),
            help_text="Y when taken on a day from the randomization to the end of treatment "
            "(to the cut-off while treatment goes on).",
        ),
        Column(
            "CORTFL",
            "Corticosteroid outside the protocol flag",
            "text",
            lambda r: _yn(r.corticosteroid_outside_protocol),
            help_text="Y for a corticosteroid by a systemic route (oral, IV, SC, IM) for an "
            "indication other than those the protocol allows (antiemetic premedication, "
            "transfusion reaction).",
        ),
        Column(
            "DEVFL",
            "Protocol deviation flag",
            "text",
            lambda r: _yn(r.deviation),
            help_text="Y when the medication opened a protocol deviation still open: "
            "dexamethasone outside the protocol's indications during protocol treatment of a "
            "control-arm patient. Tells the arm: withheld from blinded readers.",
            reveals_arm=True,
        ),
    ),
    rows=_rows,
)
