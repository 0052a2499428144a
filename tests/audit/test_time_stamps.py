"""Every time stamp shows its zone: the trial's time (Europe/Paris, CET or CEST) with UTC on
hover, both in view in the audit trail, and the version-conflict message names them."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.test import Client

from audit.records import VersionConflict


def _render(text: str, **context) -> str:
    return Template("{% load time_stamps %}" + text).render(Context(context))


def test_a_time_stamp_shows_the_trials_time_and_zone_with_utc_on_hover():
    winter = dt.datetime(2026, 12, 2, 19, 38, tzinfo=dt.UTC)

    assert _render("{{ at|trial_time }}", at=winter) == (
        '<time datetime="2026-12-02T19:38:00+00:00" title="02/12/2026 19:38 UTC">'
        "02/12/2026 20:38 CET</time>"
    )


def test_a_summer_time_stamp_says_cest():
    summer = dt.datetime(2025, 6, 2, 10, 0, tzinfo=dt.UTC)

    assert ">02/06/2025 12:00 CEST</time>" in _render("{{ at|trial_time }}", at=summer)


def test_no_time_stamp_lets_a_default_follow():
    assert _render('{{ at|trial_time|default:"—" }}', at=None) == "—"


def test_the_audit_trail_shows_the_trials_time_and_utc_both(patient_a, coordinator):
    client = Client()
    client.force_login(coordinator)

    page = client.get(f"/patients/{patient_a.study_id}/history/").content.decode()

    # The audit trail is stamped by the database's clock: read the instant, then the text.
    shown = re.findall(
        r'<td data-label="When" class="nowrap"><time datetime="([^"]+)">([^<]+)</time> '
        r'<span class="utc">\(([^)]+)\)</span></td>',
        page,
    )
    assert shown
    for instant, local, utc in shown:
        at = dt.datetime.fromisoformat(instant)
        paris = at.astimezone(ZoneInfo("Europe/Paris"))
        assert local == f"{paris:%d/%m/%Y %H:%M} {paris.tzname()}"
        assert utc == f"{at.astimezone(dt.UTC):%d/%m/%Y %H:%M} UTC"


@pytest.mark.django_db
def test_the_version_conflict_message_names_the_zone(patient_a):
    (message,) = VersionConflict(patient_a.screening).message_dict["version"]

    assert "on 02/06/2025 at 12:00 CEST (10:00 UTC)" in message
