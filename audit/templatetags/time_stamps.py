"""Time stamp filters: `{% load time_stamps %}{{ report.submitted_at|trial_time }}`."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from audit.time_stamps import time_stamp

register = template.Library()


@register.filter
def trial_time(value: dt.datetime | None) -> SafeString | str:
    """Return the time in the trial's zone with its zone, UTC on hover; "" for none.

    `<time datetime="2026-12-02T19:38:00+00:00" title="02/12/2026 19:38 UTC">02/12/2026
    20:38 CET</time>`; "" lets `|default:"—"` follow.
    """
    if not isinstance(value, dt.datetime):
        return ""
    stamp = time_stamp(value)
    return format_html(
        '<time datetime="{}" title="{}">{}</time>', stamp.iso, stamp.utc, stamp.local
    )


@register.filter
def trial_time_and_utc(value: dt.datetime | None) -> SafeString | str:
    """Return the trial's time and UTC both in view, as the audit trail shows them:
    "02/12/2026 20:38 CET (02/12/2026 19:38 UTC)"."""
    if not isinstance(value, dt.datetime):
        return ""
    stamp = time_stamp(value)
    return format_html(
        '<time datetime="{}">{}</time> <span class="utc">({})</span>',
        stamp.iso,
        stamp.local,
        stamp.utc,
    )
