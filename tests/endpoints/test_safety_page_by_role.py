"""The safety page /analyses/safety/ and its CSVs: by arm for the statistician and the data
monitoring committee, pooled for the sponsor, the data manager and the sites (a site's own
patients only); each CSV has the very numbers of the page; a bad cut-off is a field error."""

from __future__ import annotations

import csv
import datetime as dt
import io

import lxml.html
import pytest

from randomization.models import SequenceViewing
from tests.endpoints.safety_trial import CYCLE_ENDS, CYCLE_STARTS, adverse_event, hand_made_trial
from tests.factories import screen_patient
from tests.visits.builders import dexamethasone_relatedness, randomize, record_cycle

TABLES = ("summary", "worst-grade", "incidence", "special-interest", "rates", "sae-listing")
ARM_LABELS = ("Salvage therapy + dexamethasone", "Salvage therapy alone")


@pytest.fixture
def trial(site_a, coordinator, frozen_today):
    return hand_made_trial(site_a, coordinator)


@pytest.fixture
def elsewhere(trial, site_b, coordinator_b):
    """A treated patient of site 7 with a serious sepsis: not for site 3's coordinator."""
    patient = screen_patient(site=site_b, user=coordinator_b)
    randomize(patient, coordinator_b)
    record_cycle(patient, coordinator_b, CYCLE_STARTS, CYCLE_ENDS)
    onset = dt.date(2025, 3, 9)
    relatedness = dexamethasone_relatedness(patient, onset)  # what the patient's arm allows
    adverse_event(patient, coordinator_b, onset, "Sepsis", 3, dex=relatedness, serious=True)
    return patient


def _page(client, user, query: str = ""):
    client.force_login(user)
    return client.get(f"/analyses/safety/{query}")


def _csv(client, table: str, query: str = "") -> tuple[str, list[list[str]]]:
    response = client.get(f"/analyses/safety/{table}.csv{query}")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[-1].startswith("# rows=")
    return lines[0], list(csv.reader(io.StringIO("\n".join(lines[1:-1]))))


def _as_the_page_writes_it(header: list[str], row: list[str]) -> list[str]:
    """A listing row of the CSV (coded: ISO dates, Y/N) as the page shows it (dd/mm/yyyy,
    Yes/No)."""
    shown = dict(zip(header, row, strict=True))
    for name in ("AESTDTC", "AEENDTC"):
        if shown[name]:
            shown[name] = f"{dt.date.fromisoformat(shown[name]):%d/%m/%Y}"
    shown["TRTEMFL"] = {"Y": "Yes", "N": "No"}[shown["TRTEMFL"]]
    return list(shown.values())


def _html_rows(html: str, section: str) -> list[list[str]]:
    page = lxml.html.fromstring(html)
    body = page.get_element_by_id(section).find(".//tbody")
    return [[cell.text_content().strip() for cell in row] for row in body.iter("tr")]


@pytest.mark.parametrize("role", ["statistician", "dmc"])
def test_the_unblinded_roles_get_the_tables_and_the_listing_by_arm(client, request, trial, role):
    user = request.getfixturevalue(role)
    response = _page(client, user)
    html = response.content.decode()

    assert response.status_code == 200
    assert all(label in html for label in ARM_LABELS)
    assert "<th>Related to dexamethasone</th>" in html
    first_line, rows = _csv(client, "summary")
    assert "arms=withheld" not in first_line
    assert rows[0][2:5] == ["DEX_BIGN", "DEX_N", "DEX_PCT"]
    _, listing = _csv(client, "sae-listing")
    assert {"ARM", "AERELDEX"} <= set(listing[0])
    # Reading the arms in a file is recorded, as for the dataset exports.
    assert SequenceViewing.objects.filter(viewed_by=user, what__contains="summary").exists()


@pytest.mark.parametrize("role", ["sponsor", "data_manager", "coordinator"])
def test_the_other_roles_get_pooled_tables_without_the_arm(client, request, trial, role):
    user = request.getfixturevalue(role)
    html = _page(client, user).content.decode()

    assert not any(label in html for label in ARM_LABELS)
    assert "<th>Related to dexamethasone</th>" not in html
    assert "All patients" in html
    for table in TABLES:
        first_line, rows = _csv(client, table)
        assert "arms=withheld" in first_line
        assert not {"ARM", "AERELDEX"} & set(rows[0])
        assert not any(h.startswith(("DEX_", "CTRL_")) for h in rows[0])
        assert not any(label in cell for row in rows for cell in row for label in ARM_LABELS)
    assert not SequenceViewing.objects.filter(viewed_by=user).exists()


def test_a_site_sees_its_own_patients_only(client, trial, elsewhere, coordinator, sponsor):
    listed = {
        role: {row[0] for row in _html_rows(_page(client, user).content.decode(), "sae-listing")}
        for role, user in (("coordinator", coordinator), ("sponsor", sponsor))
    }

    assert elsewhere.study_id not in listed["coordinator"]
    assert elsewhere.study_id in listed["sponsor"]
    assert trial["D2"].study_id in listed["coordinator"]


def test_each_csv_has_the_numbers_of_the_page(client, trial, statistician):
    query = "?cutoff=2025-05-01"
    html = _page(client, statistician, query).content.decode()

    _, listing = _csv(client, "sae-listing", query)
    assert [_as_the_page_writes_it(listing[0], row) for row in listing[1:]] == _html_rows(
        html, "sae-listing"
    )
    _, summary = _csv(client, "summary", query)
    page_summary = _html_rows(html, "safety-summary")
    assert [row[1] for row in summary[1:]] == [row[0] for row in page_summary]
    for csv_row, page_row in zip(summary[1:], page_summary, strict=True):
        cells = [csv_row[i : i + 3] for i in range(2, len(csv_row), 3)]  # BIGN, N, PCT
        assert [f"{n} ({pct}%)" if n != "0" else "0" for _, n, pct in cells] == page_row[1:]
    _, incidence = _csv(client, "incidence", query)
    page_incidence = _html_rows(html, "safety-incidence")
    assert [row[1] or row[0] for row in incidence[1:]] == [row[0] for row in page_incidence]
    for csv_row, page_row in zip(incidence[1:], page_incidence, strict=True):
        cells = [csv_row[i : i + 5] for i in range(2, len(csv_row), 5)]
        shown = [
            f"{n} ({pct}%)" if n != "0" else "0"
            for _, any_n, any_pct, ge3_n, ge3_pct in cells
            for n, pct in ((any_n, any_pct), (ge3_n, ge3_pct))
        ]
        assert shown == page_row[1:]


def test_a_bad_or_future_cutoff_is_a_field_error(client, trial, sponsor):
    bad = (("31/02/2025", "Enter a date as dd/mm/yyyy."), ("2025-06-03", "future"))
    for cutoff, message in bad:
        response = _page(client, sponsor, f"?cutoff={cutoff}")
        assert response.status_code == 400
        assert message in response.content.decode()
        assert client.get(f"/analyses/safety/summary.csv?cutoff={cutoff}").status_code == 400
    assert client.get("/analyses/safety/adsl.csv").status_code == 404


def test_the_page_keeps_the_cutoff_typed(client, trial, sponsor):
    html = _page(client, sponsor, "?cutoff=2025-03-16").content.decode()

    assert 'value="2025-03-16"' in html
    assert "Cut-off 16/03/2025" in html
