"""Writes about patients and their screening.

Every page, API endpoint, admin action and command screens or corrects a patient through
these functions, so the protocol's screening rules live in one place (rules.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pghistory
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import protocol
from accounts.models import Site, User
from accounts.permissions import user_can_enter_data_at
from audit.records import ReasonRequired, VersionConflict, reason_for_change
from locks.services import ensure_site_unlocked, ensure_unlocked
from patients import rules
from patients.history_services import disease_history_derive
from patients.models import CriterionAnswer, Patient, Screening, ScreeningOutcome
from refusals import Refused

PATIENT_FIELDS: tuple[str, ...] = ("sex", "year_of_birth")
SCREENING_FIELDS: tuple[str, ...] = (
    "consent_on",
    "screened_on",
    "age_at_consent",
    "diagnosis_on",
    "disease_status",
    "disease_status_on",
    "ecog",
    "wbc",
    "marrow_blasts_pct",
    "cytogenetic_risk",
    "eln_risk",
    "mutations",
    "prior_lines",
    "prior_allo_hsct",
    "note",
)
INITIAL_ENTRY_REASON = "Initial entry"


# An edit after the first save must say why (21 CFR Part 11 audit trail).
ReasonForChangeRequired = ReasonRequired


class ScreeningRefused(Refused):
    """The screening breaks rules of the protocol: every problem at once, by field.

    Pages name the checklist's fields `criterion_<code>` and `mutation_<gene>`; API clients
    send `answers` and `mutations` as objects, so their errors come back nested the same way.
    """

    def field_errors(self) -> dict[str, Any]:
        nested: dict[str, Any] = {}
        for key, messages in super().field_errors().items():
            if key.startswith("criterion_"):
                nested.setdefault("answers", {})[key.removeprefix("criterion_")] = messages
            elif key.startswith("mutation_"):
                nested.setdefault("mutations", {})[key.removeprefix("mutation_")] = messages
            else:
                nested[key] = messages
        return nested


def _require_data_entry(user: User, site: Site) -> None:
    if not user_can_enter_data_at(user, site):
        raise PermissionDenied(
            _("%(user)s may not enter data at site %(site)s.") % {"user": user, "site": site.code}
        )


def _normalised_mutations(mutations: Mapping[str, str] | None) -> dict[str, str]:
    """Return a result for every declared gene; a gene left out is 'not tested'."""
    given = dict(mutations or {})
    result = {
        gene: given.pop(gene, protocol.MutationResult.NOT_TESTED)
        for gene in protocol.MUTATION_GENES
    }
    result.update(given)  # unknown genes stay, so the rules can refuse them by name
    return result


def _validate(screening: Screening, answers: Mapping[str, bool], year_of_birth: int) -> None:
    """Every problem at once: out-of-range values and broken rules in one answer."""
    values = {name: getattr(screening, name) for name in SCREENING_FIELDS}
    errors = rules.check_screening(
        values, answers, year_of_birth=year_of_birth, today=timezone.localdate()
    )
    try:
        screening.full_clean(
            exclude=["patient", "outcome", "failure_reason"], validate_constraints=False
        )
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(
                m for m in messages if m not in errors.get(field, [])
            )
    if errors:
        raise ValidationError(errors)


def _decide_outcome(screening: Screening, answers: Mapping[str, bool]) -> None:
    reason = rules.screen_failure_reason(answers)
    screening.outcome = ScreeningOutcome.SCREEN_FAILURE if reason else ScreeningOutcome.ELIGIBLE
    screening.failure_reason = reason


def _save_answers(screening: Screening, answers: Mapping[str, bool]) -> None:
    existing = {a.code: a for a in screening.answers.all()} if screening.pk else {}
    # One INSERT for the missing answers (every answer of a new screening): the audit
    # triggers write each row's event as they would for one INSERT each.
    CriterionAnswer.objects.bulk_create(
        CriterionAnswer(
            screening=screening,
            code=item.code,
            kind=item.kind.value,
            text=item.text,
            answer=answers[item.code],
        )
        for item in protocol.ELIGIBILITY_CRITERIA
        if item.code not in existing
    )
    for item in protocol.ELIGIBILITY_CRITERIA:
        row = existing.get(item.code)
        if row is not None and row.answer != answers[item.code]:
            row.answer = answers[item.code]
            row.save(update_fields=["answer"])


@transaction.atomic
def patient_screen(
    *,
    site: Site,
    user: User,
    sex: str,
    year_of_birth: int,
    screening: Mapping[str, Any],
    answers: Mapping[str, bool],
) -> Patient:
    """Screen a new patient at a site: give a study ID, record the checklist and outcome.

    Raises ScreeningRefused (keyed by field) when a rule is broken; nothing is saved then.
    """
    _require_data_entry(user, site)
    # The site row lock first (as a site lock does): serialises this screening with a lock
    # of the site and with other screenings here, which also draw the next study number.
    site = Site.objects.select_for_update().get(pk=site.pk)
    ensure_site_unlocked(site)
    if not site.active:
        raise ScreeningRefused(
            {"site": [_("Site %(site)s is closed to new patients.") % {"site": site.code}]}
        )
    unknown = set(screening) - set(SCREENING_FIELDS)
    if unknown:
        raise ScreeningRefused({name: [_("Not a screening field.")] for name in sorted(unknown)})

    record = Screening(**screening)
    record.mutations = _normalised_mutations(record.mutations)
    patient = Patient(
        site=site,
        sex=sex,
        year_of_birth=year_of_birth,
        created_by=user,
        study_id="pending",
        sequence=0,
    )
    errors: dict[str, list[str]] = {}
    try:
        patient.full_clean(exclude=["study_id", "sequence", "site", "created_by"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        _validate(record, answers, year_of_birth)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ScreeningRefused(errors)
    _decide_outcome(record, answers)

    # The site row lock taken above (held until the transaction ends) serialises concurrent
    # screenings at one site, so two coordinators cannot draw the same sequence number; the
    # counter was read under it and only grows, so an ID is never reused.
    site.last_patient_sequence += 1
    patient.sequence = site.last_patient_sequence
    patient.study_id = Patient.format_study_id(site, patient.sequence)

    with pghistory.context(user=user.pk, reason=INITIAL_ENTRY_REASON):
        # In the context too: the site's audited counter would otherwise change unattributed.
        site.save(update_fields=["last_patient_sequence"])
        patient.save()
        record.patient = patient
        record.save()
        _save_answers(record, answers)
    return patient


@transaction.atomic
def screening_update(
    *,
    patient: Patient,
    user: User,
    reason: str,
    changes: Mapping[str, Any],
    answers: Mapping[str, bool] | None = None,
    randomized_on: dt.date | None = None,
    version: int | None = None,
) -> Patient:
    """Correct a patient's screening; the reason for change goes into the audit trail.

    `changes` may hold patient fields (sex, year of birth) and screening fields; `answers`,
    when given, replaces the checklist. The outcome is decided again from the result.
    `randomized_on` is the day a randomized patient was randomized: consent and screening
    must precede it. `version` is the screening's version the editor saw: if someone saved
    a correction since, nothing is saved (VersionConflict); pages and the API always give
    it (None only for a caller that read nothing it could overwrite). The layers above draw
    the other consequences of a correction (see `dashboard.services.screening_correct`).
    """
    _require_data_entry(user, patient.site)
    reason = reason_for_change(reason)
    unknown = set(changes) - set(PATIENT_FIELDS) - set(SCREENING_FIELDS)
    if unknown:
        raise ScreeningRefused(
            {name: [_("This field cannot be changed.")] for name in sorted(unknown)}
        )

    # Lock the rows being corrected so two simultaneous corrections apply one after the other.
    # The patient's row only, not the joined site's (which new screenings at the site lock).
    patient = (
        Patient.objects.select_for_update(of=("self",)).select_related("site").get(pk=patient.pk)
    )
    ensure_unlocked(patient)
    record = Screening.objects.select_for_update().get(patient=patient)
    # Checked under the row lock: a simultaneous correction either committed before (and
    # this one sees its version) or waits for this one to finish.
    if version is not None and record.version != version:
        raise VersionConflict(record)
    current_answers = {a.code: a.answer for a in record.answers.all()}
    new_answers = {**current_answers, **(answers or {})}
    for name, value in changes.items():
        setattr(patient if name in PATIENT_FIELDS else record, name, value)
    if "mutations" in changes:
        record.mutations = _normalised_mutations(record.mutations)

    errors: dict[str, list[str]] = {}
    try:
        patient.full_clean(exclude=["study_id", "sequence", "site", "created_by"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        _validate(record, new_answers, patient.year_of_birth)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if randomized_on is not None:
        for name in ("consent_on", "screened_on"):
            day = getattr(record, name)
            if day and day > randomized_on:
                errors.setdefault(name, []).append(
                    _("The patient was randomized on %(date)s: consent and screening came before.")
                    % {"date": f"{randomized_on:%d/%m/%Y}"}
                )
    if errors:
        raise ScreeningRefused(errors)
    _decide_outcome(record, new_answers)
    record.version += 1

    with pghistory.context(user=user.pk, reason=reason):
        patient.save()
        record.save()
        _save_answers(record, new_answers)
    # The derived disease status reads the screening's date of relapse or refractoriness.
    disease_history_derive(patient=patient, user=user, reason=reason)
    return patient
