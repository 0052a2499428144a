"""The DMC report's open part: pooled, with no arm anywhere, for the committees, the
sponsor and the data manager; its baseline table counts the hand-made trial by stratum."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

import protocol
from endpoints.plots import ARM_STYLE
from oversight.baseline import baseline_table, columns_by_arm
from oversight.dmc_report import dmc_report
from tests.oversight.conftest import CUTOFF

PAGE = reverse("oversight-report")
DOWNLOAD = reverse("oversight-report-download")
API = reverse("api-oversight-report")
OPEN = f"?cutoff={CUTOFF.isoformat()}&part=open"
ARM_NAMES = [str(label) for _, label in protocol.Arm.choices] + [
    ARM_STYLE[arm][1] for arm in protocol.Arm.values
]


@pytest.fixture
def eager(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True


@pytest.mark.parametrize("role", ["dmc", "statistician", "sponsor", "data_manager"])
def test_the_open_part_names_no_arm_on_the_page_the_download_or_the_api(
    client, request, role, consort_trial, eager, django_capture_on_commit_callbacks
):
    client.force_login(request.getfixturevalue(role))
    with django_capture_on_commit_callbacks(execute=True):
        client.get(PAGE + OPEN)  # the pooled CONSORT figure is drawn

    page = client.get(PAGE + OPEN).content.decode()
    download = client.get(DOWNLOAD + OPEN).content.decode()
    api = client.get(API + OPEN).json()

    assert "Allocated (n=7)" in page  # the CONSORT figure, pooled
    for text in (page, download, json.dumps(api)):
        for name in ARM_NAMES:
            assert name not in text and name.lower() not in text
        assert "closed session" not in text.lower()
    assert set(api) == {"study", "title", "cutoff", "part", "open", "generation"}
    assert '"dex"' not in json.dumps(api) and '"control"' not in json.dumps(api)


def _row(table: dict, heading: str, label: str) -> list[str]:
    rows = table["rows"]
    start = next(i for i, r in enumerate(rows) if r["heading"] and r["label"] == heading)
    return next(r["cells"] for r in rows[start + 1 :] if r["label"] == label)


def test_it_counts_the_baseline_by_stratum_and_by_site(consort_trial, dmc):
    report = dmc_report(user=dmc, cutoff=CUTOFF, part="open")["open"]
    strata = report["baseline_by_stratum"]

    assert strata["columns"] == [
        "All randomized",
        "Intensive: amsacrine + cytarabine",
        "Azacitidine",
        "Disease relapsed",
        "Disease refractory",
    ]
    assert strata["rows"][0]["cells"] == ["7", "7", "0", "7", "0"]  # patients, n
    assert strata["rows"][1]["cells"][0] == "64 (64–64)"  # age at consent
    assert _row(strata, "Sex", "Female") == ["7 (100%)", "7 (100%)", "0", "7 (100%)", "0"]
    assert _row(strata, "ECOG performance status", "1")[0] == "7 (100%)"
    assert _row(strata, "Disease status", "First relapse")[0] == "7 (100%)"
    assert _row(strata, "ELN 2017 risk (investigator)", "Intermediate")[0] == "7 (100%)"
    assert report["baseline_by_site"]["columns"] == ["All randomized", "Site 03"]


def test_it_counts_the_baseline_by_arm_for_the_closed_part(consort_trial):
    table = baseline_table(CUTOFF, columns_by_arm())

    assert table["rows"][0]["cells"] == ["7", "4", "3"]
    assert _row(table, "Salvage regimen", "Intensive: amsacrine + cytarabine") == [
        "7 (100%)",
        "4 (100%)",
        "3 (100%)",
    ]


def test_it_counts_accrual_completeness_and_queries_at_the_cut_off(consort_trial, dmc):
    report = dmc_report(user=dmc, cutoff=CUTOFF, part="open")["open"]

    assert report["accrual"]["randomized"] == 7  # the 28 May randomization is later
    assert [m["randomized"] for m in report["accrual"]["by_month"]] == [7, 0, 0]
    assert [m["cumulative"] for m in report["accrual"]["by_month"]] == [7, 7, 7]
    by_site = {r["site"]: r for r in report["completeness"]}
    site_03 = next(r for name, r in by_site.items() if name.startswith("03"))
    assert (site_03["randomized"], site_03["treated"], site_03["ended_treatment"]) == (7, 5, 4)
    assert report["consort"]["counts"]["assessed"] == 13


def test_it_reads_each_part_with_a_fixed_number_of_queries(
    consort_trial, dmc, django_assert_max_num_queries
):
    """One query per table and section, whatever the number of patients (7 here), counted
    once per state of the data (two reads for the cache's key); the closed part reads the
    safety tables through the safety page's cache (two reads for its key: the data's
    version and the reader's sites), counted by the database in four queries (the
    population, the incidence of each term, the other figures by arm, the SAE listing)."""
    with django_assert_max_num_queries(17):
        dmc_report(user=dmc, cutoff=CUTOFF, part="open")
    with django_assert_max_num_queries(12):
        dmc_report(user=dmc, cutoff=CUTOFF, part="closed")


def test_the_report_opened_from_the_navigation_shows_the_open_part_at_today(client, sponsor):
    client.force_login(sponsor)

    answer = client.get(reverse("oversight-report"))

    assert answer.status_code == 200
    assert answer.context["part"] == "open"
