"""A trial of legacy outcomes (the analysis reads them as it reads recorded patients), and
the worker's analysis run at a cut-off, computed here through the same services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import pghistory
import pytest

from accounts.models import Role
from endpoints.models import AnalysisRun, ImportedOutcome
from endpoints.services import analysis_run_execute, analysis_run_request
from interim import services
from interim.models import InterimPlan
from tests.api.conftest import api_as  # noqa: F401  (API clients holding a role's token)
from tests.factories import UserFactory

RANDOMIZED = dt.date(2025, 1, 1)
# (arm, regimen, day of death or None, last day known alive)
Outcome = tuple[str, str, int | None, int]


@pytest.fixture
def legacy_trial(data_manager) -> Callable[[Sequence[Outcome]], None]:
    """Record outcomes, each randomized on 1 January 2025, dated in days from then."""

    def record(outcomes: Sequence[Outcome]) -> None:
        start = ImportedOutcome.objects.count()
        with pghistory.context(user=data_manager.pk, reason="Legacy outcomes"):
            ImportedOutcome.objects.bulk_create(
                ImportedOutcome(
                    subject_id=f"L-{start + i:03d}",
                    site_number=90,
                    arm=arm,
                    regimen=regimen,
                    randomized_on=RANDOMIZED,
                    death_on=RANDOMIZED + dt.timedelta(days=died) if died is not None else None,
                    last_alive_on=RANDOMIZED + dt.timedelta(days=died if died else alive),
                    source="legacy.csv sha256:0",
                    imported_by=data_manager,
                )
                for i, (arm, regimen, died, alive) in enumerate(outcomes, 1)
            )

    return record


@pytest.fixture
def analysed(statistician) -> Callable[..., AnalysisRun]:
    """Return the finished analysis run at a cut-off (the worker's computation, run here)."""

    def run_at(cutoff: dt.date, strata_factors: list[str] | None = None) -> AnalysisRun:
        run = analysis_run_request(cutoff=cutoff, strata_factors=strata_factors, user=statistician)
        if run.status != AnalysisRun.Status.DONE:
            analysis_run_execute(run_id=run.pk)
        run.refresh_from_db()
        assert run.status == AnalysisRun.Status.DONE, run.error
        return run

    return run_at


@pytest.fixture
def plan(statistician, frozen_today) -> InterimPlan:
    """The plan of the trial: 20 deaths, looks at a third and two thirds, O'Brien-Fleming
    type, one-sided 0.025."""
    return services.interim_plan_declare(
        user=statistician,
        planned_deaths=20,
        planned_fractions=[1 / 3, 2 / 3, 1.0],
        spending="asOF",
        alpha=0.025,
        sided=1,
    )


def month(n: int) -> dt.date:
    """The first of the n-th month of 2025."""
    return dt.date(2025, n, 1)


@pytest.fixture
def blinded_roles(site_a, coordinator, investigator, data_manager, sponsor):
    monitor = UserFactory(username="monitor_a", role=Role.MONITOR, sites=[site_a])
    safety = UserFactory(username="pv", role=Role.PHARMACOVIGILANCE)
    return [coordinator, investigator, data_manager, sponsor, monitor, safety]
