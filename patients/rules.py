"""The screening rules of the protocol, as pure functions of the entered values.

The services call these before writing; the tests read them as the protocol's
eligibility chapter. Errors are keyed by the field they are about.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

import protocol

Errors = dict[str, list[str]]

# Baseline disease data that an eligible patient must have; a screen failure may stop short.
BASELINE_REQUIRED_FIELDS: tuple[str, ...] = (
    "diagnosis_on",
    "disease_status",
    "disease_status_on",
    "ecog",
    "wbc",
    "marrow_blasts_pct",
    "cytogenetic_risk",
    "eln_risk",
    "prior_lines",
    "prior_allo_hsct",
)
# Study dates: informed consent must be dated on or before each of them.
STUDY_PROCEDURE_DATES: tuple[str, ...] = ("screened_on",)
ALL_DATES: tuple[str, ...] = ("consent_on", "screened_on", "diagnosis_on", "disease_status_on")


def criterion_field(code: str) -> str:
    """Return the field name under which a criterion's answer and errors travel."""
    return f"criterion_{code}"


def mutation_field(gene: str) -> str:
    """Return the field name under which a gene's result and errors travel."""
    return f"mutation_{gene}"


def _add(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _day(day: dt.date) -> str:
    return f"{day:%d/%m/%Y}"


def failed_criteria(answers: Mapping[str, bool]) -> list[protocol.EligibilityCriterion]:
    """Return the declared criteria that these answers fail, in checklist order."""
    return [
        c
        for c in protocol.ELIGIBILITY_CRITERIA
        if c.code in answers and c.is_failed_by(answers[c.code])
    ]


def screen_failure_reason(answers: Mapping[str, bool]) -> str:
    """Return the screen-failure reason, one failed criterion per line; empty if eligible.

    Stored with the screening (and exported) in English, whoever screens; pages show
    `screen_failure_lines` instead, in the reader's language.
    """
    lines = []
    for item in failed_criteria(answers):
        prefix = (
            "Inclusion not met"
            if item.kind is protocol.CriterionKind.INCLUSION
            else "Exclusion applies"
        )
        lines.append(f"{prefix}: {item.text}")
    return "\n".join(lines)


def screen_failure_line(kind: str, text: str) -> str:
    """One failed criterion as the screen-failure reason says it, in the reader's language."""
    if kind == protocol.CriterionKind.INCLUSION:
        return _("Inclusion not met: %(criterion)s") % {"criterion": _(text)}
    return _("Exclusion applies: %(criterion)s") % {"criterion": _(text)}


def check_answers(answers: Mapping[str, Any]) -> Errors:
    """Every declared criterion must be answered yes or no."""
    errors: Errors = {}
    for item in protocol.ELIGIBILITY_CRITERIA:
        if not isinstance(answers.get(item.code), bool):
            _add(errors, criterion_field(item.code), _("Answer yes or no."))
    unknown = set(answers) - {c.code for c in protocol.ELIGIBILITY_CRITERIA}
    for code in sorted(unknown):
        _add(
            errors,
            criterion_field(code),
            _("%(code)s is not a criterion of this protocol.") % {"code": code},
        )
    return errors


def check_mutations(mutations: Mapping[str, Any]) -> Errors:
    """Each gene's result must be one of the declared results; unknown genes are refused."""
    errors: Errors = {}
    allowed = set(protocol.MutationResult.values)
    for gene, result in mutations.items():
        if gene not in protocol.MUTATION_GENES:
            _add(
                errors,
                mutation_field(gene),
                _("%(gene)s is not a gene recorded in this protocol.") % {"gene": gene},
            )
        elif result not in allowed:
            _add(
                errors,
                mutation_field(gene),
                _("%(result)s is not one of %(allowed)s.")
                % {"result": repr(result), "allowed": sorted(allowed)},
            )
    return errors


def check_screening(
    values: Mapping[str, Any],
    answers: Mapping[str, bool],
    *,
    year_of_birth: int,
    today: dt.date,
) -> Errors:
    """Return every rule the screening values break, keyed by field.

    `values` holds the Screening fields, `answers` the checklist ({code: bool}).
    """
    errors = check_answers(answers)
    errors.update(check_mutations(values.get("mutations") or {}))

    for name in ALL_DATES:
        day = values.get(name)
        if day is not None and day > today:
            _add(
                errors,
                name,
                _("%(date)s is in the future (today is %(today)s).")
                % {"date": _day(day), "today": _day(today)},
            )

    consent_on = values.get("consent_on")
    if consent_on is not None:
        for name in STUDY_PROCEDURE_DATES:
            day = values.get(name)
            if day is not None and day < consent_on:
                _add(
                    errors,
                    name,
                    _(
                        "Study procedures must follow informed consent: %(date)s is before "
                        "consent on %(consent)s."
                    )
                    % {"date": _day(day), "consent": _day(consent_on)},
                )

    age = values.get("age_at_consent")
    if age is not None and consent_on is not None and year_of_birth:
        oldest = consent_on.year - year_of_birth
        if age not in (oldest - 1, oldest):
            _add(
                errors,
                "age_at_consent",
                _(
                    "Born in %(year)s, the patient was %(younger)s or %(older)s at consent "
                    "on %(consent)s, not %(age)s."
                )
                % {
                    "year": year_of_birth,
                    "younger": oldest - 1,
                    "older": oldest,
                    "consent": _day(consent_on),
                    "age": age,
                },
            )

    age_answer = answers.get(protocol.AGE_CRITERION_CODE)
    if age is not None and isinstance(age_answer, bool):
        old_enough = age >= protocol.MINIMUM_AGE_AT_CONSENT
        if age_answer != old_enough:
            _add(
                errors,
                criterion_field(protocol.AGE_CRITERION_CODE),
                (
                    _(
                        "Answered yes, but the age at consent is %(age)s "
                        "(the minimum is %(minimum)s)."
                    )
                    if age_answer
                    else _(
                        "Answered no, but the age at consent is %(age)s "
                        "(the minimum is %(minimum)s)."
                    )
                )
                % {"age": age, "minimum": protocol.MINIMUM_AGE_AT_CONSENT},
            )

    diagnosis_on, status_on = values.get("diagnosis_on"), values.get("disease_status_on")
    if diagnosis_on and status_on and status_on < diagnosis_on:
        _add(
            errors,
            "disease_status_on",
            _(
                "Relapse or refractoriness (%(status_date)s) cannot precede the diagnosis "
                "(%(diagnosis)s)."
            )
            % {"status_date": _day(status_on), "diagnosis": _day(diagnosis_on)},
        )
    screened_on = values.get("screened_on")
    if status_on and screened_on and status_on > screened_on:
        _add(
            errors,
            "disease_status_on",
            _(
                "Relapse or refractoriness (%(status_date)s) must be documented by the "
                "screening visit (%(screening)s)."
            )
            % {"status_date": _day(status_on), "screening": _day(screened_on)},
        )
    if diagnosis_on and year_of_birth and diagnosis_on.year < year_of_birth:
        _add(
            errors,
            "diagnosis_on",
            _("Diagnosis before the year of birth (%(year)s).") % {"year": year_of_birth},
        )

    if (
        values.get("disease_status") == protocol.DiseaseStatus.RELAPSE_AFTER_HSCT
        and values.get("prior_allo_hsct") is False
    ):
        _add(
            errors,
            "prior_allo_hsct",
            _("A relapse after allo-HSCT implies a prior allo-HSCT: answer yes."),
        )
    prior_lines = values.get("prior_lines")
    if prior_lines is not None and prior_lines < 1:
        _add(
            errors,
            "prior_lines",
            _("Relapsed or refractory AML has had at least one prior line of therapy."),
        )

    if not answers or not failed_criteria(answers):
        for name in BASELINE_REQUIRED_FIELDS:
            if values.get(name) in (None, ""):
                _add(errors, name, _("Required for an eligible patient."))
    return errors
