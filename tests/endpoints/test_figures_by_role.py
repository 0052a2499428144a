"""The analyses' figures to download, SVG, PNG and PDF, under one set of access rules.

While the trial runs, results by arm are confidential (PROTOCOL.md, Standard analysis): the
statistician and the data monitoring committee download the by-arm curves, with the hazard
ratio and the log-rank p in their corner, and the forest plot; every other role gets the
pooled curves, which compare nothing, and is refused the by-arm figures in every format, as
the SVG always was, until the trial is unblinded for the sponsor. The PNG and PDF are the
run's figure drawn again from its results.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from endpoints import plots
from endpoints.models import AnalysisRun
from randomization.models import TrialUnblinding
from tests.endpoints.figures_trial import STRATA, analysed, texts

BLINDED_ROLES = ["investigator", "data_manager", "coordinator", "sponsor"]
UNBLINDED_ROLES = ["statistician", "dmc"]
FORMATS = {"svg": "image/svg+xml", "png": "image/png", "pdf": "application/pdf"}
MAGIC = {"svg": b"<?xml", "png": b"\x89PNG", "pdf": b"%PDF-"}
FINISHED_AT = dt.datetime(2025, 6, 2, 9, 41, 17, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def computed():
    """The hand-made trial's analysis and its figures, drawn as the worker draws them."""
    trial = analysed()
    return trial, plots.analysis_figures(trial.results, "2025-06-02 09:41 UTC")


@pytest.fixture
def run(db, computed):
    """A finished run of the hand-made trial."""
    trial, figures = computed
    return AnalysisRun.objects.create(
        cutoff=trial.cutoff,
        strata_factors=STRATA,
        fingerprint="f" * 64,
        status=AnalysisRun.Status.DONE,
        finished_at=FINISHED_AT,
        results=trial.results,
        figures=figures,
    )


def _url(run, parameter, kind, file_format):
    name = "analysis-figure" if file_format == "svg" else f"analysis-figure-{file_format}"
    return reverse(name, args=[run.pk, parameter, kind])


@pytest.mark.parametrize("role", UNBLINDED_ROLES)
@pytest.mark.parametrize("file_format", FORMATS)
@pytest.mark.parametrize(
    ("parameter", "kind"),
    [("OS", "by_arm"), ("EFS", "by_arm"), ("OS", "pooled"), ("OS_SUBGROUPS", "by_arm")],
)
def test_unblinded_roles_download_every_figure_in_every_format(
    client, request, run, role, file_format, parameter, kind
):
    client.force_login(request.getfixturevalue(role))
    response = client.get(_url(run, parameter, kind, file_format))
    assert response.status_code == 200
    assert response["Content-Type"] == FORMATS[file_format]
    assert response.content.startswith(MAGIC[file_format])
    assert response["Content-Disposition"] == (
        f'inline; filename="{parameter}_{kind}_run{run.pk}_2025-06-01.{file_format}"'
    )


@pytest.mark.parametrize("role", BLINDED_ROLES)
@pytest.mark.parametrize("file_format", FORMATS)
def test_blinded_roles_are_refused_the_by_arm_figures_in_every_format(
    client, request, run, role, file_format
):
    client.force_login(request.getfixturevalue(role))
    for parameter in ("OS", "EFS", "OS_SUBGROUPS"):
        assert client.get(_url(run, parameter, "by_arm", file_format)).status_code == 403
    pooled = client.get(_url(run, "OS", "pooled", file_format))
    assert (pooled.status_code, pooled["Content-Type"]) == (200, FORMATS[file_format])


def test_the_statistician_reads_the_comparison_a_blinded_role_does_not(
    client, run, statistician, investigator
):
    client.force_login(statistician)
    by_arm = client.get(_url(run, "OS", "by_arm", "svg")).content
    corner = [text.text for text in texts(by_arm, "comparison")]
    comparison = run.results["endpoints"]["OS"]["comparison"]
    hr = comparison["unstratified"]["cox"]["hr"]
    p = comparison["unstratified"]["logrank"]["p"]
    assert corner[1].startswith(f"Unstratified: HR {hr:.2f} (")
    assert corner[1].endswith(f"; p = {p:.3f}")
    assert corner[2].startswith("Stratified by Salvage regimen × Disease status: HR ")

    client.force_login(investigator)
    pooled = client.get(_url(run, "OS", "pooled", "svg")).content.decode()
    assert texts(pooled, "comparison") == []
    assert "hazard ratio" not in pooled and "log-rank" not in pooled


def test_the_png_and_pdf_are_the_runs_figure_drawn_again(client, run, statistician):
    client.force_login(statistician)
    computed_at = "2025-06-02 09:41 UTC"  # the run's finish, as its SVG figures say
    for file_format in ("png", "pdf"):
        served = client.get(_url(run, "OS", "by_arm", file_format)).content
        assert served == plots.analysis_figure_file(
            run.results, name="OS", kind="by_arm", computed_at=computed_at, file_format=file_format
        )


@pytest.mark.parametrize("file_format", FORMATS)
def test_a_figure_the_run_does_not_have_is_not_found_in_any_format(
    client, run, statistician, file_format
):
    client.force_login(statistician)
    assert client.get(_url(run, "LFS", "by_arm", file_format)).status_code == 404
    assert client.get(_url(run, "OS_SUBGROUPS", "pooled", file_format)).status_code == 404
    run.status = AnalysisRun.Status.RUNNING
    run.save(update_fields=["status"])
    assert client.get(_url(run, "OS", "pooled", file_format)).status_code == 404


@pytest.mark.parametrize("file_format", FORMATS)
def test_an_anonymous_visitor_is_sent_to_the_log_in(client, run, file_format):
    response = client.get(_url(run, "OS", "pooled", file_format))
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_dashboard_offers_each_role_its_own_figures_to_download(
    client, run, statistician, investigator, frozen_today
):
    run.finished_at = timezone.now()
    run.save(update_fields=["finished_at"])
    client.force_login(statistician)
    page = client.get(reverse("analysis-dashboard")).content.decode()
    for file_format in FORMATS:
        for parameter in ("OS", "EFS", "OS_SUBGROUPS"):
            assert f'href="{_url(run, parameter, "by_arm", file_format)}" download' in page
    assert "Stratified by Salvage regimen × Disease status" in page
    assert "diseasestatus" not in page

    client.force_login(investigator)
    page = client.get(reverse("analysis-dashboard")).content.decode()
    for file_format in FORMATS:
        assert f'href="{_url(run, "OS", "pooled", file_format)}" download' in page
        assert _url(run, "OS", "by_arm", file_format) not in page


@pytest.mark.parametrize("file_format", FORMATS)
def test_the_sponsor_downloads_the_by_arm_figures_once_the_trial_is_unblinded(
    client, run, sponsor, statistician, file_format
):
    client.force_login(sponsor)
    assert client.get(_url(run, "OS", "by_arm", file_format)).status_code == 403
    TrialUnblinding.objects.create(unblinded_by=statistician, reason="Final analysis")
    response = client.get(_url(run, "OS", "by_arm", file_format))
    assert (response.status_code, response["Content-Type"]) == (200, FORMATS[file_format])


def test_a_run_served_from_an_identical_one_downloads_that_runs_figure(client, run, statistician):
    served = AnalysisRun.objects.create(
        cutoff=run.cutoff,
        strata_factors=STRATA,
        fingerprint=run.fingerprint,
        status=AnalysisRun.Status.DONE,
        finished_at=FINISHED_AT + dt.timedelta(days=3),
        results=run.results,
        figures=run.figures,
        served_from=run,
    )
    client.force_login(statistician)
    served_pdf = client.get(_url(served, "OS", "by_arm", "pdf")).content
    assert served_pdf == client.get(_url(run, "OS", "by_arm", "pdf")).content
