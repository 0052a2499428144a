"""Importing outcomes from a legacy spreadsheet or another system (trial_n300.csv format).

Columns: patient_id, arm (dex|control), regimen (intensive|azacitidine), site (e.g. S03),
randomized_on, death_on (empty if alive), last_alive_on, hsct_on (empty if none); extra
columns (os_days, os_event) are ignored: the app derives the endpoints itself.
All rows are checked first; one bad row refuses the whole file, with every problem listed.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re

import pghistory
from django.core.exceptions import ValidationError
from django.db import transaction

import protocol
from accounts.models import User
from endpoints.models import ImportedOutcome

REQUIRED_COLUMNS = (
    "patient_id",
    "arm",
    "regimen",
    "site",
    "randomized_on",
    "death_on",
    "last_alive_on",
    "hsct_on",
)


def _date(value: str | None, name: str, problems: list[str], required: bool) -> dt.date | None:
    value = (value or "").strip()
    if not value:
        if required:
            problems.append(f"{name} is required")
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        problems.append(f"{name} {value!r} is not a date (YYYY-MM-DD)")
        return None


def _outcome(
    row: dict[str, str], user: User, source: str
) -> tuple[ImportedOutcome | None, list[str]]:
    problems: list[str] = []
    subject = (row.get("patient_id") or "").strip()
    if not subject:
        problems.append("patient_id is required")
    arm = (row.get("arm") or "").strip().lower()
    if arm not in protocol.Arm.values:
        problems.append(f"arm {arm!r} is not one of {protocol.Arm.values}")
    regimen = (row.get("regimen") or "").strip().lower()
    if regimen not in protocol.Regimen.values:
        problems.append(f"regimen {regimen!r} is not one of {protocol.Regimen.values}")
    site = re.fullmatch(r"[A-Za-z]*0*(\d{1,2})", (row.get("site") or "").strip())
    if site is None:
        problems.append(f"site {row.get('site')!r} is not a site number such as S03")
    randomized = _date(row.get("randomized_on"), "randomized_on", problems, True)
    death = _date(row.get("death_on"), "death_on", problems, False)
    alive = _date(row.get("last_alive_on"), "last_alive_on", problems, True)
    hsct = _date(row.get("hsct_on"), "hsct_on", problems, False)
    if randomized:
        for name, day in (("death_on", death), ("last_alive_on", alive), ("hsct_on", hsct)):
            if day and day < randomized:
                problems.append(f"{name} {day} is before randomized_on {randomized}")
    if death and alive and alive > death:
        problems.append(f"last_alive_on {alive} is after death_on {death}")
    if problems or site is None or randomized is None or alive is None:
        return None, problems
    return ImportedOutcome(
        subject_id=subject,
        site_number=int(site.group(1)),
        arm=arm,
        regimen=regimen,
        randomized_on=randomized,
        death_on=death,
        last_alive_on=alive,
        hsct_on=hsct,
        source=source,
        imported_by=user,
    ), []


@transaction.atomic
def outcomes_import(*, content: str, filename: str, user: User) -> list[ImportedOutcome]:
    """Import every row or none; a refusal lists each bad line and why."""
    reader = csv.DictReader(io.StringIO(content))
    missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ValidationError({"file": [f"Missing columns: {', '.join(missing)}."]})
    source = f"{filename} sha256:{hashlib.sha256(content.encode()).hexdigest()[:16]}"
    outcomes: list[ImportedOutcome] = []
    errors: dict[str, list[str]] = {}
    seen: set[str] = set()
    for line, row in enumerate(reader, start=2):
        outcome, problems = _outcome(row, user, source)
        if outcome is not None and outcome.subject_id in seen:
            problems = [f"patient_id {outcome.subject_id} appears twice"]
        if outcome is None or problems:
            errors[f"line {line}"] = problems
            continue
        seen.add(outcome.subject_id)
        outcomes.append(outcome)
    already = set(
        ImportedOutcome.objects.filter(subject_id__in=seen).values_list("subject_id", flat=True)
    )
    if already:
        errors["file"] = [
            f"Already imported: {', '.join(sorted(already)[:10])}"
            f"{' …' if len(already) > 10 else ''}."
        ]
    if errors:
        raise ValidationError(errors)
    # The audit trail names who imported and from which file (never an unattributed write).
    with pghistory.context(user=user.pk, reason=f"Outcomes imported from {source}"):
        return ImportedOutcome.objects.bulk_create(outcomes, batch_size=1000)
