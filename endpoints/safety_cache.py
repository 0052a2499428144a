"""The safety tables page kept in the cache until a record the tables read changes.

The tables read every adverse event and every treated patient of the viewer's sites, so
computing them costs more as the trial grows; read from the cache, the page costs the same
at 100 patients as at 10,000. The cache key holds a version of the data read: for each
model the tables read, the last id of its audit event table (pghistory's triggers add a row
there on every insert, update and delete, whatever wrote it: a service, a bulk update, a
fix in SQL), each one index lookup. Any change to those records gives a new key, so a page
is never older than the records; the key also holds what the viewer may see (sites, arms,
SUSARs), the cut-off and the language.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib

from django.core.cache import cache
from django.db import connection
from django.db.models import Model
from django.utils import translation
from redis.exceptions import RedisError

from accounts.models import Site, User
from accounts.permissions import user_can_view_sponsor_safety
from accounts.selectors import sites_visible_to
from endpoints.safety_tables import SafetyTables, safety_tables
from patients.models import Patient
from pharmacovigilance.models import SponsorAssessment, Susar
from randomization.blinding import arms_visible_to
from randomization.models import Randomization
from safety.models import SaeReport, SaeReportVersion
from visits.models import AdverseEvent, EndOfTreatment, OffStudy, TreatmentCycle

# Every model whose rows the safety tables read (endpoints.safety_counts, safety_selectors).
READ: tuple[type[Model], ...] = (
    Site,
    Patient,
    Randomization,
    TreatmentCycle,
    EndOfTreatment,
    OffStudy,
    AdverseEvent,
    SaeReport,
    SaeReportVersion,
    SponsorAssessment,
    Susar,
)
# A bound on what the key does not see (a deployment changing the TEAE window).
KEPT_SECONDS = 60 * 60


def safety_data_version() -> str:
    """Return the last audit event id of each model the tables read, in one statement."""
    tables = [model.pgh_event_model._meta.db_table for model in READ]  # type: ignore[attr-defined]
    quote = connection.ops.quote_name
    sql = "SELECT " + ", ".join(f"(SELECT max(pgh_id) FROM {quote(t)})" for t in tables)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
    return ".".join(str(n or 0) for n in row)


def safety_tables_cached(*, user: User, cutoff: dt.date) -> SafetyTables:
    """Return the safety tables for this account at the cut-off, from the cache when the
    records they read have not changed since they were computed for the same view."""
    sites = sorted(sites_visible_to(user).values_list("pk", flat=True))
    view = (
        f"{safety_data_version()}|{cutoff.isoformat()}|{arms_visible_to(user)}|"
        f"{user_can_view_sponsor_safety(user)}|{sites}|{translation.get_language()}"
    )
    key = "safety-tables:" + hashlib.sha256(view.encode()).hexdigest()
    try:
        tables = cache.get(key)
    except RedisError:  # the cache is down: computed as without one
        return safety_tables(user=user, cutoff=cutoff)
    if tables is None:
        tables = safety_tables(user=user, cutoff=cutoff)
        with contextlib.suppress(RedisError):  # not kept: computed again next time
            cache.set(key, tables, KEPT_SECONDS)
    return tables
