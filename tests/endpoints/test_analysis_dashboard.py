"""The analyses dashboard: comparative results for the unblinded roles only.

While the trial runs, results by arm are confidential (PROTOCOL.md, Standard analysis): the
statistician and the data monitoring committee see the hazard ratio, the log-rank test and
the curves by arm; investigators, data managers, coordinators and the sponsor see pooled
figures only, and the by-arm figure is refused to them. Once the statistician has unblinded
the trial for the final analysis, the sponsor sees the comparison too. The page also shows
the cut-off, the run's time, accrual against the target and follow-up completeness. Tasks
run eagerly here; tests of the real worker are in test_analysis_runs_on_a_worker.py.

Measured on 10 September 2025: six patients randomized on 5 March 2025 at site 03, one
death in each arm; the four survivors ended treatment on 19 May, so their M3 visit window
(5 August - 2 September) has closed: two were seen, two are overdue.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.template.defaultfilters import floatformat
from django.urls import reverse

import protocol
from endpoints import services
from endpoints.models import AnalysisRun
from endpoints.plots import ARM_STYLE
from endpoints.templatetags.analysis import pvalue
from randomization.models import TrialUnblinding
from tests.factories import screen_patient
from tests.visits.builders import (
    RANDOMIZED_AT,
    at_noon_in_paris,
    death_values,
    randomize,
    record_cycle,
    record_end_of_treatment,
)
from visits import services as visit_services
from visits.models import FollowUpVisit

MEASURED_ON = dt.date(2025, 9, 10)
DASHBOARD = reverse("analysis-dashboard")
RECOMPUTE = reverse("analysis-recompute")
BLINDED_ROLES = ["investigator", "data_manager", "coordinator", "sponsor"]
# Every way an arm is named: its label on pages and in the figures' legends.
ARM_NAMES = [str(label) for _, label in protocol.Arm.choices] + [
    ARM_STYLE[arm][1] for arm in protocol.Arm.values
]


@pytest.fixture
def in_september(frozen_today):
    with time_machine.travel(at_noon_in_paris(MEASURED_ON), tick=False):
        yield MEASURED_ON


@pytest.fixture
def eager(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True


@pytest.fixture
def trial(in_september, site_a, coordinator):
    randomizations = [
        randomize(
            screen_patient(site=site_a, user=coordinator),
            coordinator,
            at=RANDOMIZED_AT + dt.timedelta(hours=hour),
        )
        for hour in range(6)
    ]
    # Blocks of 2 and 4 give each arm at least 2 of 6 patients: one dies, one survives.
    deaths = {protocol.Arm.DEX: dt.date(2025, 4, 20), protocol.Arm.CONTROL: dt.date(2025, 5, 12)}
    dead = []
    for arm, died_on in deaths.items():
        patient = next(r.patient for r in randomizations if r.arm == arm)
        visit_services.off_study_record(
            patient=patient, user=coordinator, values=death_values(died_on)
        )
        dead.append(patient)
    survivors = [r.patient for r in randomizations if r.patient not in dead]
    for patient in survivors:
        record_cycle(patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))
        record_cycle(patient, coordinator, dt.date(2025, 5, 14), dt.date(2025, 5, 18))
        record_end_of_treatment(patient, coordinator, dt.date(2025, 5, 19))
    for patient in survivors[:2]:
        seen = FollowUpVisit.objects.get(patient=patient, month=3)
        visit_services.followup_visit_record(
            visit=seen,
            user=coordinator,
            version=seen.version,
            values={
                "performed_on": dt.date(2025, 8, 20),
                "vital_status": protocol.VitalStatus.ALIVE,
            },
        )
    return randomizations


@pytest.fixture
def analysed(client, statistician, trial, eager, django_capture_on_commit_callbacks):
    """The statistician pressed Recompute; the (eager) worker computed the analysis."""
    client.force_login(statistician)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(RECOMPUTE).status_code == 302
    client.logout()
    run = AnalysisRun.objects.get()
    assert run.status == AnalysisRun.Status.DONE, run.error
    return run


def _figure(run: AnalysisRun, parameter: str, kind: str) -> str:
    return reverse("analysis-figure", args=[run.pk, parameter, kind])


def _section(page: str, section_id: str) -> str:
    start = page.index(f'<section id="{section_id}">')
    return page[start : page.index("</section>", start)]


@pytest.mark.parametrize("role", ["statistician", "dmc"])
def test_it_shows_the_unblinded_roles_the_comparison_by_arm(client, request, role, analysed):
    client.force_login(request.getfixturevalue(role))
    page = client.get(DASHBOARD).content.decode()

    comparison = analysed.results["endpoints"]["OS"]["comparison"]["unstratified"]
    assert "Hazard ratio (95% CI)" in page
    assert f"<td>{floatformat(comparison['cox']['hr'], 3)} (" in page
    assert f"<td>{pvalue(comparison['logrank']['p'])}</td>" in page
    for _, label in protocol.Arm.choices:
        assert f"<th>{label}</th>" in page
    for parameter in ("OS", "EFS"):
        assert f'src="{_figure(analysed, parameter, "by_arm")}"' in page

    figure = client.get(_figure(analysed, "OS", "by_arm"))
    assert (figure.status_code, figure["Content-Type"]) == (200, "image/svg+xml")
    assert ARM_STYLE[protocol.Arm.DEX][1] in figure.content.decode()


@pytest.mark.parametrize("role", BLINDED_ROLES)
def test_it_shows_blinded_roles_pooled_figures_only_and_refuses_them_the_figures_by_arm(
    client, request, role, analysed
):
    client.force_login(request.getfixturevalue(role))
    response = client.get(DASHBOARD)
    page = response.content.decode()

    assert response.status_code == 200
    assert "Results by arm are confidential while the trial runs" in page
    assert "<th>All randomized</th>" in page
    for parameter in ("OS", "EFS"):
        assert f'src="{_figure(analysed, parameter, "pooled")}"' in page
    hr = analysed.results["endpoints"]["OS"]["comparison"]["unstratified"]["cox"]["hr"]
    for confidential in ["Hazard ratio", "Log-rank", "by_arm", floatformat(hr, 3), *ARM_NAMES]:
        assert confidential not in page
    for parameter in ("OS", "EFS"):
        assert client.get(_figure(analysed, parameter, "by_arm")).status_code == 403
        pooled = client.get(_figure(analysed, parameter, "pooled"))
        assert pooled.status_code == 200
        assert not any(name in pooled.content.decode() for name in ARM_NAMES)


@pytest.mark.parametrize("role", ["coordinator", "sponsor"])
def test_it_refuses_a_recompute_to_roles_that_only_view(
    client, request, role, trial, eager, django_capture_on_commit_callbacks
):
    client.force_login(request.getfixturevalue(role))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(RECOMPUTE)

    assert response.status_code == 403
    assert not AnalysisRun.objects.exists()
    assert 'id="recompute"' not in client.get(DASHBOARD).content.decode()


@pytest.mark.parametrize("role", ["investigator", "data_manager", "statistician"])
def test_it_lets_investigators_data_managers_and_the_statistician_recompute(
    client, request, role, trial, eager, django_capture_on_commit_callbacks
):
    user = request.getfixturevalue(role)
    client.force_login(user)
    assert 'id="recompute"' in client.get(DASHBOARD).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(RECOMPUTE)

    assert (response.status_code, response["Location"]) == (302, DASHBOARD)
    run = AnalysisRun.objects.get()
    assert (run.status, run.requested_by, run.cutoff) == (
        AnalysisRun.Status.DONE,
        user,
        MEASURED_ON,
    )


def test_it_reports_a_run_s_progress_as_json(client, investigator, analysed):
    client.force_login(investigator)
    # An earlier cut-off, so not served from the finished run; not sent yet (no commit).
    queued = services.analysis_run_request(cutoff=dt.date(2025, 9, 1), user=investigator)

    assert client.get(reverse("analysis-status", args=[analysed.pk])).json() == {
        "id": analysed.pk,
        "status": "done",
        "status_label": "Done",
        "attempts": 1,
        "error": "",
        "cutoff": "2025-09-10",
        "duration_seconds": 0.0,
    }
    assert client.get(reverse("analysis-status", args=[queued.pk])).json() == {
        "id": queued.pk,
        "status": "queued",
        "status_label": "Queued",
        "attempts": 0,
        "error": "",
        "cutoff": "2025-09-01",
        "duration_seconds": None,
    }
    client.logout()
    assert client.get(reverse("analysis-status", args=[queued.pk])).status_code == 302


def test_it_shows_the_cutoff_and_when_the_run_was_computed(client, data_manager, analysed):
    client.force_login(data_manager)
    page = client.get(DASHBOARD).content.decode()

    assert "6 randomized · median follow-up" in page
    assert "cut-off 10/09/2025 · run took 0.0 s" in page
    # Noon in Paris (summer time) as the other pages write a time: the trial's zone named,
    # UTC on hover (the trial_time filter).
    assert (
        'Cut-off 10/09/2025 · computed <time datetime="2025-09-10T10:00:00+00:00" '
        'title="10/09/2025 10:00 UTC">10/09/2025 12:00 CEST</time>'
    ) in page


def test_it_refuses_a_data_cutoff_in_the_future(statistician, trial):
    tomorrow = MEASURED_ON + dt.timedelta(days=1)

    with pytest.raises(ValidationError) as refused:
        services.analysis_run_request(cutoff=tomorrow, user=statistician)

    assert refused.value.message_dict == {"cutoff": ["The data cut-off cannot be in the future."]}
    assert not AnalysisRun.objects.exists()


def test_it_tells_why_a_recompute_was_refused(client, settings, statistician, trial, eager):
    settings.TRIAL_ANALYSIS_STRATA = ["site"]  # sites are too small to be analysis strata
    client.force_login(statistician)

    page = client.post(RECOMPUTE, follow=True).content.decode()

    assert "site cannot stratify an analysis" in page
    assert not AnalysisRun.objects.exists()


def test_it_shows_accrual_and_follow_up_completeness(client, statistician, trial):
    client.force_login(statistician)
    page = client.get(DASHBOARD).content.decode()

    assert "No analysis has been computed yet." in page
    accrual = _section(page, "accrual")
    assert "6 randomized of a target of 300" in accrual
    assert "<td>03 CHU Toulouse</td><td>6</td>" in accrual
    assert "<td>03/2025</td><td>6</td><td>6</td>" in accrual
    completeness = _section(page, "follow-up-completeness")
    # Expected: the four M3 visits whose window has closed; two done, two overdue.
    assert (
        "<td>03 CHU Toulouse</td><td>4</td><td>2</td><td>0</td><td>2</td><td>50.0%</td>"
        in completeness
    )


def test_it_shows_the_sponsor_the_comparison_once_the_trial_is_unblinded(
    client, sponsor, statistician, analysed
):
    TrialUnblinding.objects.create(unblinded_by=statistician, reason="Final analysis")
    client.force_login(sponsor)

    page = client.get(DASHBOARD).content.decode()

    assert "The trial was unblinded for its final analysis" in page
    assert "Hazard ratio (95% CI)" in page
    assert client.get(_figure(analysed, "OS", "by_arm")).status_code == 200
