"""A query's round trip in the browser: raised by the data manager, answered by the site,
closed by the data manager.

Two people, two log-ins, one live server: the patient page's link to the review, the raise
form, the coordinator's answer form, the query list's status filter and the close form all
carry the rules of review/services.py (tested in tests/review/).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from review.models import DataQuery, QueryStep
from tests.factories import screen_patient

pytestmark = pytest.mark.browser

DAY = dt.timedelta(days=1)
QUESTION = "ECOG 1 at screening, but the clinic letter of the same day says 2?"
# When a step was taken, as the page shows it (the trial's time, its zone named).
WHEN = r"\d\d/\d\d/\d{4} \d\d:\d\d CES?T"
ANSWER = "Corrected to 2 from the clinic letter (transcription error)."


@pytest.fixture
def patient_a(site_a, coordinator, today):
    """This site's eligible patient, screened last week.

    Replaces the patient_a of tests/conftest.py, which freezes the clock (see conftest.py).
    """
    consent_on = today - 8 * DAY
    return screen_patient(
        site=site_a,
        user=coordinator,
        year_of_birth=consent_on.year - 65,
        age_at_consent=64,
        consent_on=consent_on,
        screened_on=today - 7 * DAY,
        diagnosis_on=today - 600 * DAY,
        disease_status_on=today - 20 * DAY,
    )


def _log_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/login/")


def test_a_query_goes_from_the_data_manager_to_the_site_and_back(
    page,
    log_in,
    screenshot,
    live_server,
    data_manager,
    coordinator,
    patient_a,
):
    study_id = patient_a.study_id
    review_url = f"{live_server.url}/patients/{study_id}/review/"

    # The data manager doubts the ECOG and raises a query on that field of the screening.
    log_in(data_manager.username)
    page.goto(f"/patients/{study_id}/")
    page.get_by_role("link", name="Data review").click()
    page.wait_for_url(review_url)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Data review · patient {study_id}")
    screened_on = patient_a.screening.screened_on
    page.get_by_label("Record").select_option(label=f"Screening on {screened_on:%d/%m/%Y}")
    page.get_by_label("Field (optional)").fill("ECOG performance status")
    page.get_by_label("Question").fill(QUESTION)
    page.get_by_role("button", name="Raise query").click()

    page.wait_for_url(review_url)
    expect(page.get_by_role("status")).to_have_text("Query raised.")
    query = DataQuery.objects.get()
    shown = page.locator(f"#query-{query.pk}")
    expect(shown.locator(".badge")).to_have_text("Open")
    expect(shown).to_contain_text(f"ECOG performance status: {QUESTION}")
    expect(shown.locator(".steps-list li")).to_have_text([re.compile(rf"^Raised by dm on {WHEN}$")])
    screenshot("query-raised")
    _log_out(page)

    # The coordinator sees the open query from the patient page and answers it.
    log_in(coordinator.username)
    page.goto(f"/patients/{study_id}/")
    page.get_by_role("link", name="Data review (1 open query)").click()
    page.wait_for_url(review_url)
    shown = page.locator(f"#query-{query.pk}")
    expect(shown.get_by_role("button", name="Close")).to_have_count(0)
    shown.get_by_placeholder("Answer (explain, or say what you corrected)").fill(ANSWER)
    shown.get_by_role("button", name="Answer").click()

    page.wait_for_url(review_url)
    expect(page.get_by_role("status")).to_have_text("Query answered.")
    shown = page.locator(f"#query-{query.pk}")
    expect(shown.locator(".badge")).to_have_text("Answered")
    expect(shown.locator(".steps-list li")).to_have_text(
        [
            re.compile(rf"^Raised by dm on {WHEN}$"),
            re.compile(rf"^Answered by coord_a on {WHEN}: {re.escape(ANSWER)}$"),
        ]
    )
    # Answered, it waits for the data manager: no second answer.
    expect(shown.get_by_role("button", name="Answer")).to_have_count(0)
    screenshot("query-answered")
    _log_out(page)

    # The data manager finds it among the answered queries and closes it.
    log_in(data_manager.username)
    page.get_by_role("link", name="Queries", exact=True).click()
    page.wait_for_url(f"{live_server.url}/review/queries/")
    page.get_by_label("Status").select_option(label="Answered")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/review/queries/?*status=answered*")
    expect(page.locator("#queries tbody tr td").nth(4)).to_have_text("Answered")
    page.locator("#queries tbody tr").get_by_role("link", name=study_id).click()
    page.wait_for_url(f"{review_url}#query-{query.pk}")
    shown = page.locator(f"#query-{query.pk}")
    shown.get_by_placeholder("Note").fill("Correction seen in the audit trail.")
    shown.get_by_role("button", name="Close").click()

    page.wait_for_url(review_url)
    expect(page.get_by_role("status")).to_have_text("Query closed.")
    expect(page.locator(f"#query-{query.pk}")).to_have_count(0)
    expect(page.locator("details summary")).to_have_text("1 closed queries")
    screenshot("query-closed")

    query.refresh_from_db()
    assert query.status == DataQuery.Status.CLOSED
    assert [(s.action, s.by, s.text) for s in query.steps.all()] == [
        (QueryStep.Action.RAISED, data_manager, QUESTION),
        (QueryStep.Action.ANSWERED, coordinator, ANSWER),
        (QueryStep.Action.CLOSED, data_manager, "Correction seen in the audit trail."),
    ]
    assert (query.field_name, query.record) == ("ecog", patient_a.screening)
