"""Notices in the browser: the header counts a coordinator's unread notices; the notices page
opens one (marking it read) and marks the rest read, and the count goes."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from notices.models import Notice, NoticeKind
from notices.services import notification_rules_seed, notify

pytestmark = pytest.mark.browser


def test_a_coordinator_reads_the_notices_the_header_counts(
    page, log_in, live_server, site_a, coordinator
):
    # A live server's test empties the tables afterwards, the migration's rules included.
    notification_rules_seed()
    notify(NoticeKind.SAE_OPENED, site=site_a, study_id="03-001", link="/worklist/")
    notify(NoticeKind.SAE_OPENED, site=site_a, study_id="03-002", link="/worklist/")

    log_in("coord_a")
    header = page.locator("#notices-link")
    expect(header).to_have_text("Notices 2")
    header.click()
    page.wait_for_url("**/notices/")
    rows = page.locator("#notices tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("SAE opened: 03-002")

    rows.first.get_by_role("button", name="Open").click()
    page.wait_for_url("**/worklist/")
    expect(header).to_have_text("Notices 1")

    page.goto("/notices/")
    page.get_by_role("button", name=re.compile(r"Mark all read \(1\)")).click()
    expect(page.get_by_role("status")).to_have_text("1 notice marked read.")
    expect(header).to_have_text("Notices")
    assert not Notice.objects.filter(recipient=coordinator, read_at__isnull=True).exists()
