"""The screening log's rows as its page shows them: each cell's text worked out once.

Why: the log is the page every user lands on, and its 50 rows were most of its rendering.
Each cell looked its value up through the patient and its screening, each choice's label
was built again on every row (`get_FOO_display` makes its dict of choices on each call),
and each link was reversed. Here the labels are looked up in one dict per page and the link
is made from one reversed address, so the template reads plain values. The page is the
same, byte for byte: checked against the former template on every page of a 10,000-patient
demo trial, in French and English, for each role.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import quote

from django.db.models import Field
from django.urls import reverse

from dashboard.selectors import LogRow, NextDue, PatientStatus
from patients.models import Screening

_STUDY_ID = "STUDY-ID"  # stands for the study ID in the reversed address


@dataclass(frozen=True)
class LogCells:
    """One row of the log, every cell as shown (dates dd/mm/yyyy, labels translated)."""

    study_id: str
    url: str
    site: str
    screened_on: str
    consent_on: str
    sex: str
    age: int | None
    disease_status: str  # the label, or "—"
    outcome: str  # the code: the row's and the badge's CSS class
    outcome_label: str
    status: str
    next_due: NextDue | None
    failure_text: str  # the failed criteria in the reader's language; "" if eligible


def _date(day: dt.date | None) -> str:
    return f"{day:%d/%m/%Y}" if day else ""


def _labels(name: str) -> dict[str, str]:
    """The choices' labels of a screening field, in the active language."""
    field = Screening._meta.get_field(name)
    assert isinstance(field, Field)
    return {str(k): str(v) for k, v in field.flatchoices}


def log_cells(rows: list[LogRow]) -> list[LogCells]:
    """Return the page's rows as their cells show them."""
    address = reverse("patient-detail", args=[_STUDY_ID])
    disease, outcome = _labels("disease_status"), _labels("outcome")
    statuses = {str(k): str(v) for k, v in PatientStatus.choices}
    cells = []
    for row in rows:
        patient, screening = row.patient, row.patient.screening
        cells.append(
            LogCells(
                study_id=patient.study_id,
                url=address.replace(_STUDY_ID, quote(patient.study_id)),
                site=patient.site.code,
                screened_on=_date(screening.screened_on),
                consent_on=_date(screening.consent_on),
                sex=patient.sex,
                age=screening.age_at_consent,
                disease_status=disease.get(screening.disease_status, screening.disease_status)
                or "—",
                outcome=screening.outcome,
                outcome_label=outcome.get(screening.outcome, screening.outcome),
                status=statuses.get(row.status, row.status),
                next_due=row.next_due,
                failure_text=screening.failure_text if screening.failure_reason else "",
            )
        )
    return cells
