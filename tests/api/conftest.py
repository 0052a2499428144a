"""Two batches of records at two sites, and API clients holding a role's token."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
import time_machine
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework.throttling import UserRateThrottle

from accounts.models import User
from accounts.services import api_token_issue
from endpoints.services import analysis_run_request
from patients.models import Patient
from tests.api.histories import patient_with_every_record
from tests.api.lists import (
    EARLIER_CUTOFF,
    EARLIER_RANDOMIZED_ON,
    LATER_CUTOFF,
    LATER_MADE_AT,
    LATER_RANDOMIZED_ON,
)


@pytest.fixture
def api_as() -> Callable[[User | None], APIClient]:
    """Return a client sending `Authorization: Token ...` for the account (none: anonymous)."""

    def client_for(user: User | None) -> APIClient:
        api = APIClient()
        if user is not None:
            # The throttle's hour never passes while time is frozen, and each test database
            # gives the same ids to its accounts: forget the requests of earlier runs.
            cache.delete(UserRateThrottle.cache_format % {"scope": "user", "ident": user.pk})
            _, token = api_token_issue(user=user)
            api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return api

    return client_for


@dataclass(frozen=True)
class TwoBatches:
    earlier: Patient  # site 7, entered at 10:00 UTC, every record a week before `later`'s
    later: Patient  # site 3, entered at 14:00 UTC


@pytest.fixture
def two_batches(
    site_a, site_b, coordinator, coordinator_b, statistician, frozen_today
) -> Iterator[TwoBatches]:
    """Every kind of record at both sites, and an analysis run requested with each batch.

    The test runs at 14:00 UTC, when the later batch was entered.
    """
    earlier = patient_with_every_record(
        site=site_b, user=coordinator_b, randomized_on=EARLIER_RANDOMIZED_ON
    )
    analysis_run_request(cutoff=EARLIER_CUTOFF, user=statistician)
    with time_machine.travel(LATER_MADE_AT, tick=False):
        later = patient_with_every_record(
            site=site_a, user=coordinator, randomized_on=LATER_RANDOMIZED_ON
        )
        analysis_run_request(cutoff=LATER_CUTOFF, user=statistician)
        yield TwoBatches(earlier=earlier, later=later)
