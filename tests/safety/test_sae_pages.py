"""The SAE pages: the site's list with the clock, a report with its versions, the draft form
that keeps what was typed when refused, and the submission with the password. A site sees
only its own sites' SAEs: another site's report is not found."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from protocol.safety import SaeCausality
from safety.models import SaeReport, SaeReportVersion
from tests.conftest import TODAY
from tests.factories import PASSWORD
from tests.safety.conftest import complete, complete_values, draft_of
from tests.visits.builders import record_adverse_event


def _aware(report, at: dt.datetime) -> None:
    """The site became aware at `at` (the page is read now: a signed-in session is short)."""
    SaeReport.objects.filter(pk=report.pk).update(site_aware_at=at)


def _form_data(report, **overrides):
    draft = draft_of(report)
    values = {k: v for k, v in complete_values(report.patient).items() if v is not False}
    data = {**values, "version": draft.version, "site_aware_at": "2025-06-02T12:00"}
    data.update(overrides)
    return {k: ("on" if v is True else v) for k, v in data.items()}


def test_the_list_shows_each_sae_with_its_clock_in_paris_and_utc(client, sae, coordinator):
    client.force_login(coordinator)

    _aware(sae, TODAY - dt.timedelta(hours=3))

    page = client.get(reverse("safety-sae-list")).content.decode()

    assert sae.patient.study_id in page
    assert "Initial report due in 21 h 00 min" in page
    assert "03/06/2025 09:00 CEST (Europe/Paris)" in page
    assert "03/06/2025 07:00 UTC" in page


def test_the_report_page_shows_the_clock_banner_and_the_versions(client, sae, coordinator):
    client.force_login(coordinator)

    _aware(sae, TODAY - dt.timedelta(hours=25))

    page = client.get(reverse("safety-sae-report", args=[sae.pk])).content.decode()

    assert 'id="sae-clock"' in page
    assert "Initial report overdue by 1 h 00 min" in page
    assert "Initial report" in page and "Edit the draft" in page
    assert "Sign and submit" not in page  # the coordinator drafts; the investigator signs


def test_another_sites_staff_do_not_find_the_report(client, sae, coordinator_b, investigator_b):
    for user in (coordinator_b, investigator_b):
        client.force_login(user)
        assert client.get(reverse("safety-sae-report", args=[sae.pk])).status_code == 404
        assert client.get(reverse("safety-sae-edit", args=[sae.pk, 0])).status_code == 404
        listing = client.get(reverse("safety-sae-list")).content.decode()
        assert sae.patient.study_id not in listing


def test_the_draft_form_saves(client, sae, coordinator):
    client.force_login(coordinator)

    response = client.post(reverse("safety-sae-edit", args=[sae.pk, 0]), _form_data(sae))

    assert response.status_code == 302
    draft = draft_of(sae)
    assert draft.hospitalisation and draft.narrative.startswith("Febrile neutropenia")


def test_a_refused_draft_keeps_what_was_typed(client, sae, coordinator):
    client.force_login(coordinator)
    data = _form_data(sae, azacitidine_causality=SaeCausality.PROBABLE, narrative="Typed and kept.")

    response = client.post(reverse("safety-sae-edit", args=[sae.pk, 0]), data)

    page = response.content.decode()
    assert response.status_code == 200
    assert "Nothing was saved" in page
    assert "its causality is &#x27;not given&#x27;" in page
    assert "Typed and kept." in page
    assert draft_of(sae).narrative == ""


def test_the_investigator_submits_on_the_page(client, sae, coordinator, investigator):
    complete(sae, coordinator)
    client.force_login(investigator)
    url = reverse("safety-sae-submit", args=[sae.pk, 0])
    version = draft_of(sae).version

    wrong = client.post(url, {"password": "wrong", "version": version})
    assert "Wrong password: the report was not submitted." in wrong.content.decode()
    right = client.post(url, {"password": PASSWORD, "version": version})

    assert right.status_code == 302
    report_page = client.get(reverse("safety-sae-report", args=[sae.pk])).content.decode()
    assert "Initial report submitted on time" in report_page
    assert "Start follow-up report 1" in report_page
    assert sae.versions.get().status == SaeReportVersion.Status.SUBMITTED


def test_the_coordinator_cannot_open_the_submission(client, sae, coordinator):
    client.force_login(coordinator)

    assert client.get(reverse("safety-sae-submit", args=[sae.pk, 0])).status_code == 403


def test_the_adverse_event_links_to_its_report(client, sae, coordinator):
    client.force_login(coordinator)

    patient_page = client.get(reverse("patient-detail", args=[sae.patient.study_id]))
    link = reverse("safety-sae-of-event", args=[sae.adverse_event_id])
    assert link in patient_page.content.decode()
    assert client.get(link).url == reverse("safety-sae-report", args=[sae.pk])


def test_an_unchanged_awareness_time_does_not_move_the_clock(client, sae, coordinator):
    """The form shows the time to the minute; saving it unchanged keeps the seconds."""
    aware_at = TODAY - dt.timedelta(hours=2, seconds=42)  # 09:59:18 in Paris
    _aware(sae, aware_at)
    client.force_login(coordinator)

    client.post(
        reverse("safety-sae-edit", args=[sae.pk, 0]),
        _form_data(sae, site_aware_at="2025-06-02T09:59"),
    )

    sae.refresh_from_db()
    assert sae.site_aware_at == aware_at
    assert draft_of(sae).hospitalisation  # the draft itself was saved


def test_a_changed_awareness_time_is_saved_in_the_trials_zone(client, sae, coordinator):
    client.force_login(coordinator)

    client.post(
        reverse("safety-sae-edit", args=[sae.pk, 0]),
        _form_data(sae, site_aware_at="2025-06-02T08:15"),
    )

    sae.refresh_from_db()
    assert sae.site_aware_at == dt.datetime(2025, 6, 2, 6, 15, tzinfo=dt.UTC)  # CEST is UTC+2


def test_the_list_page_costs_the_same_queries_for_one_sae_or_three(client, ic_patient, coordinator):
    client.force_login(coordinator)
    record_adverse_event(ic_patient, coordinator, dt.date(2025, 5, 20))
    client.get(
        reverse("safety-sae-list")
    )  # the first request after log-in writes the session's expiry
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("safety-sae-list"))
    for day in (21, 22):
        record_adverse_event(ic_patient, coordinator, dt.date(2025, 5, day))
    with CaptureQueriesContext(connection) as three:
        page = client.get(reverse("safety-sae-list")).content.decode()

    assert page.count("Initial report due in") == 3
    assert len(three) == len(one)
