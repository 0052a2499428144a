"""The steering committee's CONSORT page: drawn by the (eager) worker, pooled for blinded
readers and by arm for the unblinded; each count links to the list behind it, and a list
shows a site-bound reader only their own sites' patients."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

import protocol
from accounts.models import Role
from oversight.models import ConsortFigure
from tests.factories import UserFactory
from tests.oversight.conftest import CUTOFF

PAGE = reverse("oversight-consort")
SVG = reverse("oversight-consort-download", args=["svg"])
PNG = reverse("oversight-consort-download", args=["png"])
QUERY = f"?cutoff={CUTOFF.isoformat()}"
ARM_LABELS = [str(label) for _, label in protocol.Arm.choices]


@pytest.fixture
def eager(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True


def _get(client, user, url, capture):
    """Ask as `user`; the first request queues the figure, the worker draws it once the
    request's transaction commits (here: at the end of the capture), the next one shows it."""
    client.force_login(user)
    with capture(execute=True):
        client.get(url)
    return client.get(url)


def _links(svg: str) -> list[str]:
    return [href.replace("&amp;", "&") for href in re.findall(r'<a href="([^"]+)"', svg)]


def test_it_shows_the_dmc_one_column_per_arm_with_every_count_a_link(
    client, dmc, consort_trial, eager, django_capture_on_commit_callbacks
):
    page = _get(client, dmc, PAGE + QUERY, django_capture_on_commit_callbacks)
    assert page.status_code == 200
    figure = ConsortFigure.objects.get(by_arm=True)
    assert figure.status == ConsortFigure.Status.DONE
    text = page.content.decode()

    assert figure.svg in text  # inlined: its links work on the page
    assert "Allocated to salvage therapy + dexamethasone (n=4)" in figure.svg
    assert "Allocated to salvage therapy alone (n=3)" in figure.svg
    assert "received dexamethasone (deviation) (n=1)" in figure.svg
    links = _links(figure.svg)
    assert f"/oversight/consort/allocated/?cutoff={CUTOFF}&arm=dex" in links
    assert f"/oversight/consort/excluded-declined/?cutoff={CUTOFF}" in links
    # Every line of every box is a link: 5 enrolment lines, 2 × 19 by arm.
    assert len(links) == 6 + 2 * 19


def test_it_shows_blinded_readers_one_pooled_column_without_an_arm(
    client, sponsor, investigator, consort_trial, eager, django_capture_on_commit_callbacks
):
    for reader in (sponsor, investigator):
        page = _get(client, reader, PAGE + QUERY, django_capture_on_commit_callbacks)
        text = page.content.decode()

        assert page.status_code == 200
        assert "Allocated (n=7)" in text
        assert "Did not receive the allocated intervention (n=4)" in text
        assert "dexamethasone not as allocated (n=2)" in text
        assert "arm=" not in text
        for label in ARM_LABELS:
            assert label not in text and label.lower() not in text
    assert ConsortFigure.objects.filter(by_arm=False).count() == 1  # drawn once for both


def test_it_downloads_the_figure_as_svg_and_png(
    client, statistician, consort_trial, eager, django_capture_on_commit_callbacks
):
    svg = _get(client, statistician, SVG + QUERY, django_capture_on_commit_callbacks)
    png = _get(client, statistician, PNG + QUERY, django_capture_on_commit_callbacks)

    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml"
    assert 'filename="consort-2025-05-20-by-arm.svg"' in svg["Content-Disposition"]
    assert b"Assessed for eligibility (n=13)" in svg.content
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG\r\n\x1a\n")


def test_it_answers_202_while_the_worker_draws(client, data_manager, consort_trial, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "memory://"
    client.force_login(data_manager)

    response = client.get(SVG + QUERY)

    assert response.status_code == 202
    assert response["Retry-After"] == "5"
    assert ConsortFigure.objects.get().status == ConsortFigure.Status.QUEUED


def test_a_count_links_to_its_patients_and_a_site_bound_reader_sees_only_their_sites(
    client, data_manager, investigator, consort_trial
):
    url = reverse("oversight-consort-list", args=["excluded-criteria"]) + QUERY
    client.force_login(data_manager)
    everyone = client.get(url).content.decode()
    client.force_login(investigator)  # site 03 only
    mine = client.get(url).content.decode()

    other_site = consort_trial.failures[2].study_id  # 07-001
    assert other_site in everyone
    assert other_site not in mine
    assert consort_trial.failures[0].study_id in mine
    assert '<strong id="box-count">3</strong>' in mine
    assert '<span id="shown-count">2</span>' in mine


def test_a_list_by_arm_is_for_unblinded_readers_only(client, dmc, sponsor, consort_trial):
    url = reverse("oversight-consort-list", args=["not-received-dexamethasone"])
    client.force_login(dmc)
    control = client.get(url + QUERY + "&arm=control").content.decode()

    assert consort_trial.c2.study_id in control
    assert consort_trial.d3.study_id not in control
    client.force_login(sponsor)
    assert client.get(url + QUERY + "&arm=control").status_code == 403
    pooled = client.get(url + QUERY).content.decode()
    assert consort_trial.c2.study_id in pooled and consort_trial.d3.study_id in pooled


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.MONITOR, Role.PHARMACOVIGILANCE], ids=str)
def test_it_refuses_the_roles_outside_the_steering_committee(client, site_a, role):
    user = UserFactory(username=f"u_{role}", role=role, sites=[site_a])
    client.force_login(user)

    for url in (PAGE, SVG, reverse("oversight-consort-list", args=["randomized"])):
        assert client.get(url).status_code == 403


def test_it_refuses_a_cut_off_in_the_future_with_the_reason(client, data_manager, frozen_today):
    client.force_login(data_manager)

    page = client.get(PAGE + "?cutoff=2030-01-01")

    assert page.status_code == 400
    assert "The data cut-off cannot be in the future." in page.content.decode()
    assert client.get(SVG + "?cutoff=not-a-date").status_code == 400
