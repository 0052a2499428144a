"""The DMC report's closed part exists only for the unblinded roles.

Every blinded role (coordinator, investigator, monitor, data manager, sponsor,
pharmacovigilance) is refused it, 403 with nothing of it, on the page, the download and the
API, and nothing is recorded for them. The data monitoring committee and the statistician
get it, and each generation is recorded (who, when, cut-off, part, SHA-256 of the content),
append-only, and listed on the page.
"""

from __future__ import annotations

import re

import pytest
from django.db import InternalError, transaction
from django.urls import reverse

from accounts.models import Role
from oversight.models import DmcReportGeneration
from tests.factories import UserFactory
from tests.oversight.conftest import CUTOFF

PAGE = reverse("oversight-report")
DOWNLOAD = reverse("oversight-report-download")
API = reverse("api-oversight-report")
CLOSED = f"?cutoff={CUTOFF.isoformat()}&part=closed"
BLINDED = [
    Role.COORDINATOR,
    Role.INVESTIGATOR,
    Role.MONITOR,
    Role.DATA_MANAGER,
    Role.SPONSOR,
    Role.PHARMACOVIGILANCE,
]


@pytest.fixture
def eager(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True


@pytest.mark.parametrize("part", ["closed", "full"])
@pytest.mark.parametrize("role", BLINDED, ids=str)
def test_it_refuses_the_closed_part_to_every_blinded_role_everywhere(
    client, frozen_today, site_a, role, part
):
    client.force_login(UserFactory(username=f"u_{role}", role=role, sites=[site_a]))

    for url in (PAGE, DOWNLOAD, API):
        response = client.get(f"{url}?cutoff={CUTOFF.isoformat()}&part={part}")
        body = response.content.decode()

        assert response.status_code == 403, url
        assert "closed session" not in body.lower()
        assert "Hazard ratio" not in body
    assert not DmcReportGeneration.objects.exists()


@pytest.mark.parametrize("role", BLINDED, ids=str)
def test_it_refuses_the_closed_part_before_looking_at_the_cut_off(
    client, frozen_today, site_a, role
):
    client.force_login(UserFactory(username=f"u_{role}", role=role, sites=[site_a]))

    assert client.get(API + "?cutoff=nonsense&part=closed").status_code == 403


@pytest.mark.parametrize("role", ["dmc", "statistician"])
def test_the_unblinded_roles_get_the_closed_part_and_each_generation_is_recorded(
    client, request, role, consort_trial, eager, django_capture_on_commit_callbacks
):
    user = request.getfixturevalue(role)
    client.force_login(user)

    with django_capture_on_commit_callbacks(execute=True):
        page = client.get(PAGE + CLOSED)
    download = client.get(DOWNLOAD + CLOSED)
    api = client.get(API + CLOSED)

    assert page.status_code == download.status_code == api.status_code == 200
    text = page.content.decode()
    assert "CONFIDENTIAL — closed session" in text
    assert "Baseline characteristics by arm" in text
    assert '<section class="safety-tables" id="safety-tables" data-by-arm="true">' in text
    assert "Overview of treatment-emergent adverse events" in text
    assert 'filename="dmc-report-2025-05-20-closed.html"' in download["Content-Disposition"]
    assert "CONFIDENTIAL — closed session" in download.content.decode()
    assert api.json()["closed"]["baseline_by_arm"]["columns"][1:] == [
        "Salvage therapy + dexamethasone",
        "Salvage therapy alone",
    ]
    tables = api.json()["closed"]["safety_tables"]
    assert tables["by_arm"] is True
    assert [(g["code"], g["n"]) for g in tables["groups"]] == [
        ("dex", 3),  # the safety population: a cycle started by the cut-off
        ("control", 2),
        ("total", 5),
    ]
    generations = list(DmcReportGeneration.objects.order_by("pk"))
    assert [(g.generated_by, g.part, g.cutoff, g.channel) for g in generations] == [
        (user, "closed", CUTOFF, "page"),
        (user, "closed", CUTOFF, "download"),
        (user, "closed", CUTOFF, "api"),
    ]
    assert all(re.fullmatch(r"[0-9a-f]{64}", g.fingerprint) for g in generations)
    assert api.json()["generation"]["fingerprint"] == generations[2].fingerprint
    listed = client.get(PAGE + CLOSED).content.decode()
    assert generations[0].fingerprint[:16] in listed


def test_the_statistician_has_the_survival_comparison_of_the_cut_off_computed(
    client, statistician, consort_trial, eager, django_capture_on_commit_callbacks
):
    client.force_login(statistician)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.get(PAGE + CLOSED).content.decode()
    second = client.get(API + CLOSED).json()["closed"]["analysis"]

    assert "being computed by the worker" in first
    assert second["status"] == "done"
    assert second["run"]["cutoff"] == CUTOFF.isoformat()
    assert second["n_by_arm"] == {"dex": 4, "control": 3}
    os_by_arm = second["endpoints"]["OS"]["by_arm"]
    assert (os_by_arm["dex"]["events"], os_by_arm["control"]["events"]) == (1, 1)
    assert second["endpoints"]["OS"]["comparison"]["unstratified"]["logrank_p"] is not None
    page = client.get(PAGE + CLOSED).content.decode()
    assert "Hazard ratio (95% CI)" in page
    assert reverse("analysis-figure", args=[second["run"]["id"], "OS", "by_arm"]) in page


def test_a_generation_record_can_be_neither_changed_nor_deleted(client, dmc, frozen_today):
    client.force_login(dmc)
    client.get(API + "?cutoff=2025-05-20&part=open")
    generation = DmcReportGeneration.objects.get()

    for change in (
        lambda: DmcReportGeneration.objects.filter(pk=generation.pk).update(part="closed"),
        lambda: DmcReportGeneration.objects.filter(pk=generation.pk).delete(),
    ):
        with pytest.raises(InternalError), transaction.atomic():
            change()
    assert DmcReportGeneration.objects.get().part == "open"


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.MONITOR, Role.PHARMACOVIGILANCE], ids=str)
def test_the_roles_outside_the_committees_do_not_read_the_open_part_either(
    client, frozen_today, site_a, role
):
    client.force_login(UserFactory(username=f"u_{role}", role=role, sites=[site_a]))

    for url in (PAGE, DOWNLOAD, API):
        assert client.get(url + "?part=open").status_code == 403


def test_the_full_report_is_one_document_open_part_first_then_the_closed_part(
    client, dmc, consort_trial
):
    client.force_login(dmc)

    document = client.get(DOWNLOAD + f"?cutoff={CUTOFF.isoformat()}&part=full").content.decode()

    assert document.index('id="dmc-open"') < document.index('id="dmc-closed"')
    assert document.count("CONFIDENTIAL — closed session") == 2  # print header and banner
    assert document.index("CONFIDENTIAL") > document.index('id="dmc-closed"')
    assert "<script" not in document and "<button" not in document
    assert ".report-part + .report-part" in document  # the page break between the parts
    assert DmcReportGeneration.objects.get().part == "full"
