"""A randomization locks exactly the rows it needs: the patient's, then the stratum's.

Not the patient's site: new screenings at the site lock the site row (to draw the next
study number), so a randomization holding it would make every screening and randomization
at the site queue behind it. Here another transaction holds the site row, as a screening in
progress does, and randomizations and screening corrections at that site go through without
waiting for it.
"""

from __future__ import annotations

import psycopg2
import pytest
from django.db import connection

import protocol
from patients.services import screening_update
from randomization.services import patient_randomize
from tests.factories import screen_patient

# Far longer than a randomization takes, far shorter than a test run: waiting on the site
# row would end in a lock-timeout error instead of passing slowly.
LOCK_TIMEOUT = "3s"


@pytest.fixture
def screened(site_a, coordinator, frozen_today):
    return screen_patient(site=site_a, user=coordinator)


@pytest.fixture
def site_row_held(screened, site_a):
    """Another connection holds the site's row lock in an open transaction."""
    other = psycopg2.connect(**connection.get_connection_params())
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT id FROM accounts_site WHERE id = %s FOR UPDATE", [site_a.pk])
        with connection.cursor() as cursor:
            cursor.execute(f"SET lock_timeout = '{LOCK_TIMEOUT}'")
        yield
    finally:
        other.rollback()
        other.close()


@pytest.mark.django_db(transaction=True)
def test_it_randomizes_while_a_screening_holds_the_site(screened, coordinator, site_row_held):
    randomization = patient_randomize(
        patient=screened, user=coordinator, regimen=protocol.Regimen.INTENSIVE
    )

    assert randomization.patient_id == screened.pk


@pytest.mark.django_db(transaction=True)
def test_it_corrects_a_screening_while_another_holds_the_site(screened, coordinator, site_row_held):
    screening_update(patient=screened, user=coordinator, reason="Typo", changes={"ecog": 2})

    screened.screening.refresh_from_db()
    assert screened.screening.ecog == 2
