"""The Recompute request reads nothing of the trial: the same few queries at any size.

Before, the request read every patient's facts and hashed them (30-36 s at 100,000
patients) before queuing the run. Now it records the run and queues it on commit; the worker
reads the data. So the request's queries are the same for an empty trial and a trial of
patients, and none of them touches a clinical table.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from endpoints import services
from endpoints.models import AnalysisRun
from tests.endpoints.test_analysis_runs_on_a_worker import six_patients_in_one_stratum

RECOMPUTE = reverse("analysis-recompute")
# Tables of the trial's data: reading any of them in the request would grow with the trial.
CLINICAL = ("patients_", "randomization_", "visits_", "labs_", "biology_", "medications_")
MOST_QUERIES = 12  # session, user, savepoints, the run's INSERT and re-read, messages


def _recompute_queries(client, django_capture_on_commit_callbacks) -> list[str]:
    with (
        CaptureQueriesContext(connection) as captured,
        django_capture_on_commit_callbacks(execute=False) as queued,
    ):
        assert client.post(RECOMPUTE).status_code == 302
    assert len(queued) == 1  # the run is sent to the queue once committed
    return [query["sql"] for query in captured.captured_queries]


def test_the_recompute_request_reads_nothing_of_the_trial_whatever_its_size(
    client,
    site_a,
    coordinator,
    statistician,
    django_capture_on_commit_callbacks,
    django_assert_max_num_queries,
):
    client.force_login(statistician)
    client.get("/")  # the first request after log-in writes the session's expiry
    with django_assert_max_num_queries(MOST_QUERIES):
        empty_trial = _recompute_queries(client, django_capture_on_commit_callbacks)

    six_patients_in_one_stratum(site_a, coordinator)
    six_patients = _recompute_queries(client, django_capture_on_commit_callbacks)

    assert len(six_patients) == len(empty_trial)
    read = [sql for sql in six_patients if any(f'"{table}' in sql for table in CLINICAL)]
    assert read == []
    runs = AnalysisRun.objects.all()
    assert [(run.status, run.fingerprint, run.results) for run in runs] == [
        (AnalysisRun.Status.QUEUED, "", None)
    ] * 2


def test_the_request_refuses_ties_the_cox_models_do_not_know_and_records_nothing(statistician):
    with pytest.raises(ValidationError) as refused:
        services.analysis_run_request(ties="exact", user=statistician)

    assert refused.value.message_dict == {
        "ties": ["Tied times are handled by efron or breslow, not by “exact”."]
    }
    assert not AnalysisRun.objects.exists()
