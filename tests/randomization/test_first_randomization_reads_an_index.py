"""Every page shows the end of study, which follows from the trial's first randomization:
the database finds it in an index on randomized_at, not by reading every randomization."""

from __future__ import annotations

from django.db import connection, transaction

from randomization.models import Randomization


def test_the_first_randomization_is_read_from_an_index(db):
    query = Randomization.objects.values("randomized_at").order_by("randomized_at")[:1]
    sql, params = query.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # an empty table: the plan possible
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "randomization_randomized_at" in plan
