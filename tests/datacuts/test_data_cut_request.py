"""Freezing is asked by the statistician or the data manager; a refusal names the field and
saves nothing, and the page keeps what was typed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone

from datacuts import services
from datacuts.models import DataCut
from refusals import Refused


def _page(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_page_records_the_cut_and_queues_it(
    data_manager, frozen_today, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with django_capture_on_commit_callbacks(execute=True):
        response = _page(data_manager).post(
            "/datacuts/freeze/", {"label": "Interim 1", "cutoff": "2025-06-01"}
        )

    assert response.status_code == 302
    cut = DataCut.objects.get()
    assert (cut.label, cut.requested_by, cut.status) == ("Interim 1", data_manager, "frozen")
    assert cut.strata_factors == list(settings.TRIAL_ANALYSIS_STRATA)


@pytest.mark.parametrize(
    "values, field, message",
    [
        ({"label": "Interim 1", "cutoff": "2025-06-03"}, "cutoff", "cannot be in the future"),
        ({"label": "   ", "cutoff": "2025-06-01"}, "label", "Name the data cut"),
        ({"label": "Taken", "cutoff": "2025-06-01"}, "label", "already named 'Taken'"),
    ],
)
def test_it_refuses_with_the_field_and_saves_nothing(
    statistician, frozen_today, values, field, message
):
    DataCut.objects.create(
        label="Taken", cutoff=frozen_today, strata_factors=[], requested_by=statistician
    )

    with pytest.raises(Refused) as refused:
        services.data_cut_freeze(
            user=statistician,
            cutoff=dt.date.fromisoformat(values["cutoff"]),
            label=values["label"],
        )

    assert message in " ".join(refused.value.message_dict[field])
    assert DataCut.objects.count() == 1


def test_the_page_shows_the_refusal_beside_the_field_and_keeps_what_was_typed(
    statistician, frozen_today
):
    response = _page(statistician).post(
        "/datacuts/freeze/", {"label": "Interim 2", "cutoff": "2025-07-01"}
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "cannot be in the future" in page
    assert 'value="Interim 2"' in page and 'value="2025-07-01"' in page
    assert not DataCut.objects.exists()


def test_only_the_statistician_and_the_data_manager_freeze(dmc, sponsor, coordinator, frozen_today):
    for user in (dmc, sponsor, coordinator):
        with pytest.raises(PermissionDenied):
            services.data_cut_freeze(user=user, cutoff=frozen_today, label="Mine")
        response = _page(user).post("/datacuts/freeze/", {"label": "Mine", "cutoff": "2025-06-01"})
        assert response.status_code == 403
    assert not DataCut.objects.exists()


def test_the_sweep_sends_a_cut_recorded_while_the_queue_was_down(
    statistician, frozen_today, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    waiting = DataCut.objects.create(
        label="Queue down", cutoff=frozen_today, strata_factors=[], requested_by=statistician
    )
    sent_long_ago = DataCut.objects.create(
        label="Lost message",
        cutoff=frozen_today,
        strata_factors=[],
        requested_by=statistician,
        sent_at=timezone.now() - dt.timedelta(hours=1),
    )
    just_sent = DataCut.objects.create(
        label="Just sent",
        cutoff=frozen_today,
        strata_factors=[],
        requested_by=statistician,
        sent_at=timezone.now(),
    )

    assert sorted(services.data_cuts_sweep()) == sorted([waiting.pk, sent_long_ago.pk])

    statuses = dict(DataCut.objects.values_list("label", "status"))
    assert statuses == {"Queue down": "frozen", "Lost message": "frozen", "Just sent": "queued"}
    assert just_sent.pk not in services.data_cuts_sweep()
