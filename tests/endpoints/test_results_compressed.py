"""A run's results and figures, megabytes of JSON at a million patients, are compressed with
lz4 where the server has it (storing them with PostgreSQL's default pglz took three to four
times longer); a server built without lz4 keeps pglz and the migration still applies."""

from __future__ import annotations

from django.db import DatabaseError, connection, transaction

from endpoints.models import AnalysisRun


def _server_has_lz4() -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("CREATE TEMPORARY TABLE lz4_probe (j jsonb COMPRESSION lz4)")
            transaction.set_rollback(True)
    except DatabaseError:
        return False
    return True


def test_the_results_and_figures_are_compressed_with_lz4_where_the_server_has_it(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attname, attcompression FROM pg_attribute WHERE attrelid = %s::regclass "
            "AND attname IN ('results', 'figures') ORDER BY attname",
            [AnalysisRun._meta.db_table],
        )
        methods = dict(cursor.fetchall())

    expected = "l" if _server_has_lz4() else ""  # "": the server's default, pglz
    assert methods == {"figures": expected, "results": expected}
