"""A client that goes away mid-export leaves no transaction open and nothing running."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("dataset", ["follow-up-visits.csv", "adsl.csv", "adtte.json"])
def test_it_ends_the_snapshot_when_the_client_disconnects(data_manager, dataset):
    client = APIClient()
    client.force_authenticate(data_manager)
    response = client.get(f"/api/v1/exports/{dataset}")
    stream = iter(response.streaming_content)
    next(stream)  # the first chunk is sent, then the client is gone
    next(stream)

    response.close()  # what the server does when the client disconnects

    assert not connection.in_atomic_block
    assert not [t for t in threading.enumerate() if t.name == "export-copy"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE state LIKE "
            "'idle in transaction%%' AND pid = pg_backend_pid()"
        )
        assert cursor.fetchone()[0] == 0
