"""The trial's case report forms as the ODM export declares them (MetaDataVersion).

One form per kind of record, in the study event where it is collected. Each item group
reads one model; its items are the model's fields, whose ODM data type, length and code
list follow from the Django field, so a field added to a model needs one word here and a
changed choice list changes the code list by itself.

Where a record's rows are found is written as a path from the study event's subject (the
patient, or one follow-up visit): `"cycles"`, `"screening.answers"`. The export prefetches
exactly these paths, batch by batch.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import models

import protocol
from patients.models import CriterionAnswer, Patient, Screening, ScreeningOutcome
from randomization.models import Randomization
from visits.models import (
    AdverseEvent,
    EndOfTreatment,
    FollowUpVisit,
    OffStudy,
    ResponseAssessment,
    Transplant,
    TreatmentCycle,
)

METADATA_VERSION_OID = f"MDV.{protocol.STUDY_ID}.1"
METADATA_VERSION_NAME = f"{protocol.STUDY_ID} case report forms, version 1"


@dataclass(frozen=True)
class CodeList:
    oid: str
    name: str
    items: tuple[tuple[str, str], ...]  # (coded value, decode)


@dataclass(frozen=True)
class Item:
    """One ItemDef: a field of the group's model, or one key of a JSON field."""

    oid: str
    name: str
    question: str
    data_type: str  # integer, float, date, datetime, boolean or text
    field: str  # the attribute read on a record, and on its audit events
    key: str | None = None
    mandatory: bool = False
    length: int | None = None
    significant_digits: int | None = None
    code_list: CodeList | None = None
    description: str = ""

    def read(self, row: Any) -> Any:
        """Return the item's value in a record or in one of the record's audit events."""
        value = getattr(row, self.field)
        if self.key is not None:
            value = (value or {}).get(self.key)
        return value

    def value_text(self, value: Any) -> str | None:
        """Return the value as ODM writes it, or None when empty (the item is left out)."""
        if value is None or value == "":
            return None
        if self.data_type == "boolean":
            return "true" if value else "false"
        if self.data_type == "datetime":
            return value.astimezone(dt.UTC).isoformat()
        if isinstance(value, Decimal):
            return format(value, "f")  # never the exponent notation ODM float refuses
        if isinstance(value, dt.date):
            return value.isoformat()
        return str(value)


@dataclass(frozen=True)
class ItemGroup:
    """One ItemGroupDef: the rows of one model, found at `rows` from the event's subject.

    A repeating group has one ItemGroupData per row, told apart by `key` (ItemGroupRepeatKey).
    `audit_by` is the field of the model's audit events that leads to the patient.
    """

    oid: str
    name: str
    model: type[models.Model]
    rows: str
    items: tuple[Item, ...]
    key: str | None = None
    audit_by: str = "patient"

    @property
    def repeating(self) -> bool:
        return self.key is not None

    def repeat_key(self, row: models.Model) -> str | None:
        return None if self.key is None else str(getattr(row, self.key))


@dataclass(frozen=True)
class Form:
    oid: str
    name: str
    item_groups: tuple[ItemGroup, ...]


@dataclass(frozen=True)
class StudyEvent:
    """One StudyEventDef; a repeating one happens once per row at `repeat_over`."""

    oid: str
    name: str
    type: str  # Scheduled, Unscheduled or Common
    forms: tuple[Form, ...]
    repeat_over: str | None = None
    key: str | None = None

    @property
    def repeating(self) -> bool:
        return self.repeat_over is not None


def _choices_key(choices: Iterable[tuple[Any, Any]]) -> tuple[tuple[str, str], ...]:
    return tuple((str(value), str(label)) for value, label in choices)


# The protocol's choice classes, to name a code list after the class it comes from.
_CHOICE_CLASSES = {
    _choices_key(value.choices): value
    for value in [*vars(protocol).values(), ScreeningOutcome]
    if isinstance(value, type) and issubclass(value, models.Choices)
}
_CODE_LISTS: dict[tuple[tuple[str, str], ...], CodeList] = {}


def _code_list(choices: Iterable[tuple[Any, Any]], fallback: str) -> CodeList:
    """Return the code list of these choices: one per distinct list, named after its class
    (CL.RELATEDNESS serves both relatedness items) or else after the field (`fallback`)."""
    items = _choices_key(choices)
    if items not in _CODE_LISTS:
        cls = _CHOICE_CLASSES.get(items)
        if cls is None:
            oid, name = f"CL.{fallback}", fallback
        else:
            words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", cls.__name__)
            oid, name = f"CL.{words.upper()}", cls.__name__
        _CODE_LISTS[items] = CodeList(oid=oid, name=name, items=items)
    return _CODE_LISTS[items]


def _data_type(field: models.Field) -> str:
    if field.is_relation:
        return "integer"  # the related record's id
    if isinstance(field, models.BooleanField):
        return "boolean"
    if isinstance(field, models.DateTimeField):  # before DateField, which it extends
        return "datetime"
    if isinstance(field, models.DateField):
        return "date"
    if isinstance(field, models.DecimalField | models.FloatField):
        return "float"
    if isinstance(field, models.IntegerField):
        return "integer"
    if isinstance(field, models.CharField | models.TextField):
        return "text"
    raise TypeError(f"No ODM data type for {field!r}: declare the item by hand.")


def _question(text: str) -> str:
    return text[:1].upper() + text[1:]


def field_items(group: str, model: type[models.Model], *names: str) -> tuple[Item, ...]:
    """Return the items of these fields, typed from the Django fields."""
    items = []
    for name in names:
        field = model._meta.get_field(name)
        decimal = isinstance(field, models.DecimalField)
        items.append(
            Item(
                oid=f"IT.{group}.{name.upper()}",
                name=name,
                question=_question(str(field.verbose_name)),
                data_type=_data_type(field),
                field=field.attname,
                mandatory=not field.blank,
                length=field.max_digits if decimal else getattr(field, "max_length", None),
                significant_digits=field.decimal_places if decimal else None,
                code_list=(
                    _code_list(field.choices, f"{group}.{name.upper()}") if field.choices else None
                ),
                description=str(field.help_text),
            )
        )
    return tuple(items)


def json_items(
    group: str, field: str, keys: Iterable[str], *, question: str, code_list: CodeList | None = None
) -> tuple[Item, ...]:
    """Return one text item per key of a JSON field (a gene's result, a stratum level)."""
    return tuple(
        Item(
            oid=f"IT.{group}.{key.upper().replace('-', '_')}",
            name=key,
            question=question.format(key=key),
            data_type="text",
            field=field,
            key=key,
            code_list=code_list,
        )
        for key in keys
    )


DEMOGRAPHICS = ItemGroup(
    "IG.DEMOGRAPHICS",
    "Demographics",
    Patient,
    rows="",
    items=field_items("DM", Patient, "sex", "year_of_birth"),
    audit_by="pgh_obj",
)
SCREENING = ItemGroup(
    "IG.SCREENING",
    "Screening and baseline disease",
    Screening,
    rows="screening",
    items=field_items(
        "SC",
        Screening,
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
        "prior_lines",
        "prior_allo_hsct",
        "outcome",
        "failure_reason",
        "note",
    ),
)
MUTATIONS = ItemGroup(
    "IG.MUTATIONS",
    "Mutations at relapse",
    Screening,
    rows="screening",
    items=json_items(
        "MUT",
        "mutations",
        protocol.MUTATION_GENES,
        question="{key} mutation",
        code_list=_code_list(protocol.MutationResult.choices, "MUTATION_RESULT"),
    ),
)
ELIGIBILITY = ItemGroup(
    "IG.ELIGIBILITY",
    "Eligibility criterion",
    CriterionAnswer,
    rows="screening.answers",
    key="code",
    items=field_items("EL", CriterionAnswer, "code", "kind", "text", "answer"),
    audit_by="screening__patient",
)
RANDOMIZATION = ItemGroup(
    "IG.RANDOMIZATION",
    "Randomization",
    Randomization,
    rows="randomization",
    items=field_items("RA", Randomization, "regimen", "arm", "method", "sequence", "randomized_at")
    + json_items(
        "RA.STRATUM",
        "stratum_levels",
        protocol.STRATIFICATION_FACTORS,
        question="Stratification level: {key}",
    ),
)
CYCLE = ItemGroup(
    "IG.CYCLE",
    "Treatment cycle",
    TreatmentCycle,
    rows="cycles",
    key="number",
    items=field_items(
        "CY",
        TreatmentCycle,
        "number",
        "phase",
        "started_on",
        "ended_on",
        "amsacrine_mg_m2",
        "cytarabine_mg_m2",
        "azacitidine_mg_m2",
        "dexamethasone_given",
        "dexamethasone_mg",
        "delay_days",
        "dose_reduced",
        "modification_note",
    ),
)
RESPONSE = ItemGroup(
    "IG.RESPONSE",
    "Response assessment",
    ResponseAssessment,
    rows="responses",
    key="pk",
    items=field_items(
        "RS",
        ResponseAssessment,
        "assessed_on",
        "after_cycle",
        "category",
        "marrow_blasts_pct",
        "anc",
        "platelets",
        "circulating_blasts",
        "auer_rods",
        "extramedullary_disease",
        "transfusion_dependent",
        "mrd_negative",
    ),
)
TRANSPLANT = ItemGroup(
    "IG.TRANSPLANT",
    "Allogeneic transplant",
    Transplant,
    rows="transplant",
    items=field_items("TX", Transplant, "transplanted_on", "donor_type", "conditioning"),
)
END_OF_TREATMENT = ItemGroup(
    "IG.END_OF_TREATMENT",
    "End of treatment",
    EndOfTreatment,
    rows="end_of_treatment",
    items=field_items("EOT", EndOfTreatment, "ended_on", "reason", "note"),
)
FOLLOW_UP = ItemGroup(
    "IG.FOLLOW_UP",
    "Follow-up visit",
    FollowUpVisit,
    rows="",
    items=field_items(
        "FU",
        FollowUpVisit,
        "month",
        "target_on",
        "window_opens_on",
        "window_closes_on",
        "performed_on",
        "vital_status",
        "disease_status",
        "new_therapy",
        "transplant_since_last",
        "missed_reason",
    ),
)
OFF_STUDY = ItemGroup(
    "IG.OFF_STUDY",
    "Off study",
    OffStudy,
    rows="off_study",
    items=field_items(
        "OS",
        OffStudy,
        "reason",
        "event_on",
        "death_cause",
        "fatal_adverse_event",
        "data_use",
        "note",
    ),
)
ADVERSE_EVENT = ItemGroup(
    "IG.ADVERSE_EVENT",
    "Adverse event",
    AdverseEvent,
    rows="adverse_events",
    key="pk",
    items=field_items(
        "AE",
        AdverseEvent,
        "term",
        "term_specified",
        "grade",
        "serious",
        "onset_on",
        "resolved_on",
        "related_to_dexamethasone",
        "related_to_salvage",
        "action_taken",
        "sae_reviewed_at",
    ),
)

STUDY_EVENTS: tuple[StudyEvent, ...] = (
    StudyEvent(
        "SE.SCREENING",
        "Screening",
        "Scheduled",
        (Form("F.SCREENING", "Screening", (DEMOGRAPHICS, SCREENING, MUTATIONS, ELIGIBILITY)),),
    ),
    StudyEvent(
        "SE.RANDOMIZATION",
        "Randomization",
        "Scheduled",
        (Form("F.RANDOMIZATION", "Randomization", (RANDOMIZATION,)),),
    ),
    StudyEvent(
        "SE.TREATMENT",
        "Salvage treatment",
        "Scheduled",
        (
            Form("F.CYCLE", "Treatment cycles", (CYCLE,)),
            Form("F.RESPONSE", "Response assessments", (RESPONSE,)),
            Form("F.TRANSPLANT", "Allogeneic transplant", (TRANSPLANT,)),
            Form("F.END_OF_TREATMENT", "End of treatment", (END_OF_TREATMENT,)),
        ),
    ),
    StudyEvent(
        "SE.FOLLOW_UP",
        "Follow-up visit",
        "Scheduled",
        (Form("F.FOLLOW_UP", "Follow-up visit", (FOLLOW_UP,)),),
        repeat_over="followup_visits",
        key="month",
    ),
    StudyEvent(
        "SE.OFF_STUDY",
        "Off study",
        "Unscheduled",
        (Form("F.OFF_STUDY", "Off study", (OFF_STUDY,)),),
    ),
    StudyEvent(
        "SE.SAFETY",
        "Safety",
        "Common",
        (Form("F.ADVERSE_EVENT", "Adverse events", (ADVERSE_EVENT,)),),
    ),
)


def item_groups() -> list[ItemGroup]:
    return [group for event in STUDY_EVENTS for form in event.forms for group in form.item_groups]


def code_lists() -> list[CodeList]:
    seen: dict[str, CodeList] = {}
    for group in item_groups():
        for item in group.items:
            if item.code_list is not None:
                seen.setdefault(item.code_list.oid, item.code_list)
    return list(seen.values())
