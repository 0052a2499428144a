"""ADSL and ADTTE, read batch by batch with only what their columns need, are the very bytes
written from every patient's full facts (`patient_facts`, as the analyses read them).

On the demo trial (screen failures, patients not yet randomized, deaths, transplants,
relapses, responses at each timepoint, every regimen and site) plus outcomes imported from
the legacy system, as a reader who sees the arms and one who does not, at today's cut-off
and one in the middle of the trial. The reference below is each column's value formatted
cell by cell, as the writers did before they were made faster; CSV and JSON are compared
whole (the extraction time aside).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from pathlib import Path

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from demo.trial import demo_trial_seed
from endpoints.datasets import EVERY_PART, patient_facts, time_to_event_rows
from endpoints.exports.csv_cells import CsvRows, csv_cell
from endpoints.exports.tables import (
    ADSL,
    ADTTE,
    ADTTE_PARAMETERS,
    _AdslRow,
    dataset_seen_by,
)
from endpoints.imports import outcomes_import

pytestmark = pytest.mark.django_db
REFERENCE = Path(__file__).resolve().parents[1] / "data" / "reference"


def _text(value):
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "Y" if value else "N"
    return value


def _expected_rows(name: str, user: User, cutoff: dt.date) -> tuple[list[str], list[list]]:
    """The dataset's columns and rows, cell by cell from every patient's full facts."""
    dataset = dataset_seen_by(ADSL if name == "adsl" else ADTTE, user)
    facts = patient_facts(cutoff, parts=EVERY_PART)
    if name == "adsl":
        rows: list = [_AdslRow(f, cutoff) for f in facts]
    else:
        rows = [
            (f, row)
            for f in facts
            for row in time_to_event_rows([f], cutoff, parameters=ADTTE_PARAMETERS)
        ]
    return [c.name for c in dataset.columns], [[c.value(r) for c in dataset.columns] for r in rows]


def _expected_csv_body(name: str, user: User, cutoff: dt.date) -> str:
    names, rows = _expected_rows(name, user, cutoff)
    buffer = io.StringIO()
    writer = CsvRows(buffer)
    writer.write([names])
    writer.write([[_text(csv_cell(v)) for v in row] for row in rows])
    body = buffer.getvalue()
    return f"{body}# rows={len(rows)}; sha256={hashlib.sha256(body.encode()).hexdigest()}\n"


def _expected_json_rows(name: str, user: User, cutoff: dt.date) -> str:
    names, rows = _expected_rows(name, user, cutoff)
    return ",".join(
        json.dumps(dict(zip(names, [_text(v) for v in row], strict=True)), default=str)
        for row in rows
    )


@pytest.fixture
def demo_trial(db):
    demo_trial_seed(patients=70, seed=2018)
    content = (REFERENCE / "trial_n300.csv").read_text()
    outcomes_import(
        content=content, filename="trial_n300.csv", user=User.objects.get(username="dm")
    )


def _download(user: User, url: str) -> str:
    client = APIClient()
    client.force_authenticate(user)
    response = client.get(url)
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content).decode()


def test_it_writes_the_rows_the_full_facts_give(demo_trial, monkeypatch):
    monkeypatch.setattr("endpoints.exports.tables.BATCH", 16)  # many batches, as at 10,000
    today = timezone.localdate()
    for username in ("stat", "sponsor"):
        user = User.objects.get(username=username)
        for name in ("adsl", "adtte"):
            for cutoff in (today, today - dt.timedelta(days=300)):
                url = f"/api/v1/exports/{name}"
                query = f"?cutoff={cutoff.isoformat()}"

                csv_text = _download(user, f"{url}.csv{query}")
                json_text = _download(user, f"{url}.json{query}")

                body = csv_text.split("\n", 1)[1]
                assert body == _expected_csv_body(name, user, cutoff), (username, name, cutoff)
                assert body.count("\n") > 300
                start = json_text.index('"rows": [') + len('"rows": [')
                rows = json_text[start : json_text.rindex('], "row_count"')]
                assert rows == _expected_json_rows(name, user, cutoff), (username, name, cutoff)
                assert json.loads(json_text)["sha256"] == hashlib.sha256(rows.encode()).hexdigest()
