"""Numbers on a French patient page are written with a decimal comma, as the reader writes
them (issue 16): the blood counts' values and a mutation's VAF; in English, a point."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import lxml.html
import pytest

from tests.biology.builders import record_specimen
from tests.labs.builders import record_count
from tests.visits.builders import record_cycle


@pytest.fixture
def course(ic_patient, coordinator):
    """A cycle, a blood count in it (haemoglobin 8.1 g/dL, neutrophils 0.2 ×10⁹/L) and a
    screening specimen with NPM1 at a VAF of 41.5 %."""
    record_cycle(ic_patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))
    record_count(ic_patient, coordinator, 1, dt.date(2025, 3, 10))
    record_specimen(ic_patient, coordinator, mutated=("npm1",), npm1_vaf=Decimal("41.5"))
    return ic_patient


def _timeline(client, study_id: str) -> str:
    page = lxml.html.fromstring(client.get(f"/patients/{study_id}/").content)
    for history in page.xpath("//*[@id='history']"):  # the audit trail is another matter
        history.drop_tree()
    return page.text_content()


def test_it_writes_decimals_with_a_comma_in_french(client, course, coordinator):
    course.site.language = "fr"
    course.site.save(update_fields=["language"])
    client.force_login(coordinator)

    page = _timeline(client, course.study_id)

    assert "8,1" in page and "0,2" in page
    assert "NPM1 (VAF 41,5 %)" in page
    assert "8.1" not in page and "0.2" not in page and "41.5" not in page


def test_it_writes_decimals_with_a_point_in_english(client, course, coordinator):
    client.force_login(coordinator)

    page = _timeline(client, course.study_id)

    assert "8.1" in page and "NPM1 (VAF 41.5 %)" in page
