"""The worker draws a CONSORT figure once per state of the data: drawing it again does
nothing, and a figure whose data changed before the worker reached it is marked failed with
the reason, while the page asks for the new one."""

from __future__ import annotations

import datetime as dt

import pytest

from oversight.models import ConsortFigure
from oversight.services import consort_figure_draw, consort_figure_request
from tests.factories import screen_patient
from tests.oversight.conftest import CUTOFF


@pytest.fixture
def queue_unreached(settings):
    """A broker that holds the message: the test plays the worker."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "memory://"


def test_it_draws_a_figure_once_and_serves_it_while_nothing_changes(consort_trial, queue_unreached):
    figure = consort_figure_request(cutoff=CUTOFF, by_arm=True)
    drawn = consort_figure_draw(figure_id=figure.pk)
    again = consort_figure_draw(figure_id=figure.pk)

    assert drawn.status == ConsortFigure.Status.DONE
    assert again.drawn_at == drawn.drawn_at  # left alone
    assert consort_figure_request(cutoff=CUTOFF, by_arm=True).pk == figure.pk
    assert consort_figure_request(cutoff=CUTOFF, by_arm=False).pk != figure.pk  # pooled


def test_a_figure_whose_data_changed_before_drawing_fails_and_a_new_one_is_asked_for(
    consort_trial, site_a, coordinator, queue_unreached
):
    stale = consort_figure_request(cutoff=CUTOFF, by_arm=False)
    screen_patient(
        site=site_a,
        user=coordinator,
        consent_on=dt.date(2025, 5, 2),
        screened_on=dt.date(2025, 5, 2),
    )

    failed = consort_figure_draw(figure_id=stale.pk)
    fresh = consort_figure_request(cutoff=CUTOFF, by_arm=False)

    assert failed.status == ConsortFigure.Status.FAILED
    assert "The data changed" in failed.error
    assert fresh.pk != stale.pk
    assert "Assessed for eligibility (n=14)" in consort_figure_draw(figure_id=fresh.pk).svg
