"""Automatic queries are stored in English (the API and the exports carry them as written)
and shown in the reader's language: a French data manager reads them in French on the query
list and on the patient's review page, choice labels and the closing step included.

As in test_automatic_queries.py: induction from 6 to 12 March 2025, treatment ended on
13 March, the M3 window closed on 27 June; on 27 August 2025 the visit is 61 days overdue.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from review.checks import automatic_queries_refresh
from review.models import DataQuery, QueryStep
from tests.biology.builders import record_specimen
from tests.visits.builders import (
    at_noon_in_paris,
    record_cycle,
    record_end_of_treatment,
    record_response,
)
from visits import services
from visits.models import FollowUpVisit

OVERDUE_EN = "Visit M3 overdue since 27/06/2025: record it or mark it missed with the reason."
OVERDUE_FR = (
    "Visite M3 en retard depuis le 27/06/2025\u00a0: saisissez-la ou déclarez-la manquée "
    "avec le motif."
)


@pytest.fixture
def french_data_manager(data_manager):
    data_manager.language = "fr"
    data_manager.save(update_fields=["language"])
    return data_manager


@pytest.fixture
def followed(ic_patient, coordinator):
    record_cycle(ic_patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))
    record_response(ic_patient, coordinator, dt.date(2025, 3, 12))
    record_end_of_treatment(ic_patient, coordinator, dt.date(2025, 3, 13))
    return ic_patient


def _overdue_query() -> DataQuery:
    with time_machine.travel(at_noon_in_paris(dt.date(2025, 8, 27)), tick=False):
        automatic_queries_refresh()
    return DataQuery.objects.get(check_code="VISIT_LONG_OVERDUE")


def test_it_shows_an_overdue_visit_query_in_french_and_stores_it_in_english(
    client, followed, french_data_manager
):
    query = _overdue_query()
    client.force_login(french_data_manager)

    listing = client.get(reverse("review-queries")).content.decode()
    review = client.get(reverse("review-patient", args=[followed.study_id])).content.decode()

    for page in (listing, review):
        assert OVERDUE_FR in page
        assert "overdue since" not in page
    assert query.text == OVERDUE_EN
    history = client.get(reverse("patient-detail", args=[followed.study_id])).content.decode()
    assert "msgid" not in history  # the audit trail keeps the text, not its message
    api = APIClient()
    api.force_authenticate(french_data_manager)
    assert OVERDUE_EN in api.get("/api/v1/queries/").content.decode()


def test_it_shows_the_eln_risk_query_with_its_risk_groups_in_french(
    client, ic_patient, coordinator, french_data_manager
):
    # Entered intermediate (the screening factory's value); NPM1 alone is favourable.
    record_specimen(ic_patient, coordinator, mutated=("npm1",))
    automatic_queries_refresh()
    query = DataQuery.objects.get(check_code="ELN_RISK_MISMATCH")
    client.force_login(french_data_manager)

    page = client.get(reverse("review-queries")).content.decode()

    assert "Le groupe de risque ELN 2017 saisi (intermédiaire) diffère du risque déduit" in page
    assert "(ELN 2017 favorable, ELN 2022 favorable)\u00a0: vérifiez le groupe de risque" in page
    assert "differs from the risk derived" not in page
    assert "(intermediate)" in query.text
    assert "ELN 2017 favourable, ELN 2022 favourable" in query.text


def test_it_shows_the_automatic_closing_step_in_french(followed, coordinator):
    query = _overdue_query()
    m3 = FollowUpVisit.objects.get(patient=followed, month=3)
    with time_machine.travel(at_noon_in_paris(dt.date(2025, 8, 27)), tick=False):
        services.followup_visit_miss(
            visit=m3, user=coordinator, version=m3.version, missed_reason="Moved abroad"
        )
        automatic_queries_refresh()
    step = QueryStep.objects.get(query=query, action=QueryStep.Action.CLOSED)

    with translation.override("fr"):
        assert step.text_shown == (
            "Fermée automatiquement\u00a0: les données ne la soulèvent plus."
        )
    assert step.text == "Closed automatically: the data no longer raise it."
