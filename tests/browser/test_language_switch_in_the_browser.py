"""The header's language switch on a phone (390 px), in French and in English: on the log-in
page and on a signed-in page it fits the window, its label, list and button on one line,
and switching changes the page's language and keeps the page."""

from __future__ import annotations

import pytest

from accounts.models import Role
from tests.factories import PASSWORD, SiteFactory, UserFactory

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
WIDTHS = "() => [document.documentElement.scrollWidth, window.innerWidth]"


def _switch_fits(page) -> None:
    """The page does not scroll sideways; the switch's three parts share one line in view."""
    document_width, window_width = page.evaluate(WIDTHS)
    assert document_width <= window_width == 390
    boxes = [
        page.locator(f".language-choice {part}").bounding_box()
        for part in ("label", "select", "button")
    ]
    for box in boxes:
        assert box is not None
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    middles = [box["y"] + box["height"] / 2 for box in boxes]
    assert max(middles) - min(middles) < 12


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_it_fits_the_switch_on_the_log_in_page_in_both_languages(phone, settings):
    settings.LANGUAGE_CODE = "fr"
    phone.goto("/login/")
    assert phone.get_by_role("heading", name="Se connecter").is_visible()
    _switch_fits(phone)

    phone.get_by_label("Langue").select_option("en")
    with phone.expect_navigation():
        phone.get_by_role("button", name="Changer").click()

    assert phone.url.endswith("/login/")
    assert phone.get_by_role("heading", name="Log in").is_visible()
    _switch_fits(phone)


def test_it_fits_the_switch_on_a_signed_in_page_and_keeps_the_choice(phone, transactional_db):
    site = SiteFactory(number=31, name="CHU Purpan", language="fr")
    UserFactory(username="coord_fr", role=Role.COORDINATOR, sites=[site])
    phone.goto("/login/")
    phone.locator("#id_username").fill("coord_fr")
    phone.locator("#id_password").fill(PASSWORD)
    with phone.expect_navigation():
        phone.locator("main form button[type=submit]").click()
    phone.goto("/worklist/")
    assert phone.locator("html").get_attribute("lang") == "fr"
    _switch_fits(phone)

    phone.get_by_label("Langue").select_option("en")
    with phone.expect_navigation():
        phone.get_by_role("button", name="Changer").click()

    assert phone.url.endswith("/worklist/")
    assert phone.locator("html").get_attribute("lang") == "en"
    assert phone.get_by_role("button", name="Log out").is_visible()
    _switch_fits(phone)
