"""The trial's case report forms as the ODM export declares them (MetaDataVersion).

One form per kind of record, in the study event where it is collected. The forms declared
in the casebook (`casebook.site`: cycles, responses, adverse events, ...) are read from their
declarations: FormDef F.<code>, ItemGroupDef IG.<code>, ItemDef IT.<prefix>.<FIELD> with the
declared label as question and the declared unit as measurement unit. The screening,
demographics, mutations, eligibility and randomization groups are declared here.

Each item's ODM data type, length and code list follow from the Django field, so a changed
choice list changes the code list by itself. Where a record's rows are found is written as a
path from the study event's subject (the patient, or one follow-up visit): `"cycles"`,
`"screening.answers"`; the export fetches exactly these paths, batch by batch.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

import protocol
from casebook.declarations import Form as CaseReportForm
from casebook.registry import site as casebook
from patients.models import CriterionAnswer, Patient, Screening, ScreeningOutcome
from randomization.models import Randomization

METADATA_VERSION_OID = f"MDV.{protocol.STUDY_ID}.1"
METADATA_VERSION_NAME = f"{protocol.STUDY_ID} case report forms, version 1"


@dataclass(frozen=True)
class CodeList:
    oid: str
    name: str
    items: tuple[tuple[str, str], ...]  # (coded value, decode in English)
    labels_fr: tuple[str, ...] = ()  # each decode in French, in the same order


@dataclass(frozen=True)
class MeasurementUnit:
    oid: str
    symbol: str  # as declared: "mg/m²", "×10⁹/L"


@dataclass(frozen=True)
class Item:
    """One ItemDef: a field of the group's model, or one key of a JSON field."""

    oid: str
    name: str
    question: str  # English, as every name of the metadata; French beside it below
    data_type: str  # integer, float, date, datetime, boolean or text
    field: str  # the attribute read on a record, and on its audit events
    key: str | None = None
    mandatory: bool = False
    length: int | None = None
    significant_digits: int | None = None
    code_list: CodeList | None = None
    description: str = ""
    unit: MeasurementUnit | None = None
    question_fr: str = ""
    description_fr: str = ""
    # The value tells the patient's arm: no ItemData for a reader who may not see the arms
    # (randomization.blinding); the metadata still describes the item.
    reveals_arm: bool = False

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


# The ODM's two languages: English names the metadata (CDISC); French is its translation.
ODM_LANGUAGES = ("en", "fr")


def in_language(language: str, read: Callable[[], Any]) -> str:
    """Return a text (a lazy label, or one a function reads) in one language."""
    with translation.override(language):
        return str(read())


def _choices_key(choices: Iterable[tuple[Any, Any]]) -> tuple[tuple[str, str], ...]:
    """The choices with their English labels: a code list is known by them."""
    with translation.override("en"):
        return tuple((str(value), str(label)) for value, label in choices)


def _french_labels(choices: Iterable[tuple[Any, Any]]) -> tuple[str, ...]:
    with translation.override("fr"):
        return tuple(str(label) for _value, label in choices)


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
        _CODE_LISTS[items] = CodeList(
            oid=oid, name=name, items=items, labels_fr=_french_labels(choices)
        )
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


def _field_item(
    group: str,
    model: type[models.Model],
    name: str,
    *,
    question: Callable[[], str] | None = None,
    description: Callable[[], str] | None = None,
    unit: str = "",
    reveals_arm: bool = False,
) -> Item:
    """Return the item of one field, typed from the Django field; its question and
    description in English and French (read from the field unless given)."""
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)
    model_field = field
    field_question = question or (lambda: _question(str(model_field.verbose_name)))
    field_description = description or (lambda: str(model_field.help_text))
    length: int | None
    digits: int | None
    if isinstance(field, models.DecimalField):
        length, digits = field.max_digits, field.decimal_places
    else:
        length, digits = getattr(field, "max_length", None), None
    return Item(
        oid=f"IT.{group}.{name.upper()}",
        name=name,
        question=in_language("en", field_question),
        question_fr=in_language("fr", field_question),
        data_type=_data_type(field),
        field=field.attname,
        mandatory=not field.blank,
        length=length,
        significant_digits=digits,
        code_list=(_code_list(field.choices, f"{group}.{name.upper()}") if field.choices else None),
        description=in_language("en", field_description),
        description_fr=in_language("fr", field_description),
        unit=_measurement_unit(unit) if unit else None,
        reveals_arm=reveals_arm,
    )


def field_items(group: str, model: type[models.Model], *names: str) -> tuple[Item, ...]:
    """Return the items of these fields, typed from the Django fields."""
    return tuple(_field_item(group, model, name) for name in names)


def form_items(form: CaseReportForm) -> tuple[Item, ...]:
    """Return the items of a declared form: its fields, as declared, in declared order."""
    return tuple(
        _field_item(
            form.odm.item_prefix,
            form.model,
            name,
            question=functools.partial(form.label, name),
            description=functools.partial(form.help_text, name),
            unit=form.item(name).unit,
            reveals_arm=form.item(name).reveals_arm,
        )
        for name in form.field_names
    )


_UNITS: dict[str, MeasurementUnit] = {}
_POWER_OF_TEN = re.compile("×10([⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+)")


def _measurement_unit(symbol: str) -> MeasurementUnit:
    """Return the MeasurementUnit of a declared unit: MU.MG_M2 for mg/m², MU.10E9_L for
    ×10⁹/L, MU.PERCENT for %. Two symbols never share an OID."""
    if symbol not in _UNITS:
        words = _POWER_OF_TEN.sub(lambda m: "10E" + m.group(1), symbol).replace("%", "PERCENT")
        words = unicodedata.normalize("NFKC", words)  # superscript digits: plain digits
        oid = "MU." + re.sub(r"[^A-Za-z0-9-]+", "_", words).strip("_").upper()
        if any(unit.oid == oid for unit in _UNITS.values()):
            raise ImproperlyConfigured(f"Units {symbol!r} and another share the OID {oid}.")
        _UNITS[symbol] = MeasurementUnit(oid=oid, symbol=symbol)
    return _UNITS[symbol]


def _keyed(message: str, key: str) -> str:
    return gettext(message) % {"key": key}


def json_items(
    group: str, field: str, keys: Iterable[str], *, question: str, code_list: CodeList | None = None
) -> tuple[Item, ...]:
    """Return one text item per key of a JSON field (a gene's result, a stratum level);
    `question` is a message with a %(key)s placeholder, put in English and French."""
    return tuple(
        Item(
            oid=f"IT.{group}.{key.upper().replace('-', '_')}",
            name=key,
            question=in_language("en", functools.partial(_keyed, question, key)),
            question_fr=in_language("fr", functools.partial(_keyed, question, key)),
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
        question=gettext_noop("%(key)s mutation"),
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
    items=(
        _field_item("RA", Randomization, "regimen"),
        # The arm, and the position in the stratum that helps guess it: blinded readers
        # get neither.
        _field_item("RA", Randomization, "arm", reveals_arm=True),
        _field_item("RA", Randomization, "method"),
        _field_item("RA", Randomization, "sequence", reveals_arm=True),
        _field_item("RA", Randomization, "randomized_at"),
        *json_items(
            "RA.STRATUM",
            "stratum_levels",
            protocol.STRATIFICATION_FACTORS,
            question=gettext_noop("Stratification level: %(key)s"),
        ),
    ),
)


def form_item_group(form: CaseReportForm) -> ItemGroup:
    """Return the ItemGroupDef of a declared form."""
    return ItemGroup(
        f"IG.{form.odm.code}",
        form.odm_group_name,
        form.model,
        rows=form.odm.rows,
        key=form.odm.repeat_key,
        items=form_items(form),
    )


# The study events, in the order of the protocol, with the forms not declared in the
# casebook; study_events() adds each declared form to the event it names.
_STUDY_EVENTS: tuple[StudyEvent, ...] = (
    StudyEvent(
        "SE.SCREENING",
        "Screening",
        "Scheduled",
        (Form("F.SCREENING", "Screening", (DEMOGRAPHICS, SCREENING, MUTATIONS, ELIGIBILITY)),),
    ),
    # Karyotype and mutations: at screening, again at an on-study relapse (biology/crfs.py).
    StudyEvent("SE.BIOLOGY", "Biology (karyotype and mutations)", "Unscheduled", ()),
    StudyEvent(
        "SE.RANDOMIZATION",
        "Randomization",
        "Scheduled",
        (Form("F.RANDOMIZATION", "Randomization", (RANDOMIZATION,)),),
    ),
    StudyEvent("SE.TREATMENT", "Salvage treatment", "Scheduled", ()),
    StudyEvent(
        "SE.FOLLOW_UP",
        "Follow-up visit",
        "Scheduled",
        (),
        repeat_over="followup_visits",
        key="month",
    ),
    StudyEvent("SE.OFF_STUDY", "Off study", "Unscheduled", ()),
    StudyEvent("SE.SAFETY", "Safety", "Common", ()),
)


@functools.cache
def study_events() -> tuple[StudyEvent, ...]:
    """Return every study event with its forms: those above, then the declared forms of
    the event in timeline order (read once the casebook is complete, then kept)."""
    if not apps.ready:
        raise ImproperlyConfigured("The ODM forms are read once the casebook is complete.")
    declared: dict[str, list[Form]] = {event.oid: [] for event in _STUDY_EVENTS}
    # Kept for the process's life: the names read in English, whoever asked first.
    with translation.override("en"):
        return _study_events(declared)


def _study_events(declared: dict[str, list[Form]]) -> tuple[StudyEvent, ...]:
    for form in casebook:
        if form.odm.study_event not in declared:
            raise ImproperlyConfigured(
                f"Form {form.name!r} names the unknown study event {form.odm.study_event!r}."
            )
        declared[form.odm.study_event].append(
            Form(f"F.{form.odm.code}", form.odm_form_name, (form_item_group(form),))
        )
    return tuple(
        dataclasses.replace(event, forms=event.forms + tuple(declared[event.oid]))
        for event in _STUDY_EVENTS
    )


def item_groups() -> list[ItemGroup]:
    return [group for event in study_events() for form in event.forms for group in form.item_groups]


def measurement_units() -> list[MeasurementUnit]:
    """Return the units of the items, each once, in the order the items use them."""
    seen: dict[str, MeasurementUnit] = {}
    for group in item_groups():
        for item in group.items:
            if item.unit is not None:
                seen.setdefault(item.unit.oid, item.unit)
    return list(seen.values())


def code_lists() -> list[CodeList]:
    seen: dict[str, CodeList] = {}
    for group in item_groups():
        for item in group.items:
            if item.code_list is not None:
                seen.setdefault(item.code_list.oid, item.code_list)
    return list(seen.values())
