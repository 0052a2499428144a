"""Fixtures shared by the whole suite: sites, one account per role, frozen 'today'."""

from __future__ import annotations

import datetime as dt
import os

import pytest
import time_machine

from accounts.models import Role
from tests import database_as_migrated
from tests.database_template import ENVIRONMENT as TEMPLATE_ENVIRONMENT
from tests.factories import SiteFactory, UserFactory, screen_patient

# The suite's assertions read the English msgids; a test of the French interface says so (a
# French site or user, or translation.override("fr")). Workers the tests start inherit this.
os.environ["LANGUAGE_CODE"] = "en"

# The date every dated rule in the tests is judged against, unless a test says otherwise.
TODAY = dt.datetime(2025, 6, 2, 10, 0, tzinfo=dt.UTC)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI a skipped test is a failure: PostgreSQL, Redis and Chromium must all be there."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"Skipped in CI, which must run every test: {report.longrepr}"


def pytest_collection_modifyitems(config, items):
    """Run the browser tests first, in their order, then the rest in theirs.

    They are the suite's longest files (a crawl of every page of every role takes minutes):
    started first, `make test`'s workers (pytest-xdist, one file each at a time) share them out
    and end together, instead of one worker finishing a long file alone at the end.
    """
    items.sort(key=lambda item: item.get_closest_marker("browser") is None)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """Each test database a copy of the migrated template (tests/database_template.py)."""
    template = os.environ.get(TEMPLATE_ENVIRONMENT)
    if template:
        from django.conf import settings

        settings.DATABASES["default"].setdefault("TEST", {})["TEMPLATE"] = template


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database as migrate left it, restored so after each transactional test
    (tests/database_as_migrated.py)."""
    with django_db_blocker.unblock():
        database_as_migrated.capture()


@pytest.fixture(autouse=True)
def _quick_password_hashing(settings):
    settings.PASSWORD_HASHERS = [
        "tests.hashers.QuickArgon2PasswordHasher",
        *settings.PASSWORD_HASHERS,
    ]


@pytest.fixture(autouse=True)
def _english_unless_said(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def _cohort_cache_of_its_own(settings, tmp_path):
    """The analyses' kept columns (endpoints/cohort_cache.py) in the test's own folder."""
    settings.COHORT_CACHE_DIR = str(tmp_path / "cohort")


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: API throttling counts must not leak between
    tests (frozen clocks would otherwise keep an hour's requests alive across runs)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def frozen_today():
    with time_machine.travel(TODAY, tick=False):
        yield TODAY.date()


@pytest.fixture
def site_a(db):
    return SiteFactory(number=3, name="CHU Toulouse")


@pytest.fixture
def site_b(db):
    return SiteFactory(number=7, name="CHU Bordeaux")


@pytest.fixture
def coordinator(site_a):
    return UserFactory(username="coord_a", role=Role.COORDINATOR, sites=[site_a])


@pytest.fixture
def coordinator_b(site_b):
    return UserFactory(username="coord_b", role=Role.COORDINATOR, sites=[site_b])


@pytest.fixture
def investigator(site_a):
    return UserFactory(username="inv_a", role=Role.INVESTIGATOR, sites=[site_a])


@pytest.fixture
def data_manager(db):
    return UserFactory(username="dm", role=Role.DATA_MANAGER)


@pytest.fixture
def sponsor(db):
    return UserFactory(username="sponsor", role=Role.SPONSOR)


@pytest.fixture
def statistician(db):
    return UserFactory(username="stat", role=Role.STATISTICIAN)


@pytest.fixture
def dmc(db):
    """A member of the data monitoring committee: unblinded, reads every site, changes nothing."""
    return UserFactory(username="dmc", role=Role.DMC)


@pytest.fixture
def patient_a(site_a, coordinator, frozen_today):
    return screen_patient(site=site_a, user=coordinator)


@pytest.fixture
def patient_b(site_b, coordinator_b, frozen_today):
    return screen_patient(
        site=site_b, user=coordinator_b, sex="M", year_of_birth=1955, age_at_consent=69
    )
