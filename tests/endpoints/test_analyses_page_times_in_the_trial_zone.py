# ruff: noqa: F811  (the dashboard test's fixtures, imported and then asked for)
"""The analyses page writes its times as every other page does: the trial's time (Paris)
with its zone, UTC on hover (audit's trial_time filter), not UTC alone. The run's
computation time in the results' caption and each endpoint's note, and a pending run's
request time, for a French reader."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from endpoints import services
from endpoints.models import AnalysisRun
from tests.endpoints.test_analyses_in_french import french_statistician  # noqa: F401
from tests.endpoints.test_analysis_dashboard import (  # noqa: F401 (fixtures)
    analysed,
    eager,
    in_september,
    trial,
)

DASHBOARD = reverse("analysis-dashboard")
# The run computed at noon in Paris on 10/09/2025 (summer time: 10:00 UTC).
COMPUTED = (
    '<time datetime="2025-09-10T10:00:00+00:00" title="10/09/2025 10:00 UTC">'
    "10/09/2025 12:00 CEST</time>"
)


def test_it_writes_when_the_run_was_computed_in_paris_time_with_the_zone(
    client, french_statistician, analysed
):
    client.force_login(french_statistician)

    page = client.get(DASHBOARD).content.decode()

    assert f"Résultats de l'analyse à la date de point du 10/09/2025, calculée le {COMPUTED}" in (
        page
    )
    assert f"Date de point 10/09/2025 · calculé le {COMPUTED} · IC à 95" in page
    assert "10:00 UTC ·" not in page and "10:00 UTC," not in page


def test_it_writes_when_a_pending_run_was_requested_in_paris_time_with_the_zone(
    client, french_statistician, analysed
):
    AnalysisRun.objects.create(
        cutoff=dt.date(2025, 6, 1),
        strata_factors=services.analysis_strata_default(),
        requested_by=french_statistician,
        sent_at=timezone.now(),
    )
    client.force_login(french_statistician)

    page = client.get(DASHBOARD).content.decode()

    assert "demandée le <time datetime=" in page
    assert "12:00 CEST</time>\u00a0:" in page
    assert f"ceux de l'analyse calculée le {COMPUTED}\u00a0;" in page
