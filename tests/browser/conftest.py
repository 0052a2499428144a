"""Fixtures for the browser tests: Debian's Chromium driven by Playwright, real time.

The live server answers from its own thread, so time is not frozen here: a frozen clock
would apply to that thread too, and session cookies stamped with a past date would be
thrown away by the browser. Dates are chosen relative to the real today instead.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

import protocol
from patients.models import Patient
from randomization.services import patient_randomize
from tests.factories import PASSWORD, screen_patient
from visits.services import cycle_record, response_record

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# Long enough for a slow CI machine, short enough that a missing element fails quickly.
TIMEOUT_MS = 10_000


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """Launch Debian's Chromium; never a browser downloaded by Playwright.

    Module scope: one browser per test file, and its event loop stops before the next
    (non-browser) test module runs.
    """
    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium).")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an asyncio event loop in the test's thread for as long as
    # the browser is open. Django then takes every ORM call made from that thread (fixtures,
    # the database flush after each test, assertions on what was saved) for a call from
    # async code and refuses it with SynchronousOnlyOperation. Those calls are in fact
    # synchronous and never overlap with a coroutine, so allowing them is safe. Set only
    # while the browser is open, so the rest of the suite keeps Django's guard.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server) -> Iterator:
    """Return a fresh tab (own cookies) whose relative URLs go to the live server."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def log_in(page) -> Callable[[str], None]:
    """Return a function that logs a test account in through the log-in page."""

    def _log_in(username: str) -> None:
        page.goto("/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url("/")

    return _log_in


@pytest.fixture
def screenshot(page, tmp_path) -> Callable[[str], Path]:
    """Return a function that saves the whole page as <tmp_path>/<name>.png, for a human."""

    def _screenshot(name: str) -> Path:
        path = tmp_path / f"{name}.png"
        page.screenshot(path=path, full_page=True)
        return path

    return _screenshot


@pytest.fixture
def today() -> dt.date:
    """Return the real local date, the one the app judges 'in the future' against."""
    return timezone.localdate()


@pytest.fixture
def patient_b(site_b, coordinator_b, today):
    """The other site's eligible patient, screened last week.

    Replaces the patient_b of tests/conftest.py, which freezes the clock (see above).
    """
    consent_on = today - dt.timedelta(days=8)
    return screen_patient(
        site=site_b,
        user=coordinator_b,
        sex="M",
        year_of_birth=consent_on.year - 70,
        age_at_consent=69,
        consent_on=consent_on,
        screened_on=today - dt.timedelta(days=7),
        diagnosis_on=today - dt.timedelta(days=500),
        disease_status_on=today - dt.timedelta(days=20),
    )


@pytest.fixture
def randomized_ago(site_a, coordinator, today) -> Callable[[int], Patient]:
    """Return a maker of site A's patient randomized (intensive regimen) `days` ago, screened
    10 days before; the dates are the real today's, as everywhere in these tests."""

    def _randomized_ago(days: int) -> Patient:
        consent_on = today - dt.timedelta(days=days + 10)
        patient = screen_patient(
            site=site_a,
            user=coordinator,
            year_of_birth=consent_on.year - 65,
            age_at_consent=64,
            consent_on=consent_on,
            screened_on=today - dt.timedelta(days=days + 9),
            diagnosis_on=today - dt.timedelta(days=500),
            disease_status_on=today - dt.timedelta(days=days + 15),
        )
        patient_randomize(
            patient=patient,
            user=coordinator,
            regimen=protocol.Regimen.INTENSIVE,
            randomized_at=timezone.now() - dt.timedelta(days=days),
        )
        return patient

    return _randomized_ago


@pytest.fixture
def induction_given(coordinator, today) -> Callable[..., None]:
    """Return a recorder of a patient's induction (amsacrine-cytarabine, with dexamethasone
    in the dexamethasone arm), given from `started` to `ended` days ago."""

    def _induction_given(patient: Patient, *, started: int, ended: int) -> None:
        dex = patient.randomization.arm == protocol.DEXAMETHASONE_ARM
        cycle_record(
            patient=patient,
            user=coordinator,
            values={
                "started_on": today - dt.timedelta(days=started),
                "ended_on": today - dt.timedelta(days=ended),
                "amsacrine_mg_m2": Decimal(450),
                "cytarabine_mg_m2": Decimal(3000),
                "dexamethasone_given": dex,
                "dexamethasone_mg": Decimal(160) if dex else None,
            },
        )

    return _induction_given


@pytest.fixture
def responder(randomized_ago, induction_given, coordinator, today) -> Patient:
    """A patient randomized 100 days ago, in CR after the induction 60 days ago."""
    patient = randomized_ago(100)
    induction_given(patient, started=98, ended=92)
    response_record(
        patient=patient,
        user=coordinator,
        values={
            "assessed_on": today - dt.timedelta(days=60),
            "category": protocol.ResponseCategory.CR,
            "marrow_blasts_pct": Decimal("2.0"),
            "anc": Decimal("1.8"),
            "platelets": Decimal(180),
        },
    )
    return patient
