"""What a clinical form declares: its fields (with label, unit, plausible range, help) and its
place in the casebook (who enters it, the timeline, ODM, exports, fingerprints)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import QuerySet
from django.utils.formats import number_format
from django.utils.translation import gettext, gettext_noop, override

Number = int | Decimal

# Units written in words, declared in English on the items (the exports and ODM carry them
# so) and shown in the reader's language (unit_text); symbols (mg/m², %) read the same.
UNITS_IN_WORDS = (gettext_noop("days"), gettext_noop("years"), gettext_noop("×10⁶ CD3+ cells/kg"))

if TYPE_CHECKING:
    # A label or title may be given lazily translated (gettext_lazy): read in the reader's
    # language when shown.
    from django_stubs_ext import StrOrPromise as Text


@dataclass(frozen=True)
class Item:
    """One field of a form, as the model stores it and as people read it.

    `entered` items are typed by a coordinator; the others are set by the services (a cycle's
    number, a visit's window) and are shown, exported and fingerprinted, never edited.
    `minimum`/`maximum` are the plausible range: the services refuse a value outside it.
    """

    name: str
    unit: str = ""
    minimum: Number | None = None
    maximum: Number | None = None
    label: Text = ""  # defaults to the model field's verbose name
    help_text: Text = ""  # defaults to the model field's help text
    entered: bool = True
    # The value tells the patient's arm (dexamethasone given, its relation to an adverse
    # event): withheld from lists, exports and ODM for blinded readers while the trial runs
    # (randomization.blinding), as the arm itself is.
    reveals_arm: bool = False

    @property
    def bounded(self) -> bool:
        return self.minimum is not None or self.maximum is not None

    def admits(self, value: Any) -> bool:
        """Whether the value lies in the plausible range (an empty value always does)."""
        if value is None or value == "" or not self.bounded:
            return True
        if self.minimum is not None and value < self.minimum:
            return False
        return self.maximum is None or value <= self.maximum

    @property
    def plausible_range(self) -> str:
        """The range as people read it: "0 to 25000 mg/m²", "at least 1"; "" if unbounded."""
        low, high = self.minimum, self.maximum
        if low is not None and high is not None:
            text = gettext("%(low)s to %(high)s") % {
                "low": number_text(low),
                "high": number_text(high),
            }
        elif low is not None:
            text = gettext("at least %(low)s") % {"low": number_text(low)}
        elif high is not None:
            text = gettext("at most %(high)s") % {"high": number_text(high)}
        else:
            return ""
        return with_unit(text, self.unit)


def number_text(value: Number | float) -> str:
    """Return a number as the reader writes it: 25000, 2.5 (2,5 in French; no trailing
    zeros, no exponent)."""
    if isinstance(value, Decimal):
        # Written out (no exponent), then with the reader's decimal sign: 2,5 in French.
        return number_format(Decimal(format(value.normalize(), "f")))
    return number_format(value) if isinstance(value, float) else str(value)


def unit_text(unit: str) -> str:
    """The unit in the reader's language ("jours" for "days")."""
    return gettext(unit) if unit else unit


def with_unit(text: str, unit: str) -> str:
    """Return "100%", "25000 mg/m²": a percent sign sticks to its number."""
    if not unit:
        return text
    if unit == "%":
        # Translators: a percentage; French puts a no-break space before the sign.
        return gettext("%(number)s%%") % {"number": text}
    return f"{text} {unit_text(unit)}"


@dataclass(frozen=True)
class Computed:
    """A value of each record that no one types and nothing stores: computed when read, from
    the record and the patient's other records (an adverse event's treatment-emergent flag).

    Shown on the timeline, answered by the API and exported with its dictionary entry beside
    the items; left out of ODM (the clinical data as collected) and of fingerprints (nothing
    stored changes with it). `expression` builds the query expression on the form's model,
    when read, so a setting it uses is the one in force then.
    """

    name: str
    label: Text
    data_type: str  # text, integer, decimal, date or boolean, as Form.data_type
    expression: Callable[[], Any]
    help_text: Text = ""


@dataclass(frozen=True)
class Odm:
    """Where the form sits in the CDISC ODM export.

    `code` names the form (FormDef F.<code>, ItemGroupDef IG.<code>); `item_prefix` the items
    (IT.<prefix>.<FIELD>); `rows` is the path from the study event's subject (the patient, or
    one follow-up visit) to the form's rows; `repeat_key` tells repeated rows apart.
    """

    study_event: str
    code: str
    item_prefix: str
    rows: str
    repeat_key: str | None = None
    form_name: str = ""  # defaults to the form's plural title
    # The ItemGroupDef's name: one row. Defaults to the form's title when the form repeats
    # (IG "Treatment cycle" in F "Treatment cycles"), to the form's ODM name when single.
    group_name: str = ""


@dataclass(frozen=True)
class Form:
    """One case report form: a model, its items, and where the form is used."""

    name: str  # as in URLs, API paths and export names: "cycles", "adverse-events"
    title: Text  # "Treatment cycle"
    model: type[models.Model]
    items: tuple[Item, ...]
    entered_by: frozenset[str]  # roles that may enter and correct it
    timeline_order: int  # place on the patient's timeline, smaller first
    odm: Odm
    plural_title: Text = ""
    single: bool = False  # one per patient (transplant, end of treatment, off study)
    # Entered at screening, before randomization (disease history, prior regimens): shown
    # on the timeline with the screening, and entered before the patient is randomized.
    at_screening: bool = False
    export_description: str = ""
    computed: tuple[Computed, ...] = ()  # values computed when read, after the items
    # Bookkeeping fields left out of fingerprints: they change without the data changing.
    # The fingerprint covers every other stored field, declared or not, so a change by any
    # path (form, API, SQL) breaks a signature; changing this set breaks stored signatures.
    fingerprint_ignores: tuple[str, ...] = (
        "id",
        "version",
        "created_at",
        "updated_at",
        "created_by",
    )
    # Fields added to the model after signatures were given: a fingerprint counts one only
    # once it holds a value, so adding an optional field breaks no stored signature (an
    # empty new field changes nothing that was signed). tests/review/
    # test_fingerprint_compatibility.py fails until a field added to a form is listed here.
    fingerprint_added_fields: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        names = [item.name for item in self.items]
        if len(names) != len(set(names)):
            raise ValueError(f"Form {self.name!r} declares a field twice.")
        for name in names:
            self.model._meta.get_field(name)  # a typo fails at start-up, not in a page
        stored = {f.name for f in self.model._meta.get_fields()}
        for value in self.computed:
            if value.name in stored or value.name in names:
                raise ValueError(f"Form {self.name!r}: {value.name!r} is a stored field.")

    @property
    def field_names(self) -> tuple[str, ...]:
        """Every declared field, in the order people read them."""
        return tuple(item.name for item in self.items)

    @property
    def entered_fields(self) -> tuple[str, ...]:
        """The fields a coordinator types (the services set the others)."""
        return tuple(item.name for item in self.items if item.entered)

    @property
    def arm_revealing_fields(self) -> tuple[str, ...]:
        """The fields that tell the patient's arm (withheld from blinded readers' lists)."""
        return tuple(item.name for item in self.items if item.reveals_arm)

    @property
    def computed_names(self) -> tuple[str, ...]:
        """The values computed when read (not stored), in the order people read them."""
        return tuple(value.name for value in self.computed)

    def with_computed(self, queryset: QuerySet) -> QuerySet:
        """Return the form's records with each computed value annotated under its name."""
        if not self.computed:
            return queryset
        return queryset.annotate(**{value.name: value.expression() for value in self.computed})

    @property
    def derived_fields(self) -> tuple[str, ...]:
        """The fields the services set (a cycle's number, a visit's window): shown, not typed."""
        return tuple(item.name for item in self.items if not item.entered)

    @property
    def fingerprint_fields(self) -> tuple[str, ...]:
        """The stored fields a verification or a signature is bound to."""
        return tuple(
            f.name
            for f in self.model._meta.concrete_fields
            if f.name not in self.fingerprint_ignores
        )

    @property
    def plural(self) -> str:
        return str(self.plural_title) or f"{self.title}s"

    @property
    def odm_form_name(self) -> str:
        """The FormDef's name in the ODM export."""
        return self.odm.form_name or self.plural

    @property
    def odm_group_name(self) -> str:
        """The ItemGroupDef's name in the ODM export: what one row is called."""
        if self.odm.group_name:
            return self.odm.group_name
        return self.odm_form_name if self.single else str(self.title)

    @cached_property
    def _items_by_name(self) -> dict[str, Item]:
        return {item.name: item for item in self.items}

    def item(self, name: str) -> Item:
        return self._items_by_name[name]

    def model_field(self, name: str) -> models.Field:
        field = self.model._meta.get_field(name)
        assert isinstance(field, models.Field)
        return field

    def label(self, name: str) -> str:
        """The field's label as people read it, with its unit when it has one."""
        item = self.item(name)
        given = item.label or self.model_field(name).verbose_name
        text = str(given)
        text = text[:1].upper() + text[1:]
        # The unit is declared in English ("days"): whether the label already says it is
        # read from the English label, so "report (jours)" gets no "(jours)" added, or from
        # the reader's label and unit ("dose de DLI (cellules CD3+ ×10⁶/kg)").
        with override("en"):
            says_unit = item.unit in str(given)
        says_unit = says_unit or unit_text(item.unit) in text
        if item.unit and not says_unit:
            text = f"{text} ({unit_text(item.unit)})"
        return text

    def help_text(self, name: str) -> str:
        item = self.item(name)
        return str(item.help_text or self.model_field(name).help_text)

    def data_type(self, name: str) -> str:
        """text, integer, decimal, date, datetime or boolean: what exports and ODM write."""
        field = self.model_field(name)
        if field.is_relation:
            return "integer"  # the related record's id
        if isinstance(field, models.BooleanField):
            return "boolean"
        if isinstance(field, models.DateTimeField):  # before DateField, which it extends
            return "datetime"
        if isinstance(field, models.DateField):
            return "date"
        if isinstance(field, models.DecimalField | models.FloatField):
            return "decimal"
        if isinstance(field, models.IntegerField):
            return "integer"
        return "text"
