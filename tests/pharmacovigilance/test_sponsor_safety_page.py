"""The sponsor safety page: every SAE of every site on its clocks, overdue SUSARs first; for
pharmacovigilance, and read-only for the roles that follow SAEs trial-wide; never a site's."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

import protocol
from accounts.models import Role
from pharmacovigilance import views
from pharmacovigilance.classification import SponsorCausality
from pharmacovigilance.models import Susar
from pharmacovigilance.services import sae_assess
from protocol.safety import SaeCausality
from tests.factories import UserFactory
from tests.pharmacovigilance.conftest import CYCLE_1_ON, opinions, submit_sae
from tests.visits.builders import randomize, record_cycle

PAGE = reverse("pharmacovigilance")


@pytest.fixture
def investigator_b(site_b):
    return UserFactory(username="inv_b", role=Role.INVESTIGATOR, sites=[site_b])


@pytest.fixture
def monitor(site_a):
    return UserFactory(username="mon_a", role=Role.MONITOR, sites=[site_a])


@pytest.fixture
def cases(
    ic_patient,
    patient_b,
    coordinator,
    coordinator_b,
    investigator,
    investigator_b,
    pharmacovigilance,
):
    """Three SAEs. On 2 June at site 03: a SUSAR (due 17 June). On 20 June at site 07: a SUSAR
    due 5 July, and at site 03 an SAE both find unrelated. Today is then 20 June: the first
    SUSAR is overdue."""
    old = submit_sae(ic_patient, coordinator, investigator)
    sae_assess(report=old, user=pharmacovigilance, opinions=opinions(old))
    with time_machine.travel(dt.datetime(2025, 6, 20, 9, 0, tzinfo=dt.UTC), tick=False):
        randomize(patient_b, coordinator_b, protocol.Regimen.INTENSIVE)
        record_cycle(patient_b, coordinator_b, CYCLE_1_ON, dt.date(2025, 3, 12))
        recent = submit_sae(patient_b, coordinator_b, investigator_b)
        sae_assess(report=recent, user=pharmacovigilance, opinions=opinions(recent))
        unrelated = submit_sae(
            ic_patient,
            coordinator,
            investigator,
            term="Epistaxis",
            causality=SaeCausality.NOT_RELATED,
        )
        sae_assess(
            report=unrelated,
            user=pharmacovigilance,
            opinions=opinions(unrelated, causality=SponsorCausality.NOT_RELATED),
        )
    return {"old": old, "recent": recent, "unrelated": unrelated}


@pytest.fixture
def on_20_june():
    with time_machine.travel(dt.datetime(2025, 6, 20, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


def _rows(page) -> list[int]:
    return [case.report.pk for case in page.context["cases"]]


def test_the_overdue_susar_is_listed_first_in_red_and_counted(
    client, pharmacovigilance, cases, on_20_june
):
    client.force_login(pharmacovigilance)

    page = client.get(PAGE)

    assert page.status_code == 200
    assert _rows(page) == [cases["old"].pk, cases["recent"].pk, cases["unrelated"].pk]
    first = page.context["cases"][0]
    assert first.susar_overdue and not page.context["cases"][1].susar_overdue
    assert page.context["overdue_susars"] == 1
    html = page.content.decode()
    assert "1 SUSAR overdue" in html
    assert f'id="case-{cases["old"].pk}" class="susar-overdue"' in html


def test_it_shows_every_site_and_filters_by_site_status_and_overdue(
    client, pharmacovigilance, cases, on_20_june, site_b
):
    client.force_login(pharmacovigilance)

    assert _rows(client.get(PAGE, {"site": site_b.number})) == [cases["recent"].pk]
    assert set(_rows(client.get(PAGE, {"status": "susar"}))) == {
        cases["old"].pk,
        cases["recent"].pk,
    }
    assert _rows(client.get(PAGE, {"overdue": "1"})) == [cases["old"].pk]


def test_the_site_clock_is_shown_in_paris_and_utc(client, pharmacovigilance, cases, on_20_june):
    client.force_login(pharmacovigilance)

    html = client.get(PAGE).content.decode()

    # The recent SAE: site aware 20 June 11:00 Paris (09:00 UTC), due 24 hours later.
    assert "21/06/2025 11:00 CEST (Europe/Paris)" in html
    assert "21/06/2025 09:00 UTC" in html
    # Its SUSAR: day 15 is 5 July, ending at 22:00 UTC.
    assert "by the end of 05/07/2025 (Europe/Paris)" in html
    assert "05/07/2025 22:00 UTC" in html


@pytest.mark.parametrize("role_fixture", ["sponsor", "data_manager", "statistician", "dmc"])
def test_the_roles_that_follow_saes_read_it_without_the_assessment_form(
    request, client, cases, role_fixture
):
    client.force_login(request.getfixturevalue(role_fixture))

    assert client.get(PAGE).status_code == 200
    case = client.get(reverse("pharmacovigilance-case", args=[cases["old"].pk]))
    assert case.status_code == 200
    assert case.context["form"] is None
    assert b'id="assessment-form"' not in case.content


@pytest.mark.parametrize("role_fixture", ["coordinator", "investigator", "monitor"])
def test_sites_are_refused(request, client, cases, role_fixture):
    client.force_login(request.getfixturevalue(role_fixture))

    assert client.get(PAGE).status_code == 403
    assert client.get(reverse("pharmacovigilance-case", args=[cases["old"].pk])).status_code == 403
    susar = Susar.objects.get(assessment__report=cases["old"])
    assert client.get(reverse("pharmacovigilance-cioms", args=[susar.pk])).status_code == 403


def test_every_page_header_counts_the_overdue_susars_for_pharmacovigilance(
    client, pharmacovigilance, cases, on_20_june
):
    client.force_login(pharmacovigilance)

    html = client.get(reverse("notices")).content.decode()

    assert 'id="sponsor-safety-link"' in html
    assert (
        '<span class="badge status-overdue" id="overdue-susar-count">1 SUSAR overdue</span>' in html
    )


def test_the_header_has_no_sponsor_safety_link_for_a_site(client, coordinator, cases, on_20_june):
    client.force_login(coordinator)

    assert b"sponsor-safety-link" not in client.get(reverse("notices")).content


def test_the_page_reads_all_sites_in_a_fixed_number_of_queries(
    client, pharmacovigilance, cases, on_20_june, site_b
):
    client.force_login(pharmacovigilance)
    client.get(PAGE)  # the first request after log-in writes the session's expiry
    with CaptureQueriesContext(connection) as one_site:
        client.get(PAGE, {"site": site_b.number})
    with CaptureQueriesContext(connection) as every_site:
        client.get(PAGE)

    assert len(every_site) == len(one_site)


def test_it_shows_the_cases_a_page_at_a_time_the_urgent_first(
    client, pharmacovigilance, cases, on_20_june, monkeypatch
):
    monkeypatch.setattr(views, "SPONSOR_SAFETY_PAGE_SIZE", 2)
    client.force_login(pharmacovigilance)

    first = client.get(PAGE)
    second = client.get(PAGE, {"page": 2})

    assert _rows(first) == [cases["old"].pk, cases["recent"].pk]
    assert _rows(second) == [cases["unrelated"].pk]
    assert "1–2 of 3" in first.content.decode()
