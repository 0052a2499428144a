"""Writing SAE reports: opening one for every serious event, drafting, submitting with the
investigator's e-signature, follow-ups, and the overdue sweep of the 24-hour clock.

Every write locks the patient row first (as every clinical write does), refuses a locked
patient (locks.services.ensure_unlocked) and goes into the audit trail with its author and
reason. A submitted version is what the sponsor received: it is never changed (the service
refuses, and a trigger refuses any UPDATE or DELETE of it in the database); what is learned
later goes into a follow-up, a new numbered version.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import Any

import pghistory
from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import protocol
from accounts.models import User
from accounts.permissions import user_can_report_sae_at, user_can_submit_sae
from audit.records import VersionConflict, record_create, record_update
from locks.services import ensure_unlocked
from notices.models import NoticeKind
from notices.services import notify
from patients.models import Patient
from protocol.safety import (
    SAE_CAUSALITY_JUDGED,
    SAE_INITIAL_REPORT_WITHIN,
    SUSPECT_DRUGS,
    SaeCausality,
    SaeOutcome,
)
from safety.clock import initial_due_at, sae_clock
from safety.models import SaeReport, SaeReportVersion
from safety.selectors import suspect_drugs_given
from visits.models import AdverseEvent

Errors = dict[str, list[str]]

CRITERIA_FIELDS = (
    "results_in_death",
    "life_threatening",
    "hospitalisation",
    "disability",
    "congenital_anomaly",
    "other_medically_important",
)
CAUSALITY_FIELDS: dict[protocol.Drug, str] = {
    drug: f"{drug.value}_causality" for drug in SUSPECT_DRUGS
}
# What a version reports, copied into a follow-up and covered by the fingerprint.
CONTENT_FIELDS = (
    *CRITERIA_FIELDS,
    "narrative",
    "relevant_tests",
    "outcome",
    *CAUSALITY_FIELDS.values(),
)
# Bookkeeping written by the services, never typed.
_NOT_TYPED = ("report", "created_by", "submitted_by")
_JUDGED = {c.value for c in SAE_CAUSALITY_JUDGED}
_DRAFT = SaeReportVersion.Status.DRAFT
WRITERS_ONLY = gettext_lazy("SAE reports are written by a coordinator or investigator of the site.")
SIGNERS_ONLY = gettext_lazy(
    "An investigator of the patient's site signs and submits the SAE report."
)


def _add(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _patient_locked_for_write(patient: Patient) -> Patient:
    """Lock the patient row (one patient's writes happen one after another) and refuse a
    patient whose data are locked."""
    patient = (
        Patient.objects.select_for_update(of=("self",)).select_related("site").get(pk=patient.pk)
    )
    ensure_unlocked(patient)
    return patient


def _link(report: SaeReport) -> str:
    return reverse("safety-sae-report", args=[report.pk])


def _facts(report: SaeReport, label: str) -> dict[str, str]:
    """What a notice says of the case besides the study ID (notices' contract: no more)."""
    clock = sae_clock(
        site_aware_at=report.site_aware_at,
        submitted_at=None,
        now=report.site_aware_at,
        zone=timezone.get_default_timezone(),
    )
    return {"deadline": f"{clock.due_local_text} / {clock.due_utc_text}", "report": label}


def _notify(kind: NoticeKind, report: SaeReport, label: str = "initial report") -> None:
    notify(
        kind,
        site=report.patient.site,
        study_id=report.patient.study_id,
        link=_link(report),
        facts=_facts(report, label),
        about=report,
    )


# --- Opening -----------------------------------------------------------------------------


def _not_given_prefilled(event: AdverseEvent) -> dict[str, str]:
    """Causality 'not given' for each suspect drug the patient had not received by the onset:
    there is nothing to judge for those, and the investigator judges the others."""
    given = suspect_drugs_given(event.patient, by=event.onset_on)
    return {
        field: SaeCausality.NOT_GIVEN
        for drug, field in CAUSALITY_FIELDS.items()
        if drug not in given
    }


def sae_report_open(event: AdverseEvent, *, user: User, fatal: bool = False) -> SaeReport:
    """Open the SAE report of a serious event with its draft initial report (the hook visits
    calls inside the transaction that saved the event).

    The clock starts now: saving the event serious is when the system knows the site is
    aware; the site corrects the time in the draft if it learned earlier. A death naming the
    event (`fatal`) opens the report automatically, death ticked and outcome fatal; if the
    event already has its report, the death goes into its draft, or into a new follow-up
    once the last version was submitted.
    """
    existing = SaeReport.objects.filter(adverse_event=event).first()
    if existing is not None:
        if fatal:
            _death_reported(existing, user=user)
        return existing
    report = record_create(
        SaeReport(
            adverse_event=event,
            patient=event.patient,
            site_aware_at=timezone.now(),
            opened_automatically=fatal,
            created_by=user,
        ),
        user=user,
        reason="SAE opened by the death naming this event" if fatal else "SAE opened",
    )
    draft = SaeReportVersion(
        report=report, number=0, created_by=user, **_not_given_prefilled(event)
    )
    if fatal:
        draft.results_in_death, draft.outcome = True, SaeOutcome.FATAL
    record_create(draft, user=user, reason="Initial report drafted")
    _notify(NoticeKind.SAE_OPENED, report)
    return report


def _death_reported(report: SaeReport, *, user: User) -> None:
    """The patient died of the event: tick death and record a fatal outcome in the draft, or
    in a new follow-up if every version so far was submitted."""
    draft = (
        SaeReportVersion.objects.select_for_update().filter(report=report, status=_DRAFT).first()
    )
    if draft is None:
        draft = _follow_up_drafted(report, user=user, reason="Follow-up opened by the death")
    if draft.results_in_death and draft.outcome == SaeOutcome.FATAL:
        return
    draft.results_in_death, draft.outcome = True, SaeOutcome.FATAL
    record_update(
        draft,
        fields=["results_in_death", "outcome"],
        expected_version=None,
        user=user,
        reason="Death recorded: the patient died of this event",
    )


# --- Drafts and follow-ups ------------------------------------------------------------------


def _version_for_write(version: SaeReportVersion, user: User) -> SaeReportVersion:
    """Lock the patient and the version; refuse another site's user, a locked patient and a
    submitted version."""
    patient = version.report.patient
    if not user_can_report_sae_at(user, patient.site):
        raise PermissionDenied(WRITERS_ONLY)
    _patient_locked_for_write(patient)
    stored = (
        SaeReportVersion.objects.select_for_update()
        .select_related("report__adverse_event__patient__site")
        .get(pk=version.pk)
    )
    if stored.status != _DRAFT:
        raise ValidationError(
            {
                "__all__": [
                    _(
                        "The %(version)s was submitted on %(date)s at %(time)s and cannot "
                        "change: start a follow-up report to add what is new."
                    )
                    % {
                        "version": stored.display_label,
                        "date": f"{timezone.localtime(stored.submitted_at):%d/%m/%Y}",
                        "time": f"{timezone.localtime(stored.submitted_at):%H:%M}",
                    }
                ]
            }
        )
    return stored


def _causality_errors(version: SaeReportVersion, *, complete: bool) -> Errors:
    """A drug the patient received by the onset is judged; one they did not is 'not given'.
    A draft may leave a judgement empty; the submitted report may not."""
    errors: Errors = {}
    event = version.report.adverse_event
    given = suspect_drugs_given(event.patient, by=event.onset_on)
    for drug, field in CAUSALITY_FIELDS.items():
        value = getattr(version, field)
        if not value:
            if complete:
                _add(
                    errors,
                    field,
                    _("Give the causality of %(drug)s.") % {"drug": str(drug.label).lower()},
                )
        elif drug in given and value not in _JUDGED:
            _add(
                errors,
                field,
                _(
                    "The patient received %(drug)s before the onset: say how related the "
                    "event is to it."
                )
                % {"drug": str(drug.label).lower()},
            )
        elif drug not in given and value != SaeCausality.NOT_GIVEN:
            _add(
                errors,
                field,
                _(
                    "The patient had received no %(drug)s by the onset (%(onset)s): its "
                    "causality is 'not given'."
                )
                % {"drug": str(drug.label).lower(), "onset": f"{event.onset_on:%d/%m/%Y}"},
            )
    return errors


def _site_aware_errors(report: SaeReport, site_aware_at: Any) -> Errors:
    if not isinstance(site_aware_at, dt.datetime) or timezone.is_naive(site_aware_at):
        return {"site_aware_at": [_("Give the date and time the site became aware.")]}
    if site_aware_at > timezone.now():
        return {"site_aware_at": [_("Cannot be in the future.")]}
    onset_on = report.adverse_event.onset_on
    if timezone.localtime(site_aware_at).date() < onset_on:
        return {
            "site_aware_at": [
                _("Cannot precede the event's onset (%(onset)s).")
                % {"onset": f"{onset_on:%d/%m/%Y}"}
            ]
        }
    return {}


@transaction.atomic
def sae_draft_save(
    *,
    draft: SaeReportVersion,
    user: User,
    values: Mapping[str, Any],
    version: int | None,
) -> SaeReportVersion:
    """Save the draft of a report version (a coordinator or investigator of the site).

    The time the site became aware is part of the initial report's draft only: once the
    initial report is submitted, the clock it started is history. Nothing is saved if any
    value is refused.
    """
    draft = _version_for_write(draft, user)
    report = draft.report
    values = dict(values)
    site_aware_at = values.pop("site_aware_at", None)
    unknown = set(values) - set(CONTENT_FIELDS)
    if site_aware_at is not None and draft.number != 0:
        unknown.add("site_aware_at")
    if unknown:
        raise ValidationError({name: [_("Not a field of this form.")] for name in sorted(unknown)})
    for name, value in values.items():
        setattr(draft, name, value)
    errors: Errors = {}
    try:
        draft.full_clean(exclude=list(_NOT_TYPED), validate_constraints=False)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    for field, messages in _causality_errors(draft, complete=False).items():
        errors.setdefault(field, messages)
    if site_aware_at is not None:
        errors.update(_site_aware_errors(report, site_aware_at))
    if errors:
        raise ValidationError(errors)
    reason = f"Draft of the {draft.label} saved"
    if site_aware_at is not None and site_aware_at != report.site_aware_at:
        report.site_aware_at = site_aware_at
        record_update(
            report,
            fields=["site_aware_at"],
            expected_version=None,
            user=user,
            reason=f"{reason}: time the site became aware corrected",
        )
    return record_update(
        draft, fields=list(values), expected_version=version, user=user, reason=reason
    )


def _follow_up_drafted(report: SaeReport, *, user: User, reason: str) -> SaeReportVersion:
    last = report.versions.order_by("-number").first()
    assert last is not None  # every report is opened with its initial version
    follow_up = SaeReportVersion(
        report=report,
        number=last.number + 1,
        created_by=user,
        **{name: getattr(last, name) for name in CONTENT_FIELDS},
    )
    return record_create(follow_up, user=user, reason=reason)


@transaction.atomic
def sae_follow_up_start(*, report: SaeReport, user: User) -> SaeReportVersion:
    """Start follow-up report n+1 as a copy of the last submitted version, to be completed
    with what is new; the versions already submitted stay as they were."""
    if not user_can_report_sae_at(user, report.patient.site):
        raise PermissionDenied(WRITERS_ONLY)
    _patient_locked_for_write(report.patient)
    report = SaeReport.objects.select_for_update().get(pk=report.pk)
    draft = report.versions.filter(status=_DRAFT).first()
    if draft is not None:
        raise ValidationError(
            {
                "__all__": [
                    _("The %(version)s is still a draft: complete and submit it first.")
                    % {"version": draft.display_label}
                ]
            }
        )
    follow_up = _follow_up_drafted(report, user=user, reason="Follow-up report started")
    return follow_up


# --- Submission -------------------------------------------------------------------------


def _completeness_errors(version: SaeReportVersion) -> Errors:
    errors: Errors = {}
    if not any(getattr(version, name) for name in CRITERIA_FIELDS):
        _add(errors, "results_in_death", _("Tick at least one seriousness criterion."))
    if not version.outcome:
        _add(errors, "outcome", _("Give the outcome."))
    elif version.outcome == SaeOutcome.FATAL and not version.results_in_death:
        _add(errors, "results_in_death", _("A fatal outcome: tick 'results in death'."))
    if not version.narrative.strip():
        _add(errors, "narrative", _("Describe the case: the narrative is required."))
    for field, messages in _causality_errors(version, complete=True).items():
        errors.setdefault(field, messages)
    return errors


def sae_version_fingerprint(version: SaeReportVersion) -> str:
    """Return the SHA-256 of what the version reports, with the case it belongs to."""
    report = version.report
    content = {
        "adverse_event": report.adverse_event_id,
        "number": version.number,
        "report": report.pk,
        "site_aware_at": report.site_aware_at.astimezone(dt.UTC).isoformat(),
        **{name: getattr(version, name) for name in CONTENT_FIELDS},
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def sae_submit(
    *,
    draft: SaeReportVersion,
    user: User,
    password: str,
    version: int | None,
    request: HttpRequest,
) -> SaeReportVersion:
    """The investigator of the site signs and submits a report version, password re-entered.

    As the casebook signature (review.services.casebook_sign): the password goes through
    authenticate() outside any transaction, so a failed attempt is logged and counts
    towards the account lockout like any log-in. Submitting locks the version for good and
    stamps it; the first submission is the sponsor's first knowledge of the case.
    """
    if not user_can_submit_sae(user, draft.report.patient.site):
        raise PermissionDenied(SIGNERS_ONLY)
    if authenticate(request, username=user.get_username(), password=password) != user:
        raise ValidationError({"password": [_("Wrong password: the report was not submitted.")]})
    with transaction.atomic():
        return _submitted(draft, user=user, version=version)


def _submitted(draft: SaeReportVersion, *, user: User, version: int | None) -> SaeReportVersion:
    draft = _version_for_write(draft, user)
    if version is not None and version != draft.version:
        raise VersionConflict(draft)
    errors = _completeness_errors(draft)
    if errors:
        raise ValidationError(errors)
    report = draft.report
    now = timezone.now()
    draft.status = SaeReportVersion.Status.SUBMITTED
    draft.submitted_at, draft.submitted_by = now, user
    draft.signer_name = user.get_full_name() or user.username
    draft.fingerprint = sae_version_fingerprint(draft)
    late = now - initial_due_at(report.site_aware_at)
    draft.submitted_late_by = late if draft.number == 0 and late > dt.timedelta(0) else None
    record_update(
        draft,
        fields=[
            "status",
            "submitted_at",
            "submitted_by",
            "signer_name",
            "fingerprint",
            "submitted_late_by",
        ],
        expected_version=draft.version,
        user=user,
        reason=f"{draft.label.capitalize()} submitted: signed by {draft.signer_name}",
    )
    if report.sponsor_received_at is None:
        report.sponsor_received_at = now
        record_update(
            report,
            fields=["sponsor_received_at"],
            expected_version=None,
            user=user,
            reason="Initial report received by the sponsor",
        )
    _notify(
        NoticeKind.SAE_SUBMITTED if draft.number == 0 else NoticeKind.SAE_FOLLOW_UP_SUBMITTED,
        report,
        draft.label,
    )
    return draft


# --- The clock's sweep ------------------------------------------------------------------


def sae_clock_sweep(*, now: dt.datetime | None = None) -> int:
    """Notify each initial report found overdue, once per report; return how many.

    Idempotent: the report is stamped with a conditional UPDATE in the notice's transaction,
    so two sweeps running together notify once.
    """
    now = now or timezone.now()
    overdue = SaeReport.objects.filter(
        overdue_notified_at__isnull=True,
        site_aware_at__lt=now - SAE_INITIAL_REPORT_WITHIN,
        versions__number=0,
        versions__status=_DRAFT,
    ).values_list("pk", flat=True)
    notified = 0
    for pk in list(overdue):
        with transaction.atomic(), pghistory.context(reason="Initial report overdue: notified"):
            if not SaeReport.objects.filter(pk=pk, overdue_notified_at__isnull=True).update(
                overdue_notified_at=now
            ):
                continue
            report = SaeReport.objects.select_related("patient__site", "adverse_event").get(pk=pk)
            _notify(NoticeKind.SAE_OVERDUE, report)
            notified += 1
    return notified
