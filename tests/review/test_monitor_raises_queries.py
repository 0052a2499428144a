"""A monitor raises queries at the sites they visit, as the data manager does anywhere.

Source verification finds a value that does not match the hospital's record: the monitor
queries it there and then, from the patient's review page or the API. A monitor of another
site does not even find the patient; closing and re-opening stay the data manager's.
"""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from rest_framework.test import APIClient

from patients.models import Screening
from review.models import DataQuery
from review.services import query_close, query_raise

DOUBT = "ECOG 1 on the form, the consultation letter of 3 March says 2?"


def _token(record) -> str:
    return f"{ContentType.objects.get_for_model(record).pk}:{record.pk}"


def test_the_monitor_raises_a_query_at_their_site_from_the_review_page(client, patient_a, monitor):
    client.force_login(monitor)
    screening = Screening.objects.get(patient=patient_a)

    page = client.post(
        "/patients/03-001/review/query/",
        {"record": _token(screening), "field_name": "ecog", "text": DOUBT},
        follow=True,
    )

    assert page.status_code == 200
    query = DataQuery.objects.get()
    assert (query.raised_by, query.field_name, query.text) == (monitor, "ecog", DOUBT)
    assert query.kind == DataQuery.Kind.MANUAL
    assert query.status == DataQuery.Status.OPEN
    assert 'id="raise-query-form"' in page.content.decode()


def test_the_monitor_of_another_site_neither_finds_the_patient_nor_raises_a_query(
    client, patient_a, monitor_b
):
    client.force_login(monitor_b)
    screening = Screening.objects.get(patient=patient_a)

    page = client.post(
        "/patients/03-001/review/query/",
        {"record": _token(screening), "field_name": "ecog", "text": DOUBT},
    )
    api = APIClient()
    api.force_authenticate(monitor_b)
    answer = api.post(
        "/api/v1/patients/03-001/queries/",
        {"record_type": "patients.screening", "record_id": screening.pk, "text": DOUBT},
        format="json",
    )

    assert (page.status_code, answer.status_code) == (404, 404)
    with pytest.raises(PermissionDenied, match="sites they are assigned to"):
        query_raise(user=monitor_b, record=screening, text=DOUBT)
    assert not DataQuery.objects.exists()


def test_the_monitor_raises_a_query_through_the_api(patient_a, monitor):
    api = APIClient()
    api.force_authenticate(monitor)

    answer = api.post(
        "/api/v1/patients/03-001/queries/",
        {
            "record_type": "patients.screening",
            "record_id": Screening.objects.get(patient=patient_a).pk,
            "field_name": "ecog",
            "text": DOUBT,
        },
        format="json",
    )

    assert answer.status_code == 201, answer.json()
    assert DataQuery.objects.get().raised_by == monitor


def test_the_monitor_does_not_close_the_query_they_raised(patient_a, monitor, data_manager):
    query = query_raise(
        user=monitor, record=Screening.objects.get(patient=patient_a), field_name="ecog", text=DOUBT
    )

    with pytest.raises(PermissionDenied):
        query_close(user=monitor, query=query, text="Settled.")

    query_close(user=data_manager, query=query, text="Settled with the site.")
    assert DataQuery.objects.get().status == DataQuery.Status.CLOSED
