"""Automatic checks: values that pass the edit checks but deserve a question.

Declared here, each with its code and wording; `automatic_queries_refresh` raises a query
for every new finding and closes the queries whose finding has gone after a data change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Model
from django.utils import timezone, translation
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_lazy, gettext_noop

import protocol
from audit.records import StrOrPromise
from biology.selectors import eln_risk_disagreements
from medications.selectors import corticosteroids_for_review
from patients.history_selectors import disease_status_disagreements, prior_lines_disagreements
from refusals.translatable import QueryText
from review import services
from review.models import AUTOMATIC_CLOSE_TEXT, DataQuery, QueryStep
from visits.models import (
    FollowUpVisit,
    ProtocolDeviation,
    ResponseAssessment,
    Transplant,
    TreatmentCycle,
)

Finding = tuple[Model, str, QueryText]  # record, field, text (stored English, shown translated)


@dataclass(frozen=True)
class AutomaticCheck:
    code: str
    description: StrOrPromise  # shown in the reader's language (lazy)
    find: Callable[[dt.date], Iterator[Finding]]


FAR_OUTSIDE_WINDOW_DAYS = 21
RESPONSE_EXPECTED_WITHIN_DAYS = 45
LONG_OVERDUE_DAYS = 60


def _visits_far_outside_window(today: dt.date) -> Iterator[Finding]:
    for visit in FollowUpVisit.objects.filter(performed_on__isnull=False).select_related("patient"):
        performed_on = visit.performed_on
        if performed_on is None:  # excluded by the query; said again for the type checker
            continue
        early = (visit.window_opens_on - performed_on).days
        late = (performed_on - visit.window_closes_on).days
        if max(early, late) > FAR_OUTSIDE_WINDOW_DAYS:
            if early > 0:
                text = gettext_noop(
                    "Visit %(visit)s done on %(performed_on)s, %(days)s days before its "
                    "window opened: please confirm the date."
                )
            else:
                text = gettext_noop(
                    "Visit %(visit)s done on %(performed_on)s, %(days)s days after its "
                    "window closed: please confirm the date."
                )
            params: dict[str, str | int] = {
                "visit": visit.label,
                "performed_on": f"{performed_on:%d/%m/%Y}",
                "days": max(early, late),
            }
            yield (visit, "performed_on", QueryText(text, params))


def _missing_response_after_induction(today: dt.date) -> Iterator[Finding]:
    assessed = set(ResponseAssessment.objects.values_list("patient_id", flat=True))
    for cycle in TreatmentCycle.objects.filter(
        number=1, phase=protocol.CyclePhase.INDUCTION, ended_on__isnull=False
    ).select_related("patient"):
        if cycle.ended_on is None:  # excluded by the query; said again for the type checker
            continue
        due = cycle.ended_on + dt.timedelta(days=RESPONSE_EXPECTED_WITHIN_DAYS)
        if cycle.patient_id not in assessed and today > due:
            yield (
                cycle,
                "",
                QueryText(
                    gettext_noop(
                        "No response assessment recorded after the induction ended on %(ended_on)s."
                    ),
                    {"ended_on": f"{cycle.ended_on:%d/%m/%Y}"},
                ),
            )


def _long_overdue_visits(today: dt.date) -> Iterator[Finding]:
    limit = today - dt.timedelta(days=LONG_OVERDUE_DAYS)
    for visit in FollowUpVisit.objects.filter(
        performed_on__isnull=True, missed_reason="", window_closes_on__lt=limit
    ).select_related("patient"):
        yield (
            visit,
            "",
            QueryText(
                gettext_noop(
                    "Visit %(visit)s overdue since %(closed_on)s: record it or mark it "
                    "missed with the reason."
                ),
                {"visit": visit.label, "closed_on": f"{visit.window_closes_on:%d/%m/%Y}"},
            ),
        )


def _transplants_in_uncontrolled_disease(today: dt.date) -> Iterator[Finding]:
    """The open major deviation of an allo-HSCT in uncontrolled disease asks the site to
    confirm the disease status and the responses before it; a correction that shows the
    disease controlled marks the deviation corrected, and the query then closes."""
    deviations = {
        d.patient_id: d
        for d in ProtocolDeviation.objects.filter(
            kind=ProtocolDeviation.Kind.TRANSPLANT_UNCONTROLLED, corrected_at__isnull=True
        )
    }
    for transplant in Transplant.objects.filter(patient__in=list(deviations)).select_related(
        "patient"
    ):
        yield (
            transplant,
            "disease_status",
            QueryText(
                gettext_noop(
                    "Major protocol deviation: %(deviation)s Please confirm the disease "
                    "status at HSCT and the response assessments before it."
                ),
                # The deviation's description is stored English, quoted as stored.
                {"deviation": deviations[transplant.patient_id].description},
            ),
        )


def _with_days(text: str, days: int) -> str:
    """A check's description with its number of days, in the reader's language when read."""
    return lazy(lambda: gettext(text) % {"days": days}, str)()


AUTOMATIC_CHECKS: tuple[AutomaticCheck, ...] = (
    AutomaticCheck(
        "VISIT_OUT_OF_WINDOW",
        _with_days(
            gettext_noop("Follow-up visit done more than %(days)s days outside its window"),
            FAR_OUTSIDE_WINDOW_DAYS,
        ),
        _visits_far_outside_window,
    ),
    AutomaticCheck(
        "NO_RESPONSE_AFTER_INDUCTION",
        _with_days(
            gettext_noop("No response assessment %(days)s days after the IC induction"),
            RESPONSE_EXPECTED_WITHIN_DAYS,
        ),
        _missing_response_after_induction,
    ),
    AutomaticCheck(
        "VISIT_LONG_OVERDUE",
        _with_days(
            gettext_noop("Follow-up visit overdue for more than %(days)s days"), LONG_OVERDUE_DAYS
        ),
        _long_overdue_visits,
    ),
    AutomaticCheck(
        "TRANSPLANT_UNCONTROLLED_DISEASE",
        gettext_lazy("Allo-HSCT in uncontrolled disease (a major protocol deviation)"),
        _transplants_in_uncontrolled_disease,
    ),
    AutomaticCheck(
        "CORTICOSTEROID_OUTSIDE_PROTOCOL",
        gettext_lazy(
            "Systemic corticosteroid during protocol treatment outside the protocol's indications"
        ),
        corticosteroids_for_review,
    ),
    AutomaticCheck(
        "ELN_RISK_MISMATCH",
        gettext_lazy(
            "ELN risk group entered at screening differs from the risk derived from the "
            "screening specimen's karyotype and mutations"
        ),
        eln_risk_disagreements,
    ),
    AutomaticCheck(
        "DISEASE_STATUS_MISMATCH",
        gettext_lazy("Disease status derived from the history differs from the screening's"),
        disease_status_disagreements,
    ),
    AutomaticCheck(
        "PRIOR_LINES_MISMATCH",
        gettext_lazy(
            "Lines of therapy counted from the prior regimens differ from the screening's"
        ),
        prior_lines_disagreements,
    ),
)


@transaction.atomic
def automatic_queries_refresh(today: dt.date | None = None) -> dict[str, int]:
    """Raise queries for new findings; close those whose finding the data no longer show.

    The queries' texts are stored, so they are written in English whoever (or whichever
    worker) runs the checks: the labels they quote are translated lazily.
    """
    with translation.override("en"):
        return _refresh(today)


def _refresh(today: dt.date | None) -> dict[str, int]:
    from django.contrib.contenttypes.models import ContentType

    today = today or timezone.localdate()
    raised = closed = 0
    for check in AUTOMATIC_CHECKS:
        queries = DataQuery.objects.filter(kind=DataQuery.Kind.AUTOMATIC, check_code=check.code)
        live = {
            (q.content_type_id, q.object_id): q
            for q in queries.exclude(status=DataQuery.Status.CLOSED)
        }
        # A finding a data manager has closed (confirmed as correct) is not raised again.
        confirmed = set(
            queries.filter(
                status=DataQuery.Status.CLOSED,
                steps__action=QueryStep.Action.CLOSED,
                steps__by__isnull=False,
            ).values_list("content_type_id", "object_id")
        )
        found = set()
        for record, field_name, text in check.find(today):
            key = (ContentType.objects.get_for_model(record).pk, record.pk)
            found.add(key)
            if key not in live and key not in confirmed:
                services.query_raise(
                    user=None,
                    record=record,
                    field_name=field_name,
                    text=text.english(),
                    text_message=text.as_json(),
                    check_code=check.code,
                )
                raised += 1
        for key, query in live.items():
            if key not in found:
                services.query_close(
                    user=None,
                    query=query,
                    text=AUTOMATIC_CLOSE_TEXT,
                )
                closed += 1
    return {"raised": raised, "closed": closed}
