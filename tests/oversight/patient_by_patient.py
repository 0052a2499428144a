"""The CONSORT flow and the DMC report's sections as they were counted before the database
did the counting: every patient read into Python and put in their boxes one by one (the
code of the oversight app up to commit c5e24ef, kept here unchanged in substance). The tests
compare the set-based counts with these, figure by figure, on varied trials."""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import json
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.utils import timezone

import protocol
from accounts.models import Site
from biology.selectors import eln_risks
from oversight.baseline import (
    ECOG_LEVELS,
    ELN_DERIVED_LEVELS,
    ELN_LEVELS,
    NOT_RECORDED,
    _percent,
)
from oversight.consort import (
    ARMS,
    BOXES,
    CONSENT_CRITERION_CODE,
    TREATMENT_COMPLETED,
)
from oversight.dmc_report import OVERDUE_BANDS, QUERY_AGE_BANDS, _months
from patients.models import CriterionAnswer, Screening, ScreeningOutcome
from randomization.models import Randomization
from review.models import DataQuery
from tests.oversight.baseline_before import BaselinePatient, Column
from visits.models import (
    EndOfTreatment,
    FollowUpVisit,
    OffStudy,
    ProtocolDeviation,
    TreatmentCycle,
)

_NOT_TREATED_BECAUSE = {
    protocol.OffStudyReason.DEATH: "not-received-died",
    protocol.OffStudyReason.CONSENT_WITHDRAWN: "not-received-withdrew",
    protocol.OffStudyReason.LOST_TO_FOLLOW_UP: "not-received-lost",
}
_FOLLOW_UP_BOX = {
    protocol.OffStudyReason.LOST_TO_FOLLOW_UP: "lost",
    protocol.OffStudyReason.CONSENT_WITHDRAWN: "withdrew",
    protocol.OffStudyReason.DEATH: "died",
}


def _by_patient(rows: Iterable[tuple[int, bool]]) -> dict[int, list[bool]]:
    found: dict[int, list[bool]] = {}
    for patient_id, value in rows:
        found.setdefault(patient_id, []).append(value)
    return found


def _treatment_boxes(arm: str, dexamethasone: list[bool], off_study: str) -> set[str]:
    if dexamethasone:
        given = any(dexamethasone)
        as_allocated = given if arm == protocol.Arm.DEX else not given
        return {"received"} if as_allocated else {"not-received", "not-received-dexamethasone"}
    return {"not-received", _NOT_TREATED_BECAUSE.get(off_study, "not-received-waiting")}


def _follow_up_boxes(off_study: str, end_of_treatment: str) -> set[str]:
    boxes = {_FOLLOW_UP_BOX[off_study]} if off_study in _FOLLOW_UP_BOX else set()
    if end_of_treatment and end_of_treatment not in TREATMENT_COMPLETED:
        boxes |= {"discontinued", f"discontinued-{end_of_treatment}"}
    return boxes


def consort_paths(cutoff: dt.date) -> list[tuple[str, str, frozenset[str]]]:
    """Every screened patient's (study ID, arm, boxes) at the cut-off, in study-ID order."""
    screenings = list(
        Screening.objects.filter(screened_on__lte=cutoff)
        .select_related("patient")
        .order_by("patient__study_id")
    )
    ids = [s.patient_id for s in screenings]
    refused_consent = set(
        CriterionAnswer.objects.filter(
            screening__patient_id__in=ids, code=CONSENT_CRITERION_CODE, answer=False
        ).values_list("screening__patient_id", flat=True)
    )
    arms = {
        patient_id: arm
        for patient_id, arm, at in Randomization.objects.filter(patient_id__in=ids).values_list(
            "patient_id", "arm", "randomized_at"
        )
        if timezone.localtime(at).date() <= cutoff
    }
    randomized = list(arms)
    dexamethasone = _by_patient(
        TreatmentCycle.objects.filter(
            patient_id__in=randomized, started_on__lte=cutoff
        ).values_list("patient_id", "dexamethasone_given")
    )
    off_study = dict(
        OffStudy.objects.filter(patient_id__in=randomized, event_on__lte=cutoff).values_list(
            "patient_id", "reason"
        )
    )
    ended = dict(
        EndOfTreatment.objects.filter(patient_id__in=randomized, ended_on__lte=cutoff).values_list(
            "patient_id", "reason"
        )
    )
    paths = []
    for screening in screenings:
        pid = screening.patient_id
        boxes = {"assessed"}
        arm = arms.get(pid, "")
        if not arm:
            boxes.add("excluded")
            if screening.outcome == ScreeningOutcome.ELIGIBLE:
                boxes.add("excluded-other")
            elif pid in refused_consent:
                boxes.add("excluded-declined")
            else:
                boxes.add("excluded-criteria")
        else:
            boxes |= {"randomized", "allocated", "analysed"}
            boxes |= _treatment_boxes(arm, dexamethasone.get(pid, []), off_study.get(pid, ""))
            boxes |= _follow_up_boxes(off_study.get(pid, ""), ended.get(pid, ""))
        paths.append((screening.patient.study_id, arm, frozenset(boxes)))
    return paths


def consort_counts(cutoff: dt.date, *, by_arm: bool) -> dict[str, dict[str, int]]:
    paths = consort_paths(cutoff)

    def count(key: str, arm: str | None = None) -> int:
        return sum(1 for _, a, boxes in paths if key in boxes and (arm is None or a == arm))

    table = {}
    for box in BOXES:
        row = {"all": count(box.key)}
        if by_arm and box.per_arm:
            row.update({arm: count(box.key, arm) for arm in ARMS})
        table[box.key] = row
    return table


def accrual_at(cutoff: dt.date) -> dict[str, Any]:
    rows = [
        (timezone.localtime(at).date(), site)
        for at, site in Randomization.objects.values_list("randomized_at", "patient__site")
    ]
    rows = [(day, site) for day, site in rows if day <= cutoff]
    target, period = settings.TRIAL_TARGET_ENROLMENT, settings.TRIAL_ACCRUAL_MONTHS
    first = min((day for day, _ in rows), default=None)
    by_month: list[dict[str, Any]] = []
    if first is not None:
        per_month = Counter(day.replace(day=1) for day, _ in rows)
        cumulative = 0
        for i, month in enumerate(_months(first, cutoff)):
            cumulative += per_month[month]
            month_end = month.replace(day=calendar.monthrange(month.year, month.month)[1])
            planned = min(target, target * (i + 1) / period)
            by_month.append(
                {
                    "month": month.isoformat(),
                    "randomized": per_month[month],
                    "cumulative": cumulative,
                    "planned_cumulative": round(planned, 1),
                    "complete_month": month_end <= cutoff,
                }
            )
    per_site = Counter(site for _, site in rows)
    sites = [
        {"site": str(site), "randomized": per_site[site.pk]}
        for site in Site.objects.order_by("number")
    ]
    elapsed = len(by_month)
    return {
        "target": target,
        "accrual_months": period,
        "first_randomization_on": first.isoformat() if first else None,
        "randomized": len(rows),
        "planned_by_cutoff": round(min(target, target * elapsed / period), 1),
        "by_month": by_month,
        "by_site": sites,
    }


def completeness_at(cutoff: dt.date) -> list[dict[str, Any]]:
    randomized = defaultdict(set)
    for patient_id, site_id, at in Randomization.objects.values_list(
        "patient_id", "patient__site", "randomized_at"
    ):
        if timezone.localtime(at).date() <= cutoff:
            randomized[site_id].add(patient_id)
    everyone = set().union(*randomized.values()) if randomized else set()
    treated = set(
        TreatmentCycle.objects.filter(patient_id__in=everyone, started_on__lte=cutoff)
        .values_list("patient_id", flat=True)
        .distinct()
    )
    ended = set(
        EndOfTreatment.objects.filter(patient_id__in=everyone, ended_on__lte=cutoff).values_list(
            "patient_id", flat=True
        )
    )
    visits: dict[int, Counter] = defaultdict(Counter)
    for site_id, performed_on, missed in FollowUpVisit.objects.filter(
        patient_id__in=everyone, window_closes_on__lt=cutoff
    ).values_list("patient__site", "performed_on", "missed_reason"):
        visits[site_id]["expected"] += 1
        if performed_on is not None and performed_on <= cutoff:
            visits[site_id]["done"] += 1
        elif missed:
            visits[site_id]["missed"] += 1
        else:
            visits[site_id]["overdue"] += 1
    rows = []
    for site in Site.objects.order_by("number"):
        ids = randomized.get(site.pk, set())
        counts = visits[site.pk]
        rows.append(
            {
                "site": str(site),
                "randomized": len(ids),
                "treated": len(ids & treated),
                "ended_treatment": len(ids & ended),
                "visits_expected": counts["expected"],
                "visits_done": counts["done"],
                "visits_missed": counts["missed"],
                "visits_overdue": counts["overdue"],
                "completeness": (
                    round(100 * counts["done"] / counts["expected"]) if counts["expected"] else None
                ),
            }
        )
    return rows


def _band(days: int, bands: tuple) -> Any:
    for low, high, label in bands:
        if days >= low and (high is None or days <= high):
            return label
    return bands[0][2]


def overdue_visits_at(cutoff: dt.date) -> dict[str, Any]:
    by_site: dict[str, Counter] = defaultdict(Counter)
    for site, closes_on, performed_on in FollowUpVisit.objects.filter(
        window_closes_on__lt=cutoff, missed_reason=""
    ).values_list("patient__site__number", "window_closes_on", "performed_on"):
        if performed_on is not None and performed_on <= cutoff:
            continue
        by_site[f"{site:02d}"][_band((cutoff - closes_on).days, OVERDUE_BANDS)] += 1
    bands = [label for _, _, label in OVERDUE_BANDS]
    rows = [
        {"site": site, "bands": [counts[b] for b in bands], "total": sum(counts.values())}
        for site, counts in sorted(by_site.items())
    ]
    return {"bands": bands, "rows": rows, "total": sum(r["total"] for r in rows)}


def queries_at(cutoff: dt.date) -> dict[str, Any]:
    statuses = [s for s, _ in DataQuery.Status.choices]
    bands = [label for _, _, label in QUERY_AGE_BANDS]
    by_site: dict[str, Counter] = defaultdict(Counter)
    for site, status, raised_at in DataQuery.objects.values_list(
        "patient__site__number", "status", "raised_at"
    ):
        raised_on = timezone.localtime(raised_at).date()
        if raised_on > cutoff:
            continue
        row = by_site[f"{site:02d}"]
        row[status] += 1
        if status != DataQuery.Status.CLOSED:
            row[_band((cutoff - raised_on).days, QUERY_AGE_BANDS)] += 1
    rows = [
        {
            "site": site,
            "by_status": [counts[s] for s in statuses],
            "age_of_unresolved": [counts[b] for b in bands],
        }
        for site, counts in sorted(by_site.items())
    ]
    return {
        "statuses": [label for _, label in DataQuery.Status.choices],
        "age_bands": bands,
        "rows": rows,
        "totals": [sum(r["by_status"][i] for r in rows) for i in range(len(statuses))],
    }


def baseline_patients(cutoff: dt.date) -> list[BaselinePatient]:
    randomizations = [
        r
        for r in Randomization.objects.select_related(
            "patient", "patient__site", "patient__screening"
        ).order_by("patient__study_id")
        if timezone.localtime(r.randomized_at).date() <= cutoff
    ]
    derived = eln_risks(r.patient for r in randomizations)
    patients = []
    for r in randomizations:
        screening = r.patient.screening
        risk = derived.get(r.patient_id)
        patients.append(
            BaselinePatient(
                study_id=r.patient.study_id,
                site=r.patient.site.code,
                arm=r.arm,
                regimen=r.regimen,
                stratum_disease_status=r.stratum_levels.get("disease_status", ""),
                age=screening.age_at_consent,
                sex=r.patient.sex,
                ecog=screening.ecog,
                disease_status=screening.disease_status,
                eln_entered=screening.eln_risk,
                eln_derived=(
                    risk.eln2017.value if risk is not None and risk.specimen is not None else ""
                ),
                prior_allo_hsct=screening.prior_allo_hsct,
            )
        )
    return patients


def _age(members: list[BaselinePatient]) -> str:
    ages = [p.age for p in members if p.age is not None]
    if not ages:
        return "—"
    return f"{statistics.median(ages):g} ({min(ages)}–{max(ages)})"


def _categorical(label: Any, levels: Any, read: Any, groups: list) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [{"label": label, "heading": True, "cells": []}]
    for value, level_label in levels:
        rows.append(
            {
                "label": level_label,
                "heading": False,
                "cells": [
                    _percent(sum(1 for p in members if read(p) == value), len(members))
                    for members in groups
                ],
            }
        )
    return rows


def baseline_table(patients: list[BaselinePatient], columns: list[Column]) -> dict:
    groups = [[p for p in patients if belongs(p)] for _, belongs in columns]
    rows: list[dict[str, Any]] = [
        {"label": "Patients, n", "heading": False, "cells": [str(len(g)) for g in groups]},
        {
            "label": "Age at consent, median (range)",
            "heading": False,
            "cells": [_age(g) for g in groups],
        },
    ]
    rows += _categorical("Sex", protocol.Sex.choices, lambda p: p.sex, groups)
    rows += _categorical("ECOG performance status", ECOG_LEVELS, lambda p: p.ecog, groups)
    rows += _categorical(
        "Disease status", protocol.DiseaseStatus.choices, lambda p: p.disease_status, groups
    )
    rows += _categorical("Salvage regimen", protocol.Regimen.choices, lambda p: p.regimen, groups)
    rows += _categorical(
        "ELN 2017 risk (investigator)", ELN_LEVELS, lambda p: p.eln_entered, groups
    )
    rows += _categorical(
        "ELN 2017 risk (derived from the screening specimen)",
        ELN_DERIVED_LEVELS,
        lambda p: p.eln_derived,
        groups,
    )
    rows += _categorical(
        "Prior allo-HSCT",
        [(True, "Yes"), (False, "No"), (None, NOT_RECORDED)],
        lambda p: p.prior_allo_hsct,
        groups,
    )
    return {"columns": [label for label, _ in columns], "rows": rows}


def deviations_at(cutoff: dt.date) -> dict[str, Any]:
    arm_of = dict(Randomization.objects.values_list("patient_id", "arm"))
    counts: Counter = Counter()
    still_open: Counter = Counter()
    for patient_id, kind, found_at, corrected_at in ProtocolDeviation.objects.values_list(
        "patient_id", "kind", "detected_at", "corrected_at"
    ):
        if timezone.localtime(found_at).date() > cutoff:
            continue
        arm = arm_of.get(patient_id, "")
        counts[(kind, arm)] += 1
        if corrected_at is None or timezone.localtime(corrected_at).date() > cutoff:
            still_open[(kind, arm)] += 1
    rows = [
        {
            "kind": kind.label,
            "severity": protocol.DEVIATION_SEVERITIES[kind].label,
            "by_arm": [counts[(kind.value, arm)] for arm in ARMS],
            "not_corrected": [still_open[(kind.value, arm)] for arm in ARMS],
        }
        for kind in protocol.DeviationKind
    ]
    return {"arms": [protocol.Arm(a).label for a in ARMS], "rows": rows}


def report_json(content: dict[str, Any]) -> dict[str, Any]:
    """The report as plain JSON values, its dataclasses through dataclasses.asdict."""

    def plain(value: Any) -> Any:
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return dataclasses.asdict(value)
        if isinstance(value, dt.date | dt.datetime):
            return value.isoformat()
        return str(value)

    return json.loads(json.dumps(content, default=plain, allow_nan=False))
