"""Reads of the data review: open queries, verification and signature states, progress."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Model, Q, QuerySet
from django.utils import timezone

from accounts.models import Site, User
from patients.models import Patient
from patients.selectors import patients_visible_to
from review.fingerprints import (
    casebook_fingerprint,
    casebook_records,
    fingerprint,
    record_values,
)
from review.labels import record_label
from review.models import DataQuery, Signature, SourceVerification


def queries_for(
    user: User,
    *,
    site: Site | None = None,
    kind: str | None = None,
    min_age_days: int | None = None,
    status: str | None = None,
    today: dt.date | None = None,
) -> QuerySet[DataQuery]:
    """Queries at the visible sites, filterable by site, kind, age and status."""
    queries = DataQuery.objects.filter(patient__in=patients_visible_to(user).values("pk"))
    if site is not None:
        queries = queries.filter(patient__site=site)
    if kind:
        queries = queries.filter(kind=kind)
    if status:
        queries = queries.filter(status=status)
    if min_age_days:
        moment = timezone.now() - dt.timedelta(days=min_age_days)
        queries = queries.filter(raised_at__lte=moment)
    return queries.select_related("patient", "patient__site", "content_type", "raised_by")


def query_counts(user: User, site: Site | None = None) -> dict[str, int]:
    """Open and answered queries at the visible sites (or one), for the site dashboard."""
    # Counted by the database: the dashboard's cost does not grow with the trial's queries.
    return queries_for(user, site=site).aggregate(
        open=Count("pk", filter=Q(status=DataQuery.Status.OPEN)),
        answered=Count("pk", filter=Q(status=DataQuery.Status.ANSWERED)),
    )


@dataclass(frozen=True)
class SiteQueryAgeing:
    site: Site
    open: int
    answered: int
    older_than_30_days: int


def query_ageing(user: User) -> list[SiteQueryAgeing]:
    """Per visible site: open and answered queries, and how many are over 30 days old."""
    month_ago = timezone.now() - dt.timedelta(days=30)
    # Grouped and counted by the database, one row per site, whatever the number of queries.
    by_site = {
        row["patient__site"]: row
        for row in queries_for(user)
        .exclude(status=DataQuery.Status.CLOSED)
        .order_by()
        .values("patient__site")
        .annotate(
            open=Count("pk", filter=Q(status=DataQuery.Status.OPEN)),
            answered=Count("pk", filter=Q(status=DataQuery.Status.ANSWERED)),
            old=Count("pk", filter=Q(raised_at__lte=month_ago)),
        )
    }
    from accounts.selectors import sites_visible_to

    none = {"open": 0, "answered": 0, "old": 0}
    return [
        SiteQueryAgeing(
            s,
            by_site.get(s.pk, none)["open"],
            by_site.get(s.pk, none)["answered"],
            by_site.get(s.pk, none)["old"],
        )
        for s in sites_visible_to(user)
    ]


@dataclass(frozen=True)
class RecordReview:
    record: Model
    label: str
    verified: SourceVerification | None
    verification_current: bool  # the verified values are unchanged
    queries: list[DataQuery]


def casebook_review(patient: Patient) -> list[RecordReview]:
    """Each casebook record with its latest verification (still current or not) and queries."""
    records = casebook_records(patient)
    verifications: dict = {}
    for v in SourceVerification.objects.filter(patient=patient).order_by("verified_at", "pk"):
        verifications[(v.content_type_id, v.object_id, v.field_name)] = v
    queries: dict = {}
    for q in DataQuery.objects.filter(patient=patient).exclude(status=DataQuery.Status.CLOSED):
        queries.setdefault((q.content_type_id, q.object_id), []).append(q)
    reviews = []
    for record in records:
        ct = ContentType.objects.get_for_model(record).pk
        mark = verifications.get((ct, record.pk, ""))
        current = bool(mark and mark.fingerprint == fingerprint(record_values(record)))
        reviews.append(
            RecordReview(
                record, record_label(record), mark, current, queries.get((ct, record.pk), [])
            )
        )
    return reviews


@dataclass(frozen=True)
class SignatureState:
    signature: Signature | None
    valid: bool


def signature_state(patient: Patient) -> SignatureState:
    """The latest signature, and whether the casebook is still as it was signed."""
    latest = Signature.objects.filter(patient=patient).select_related("signed_by").first()
    if latest is None:
        return SignatureState(None, False)
    return SignatureState(latest, latest.fingerprint == casebook_fingerprint(patient))


def sdv_progress(patient: Patient) -> tuple[int, int]:
    """(records verified and unchanged since, records in the casebook)."""
    reviews = casebook_review(patient)
    return sum(1 for r in reviews if r.verification_current), len(reviews)
