"""How the data review names a casebook record and its fields to a person: the form's title,
the criterion's text, the choice's label, the date dd/mm/yyyy; never a code.

"Criterion answer EXC_APL: no" reads "Exclusion criterion: Acute promyelocytic leukaemia: No".
A record's name never tells its patient's arm (a blinded monitor or sponsor reads this page):
no arm, no arm-revealing value such as the dexamethasone given.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.reading import date_text, field_label, value_text
from casebook.registry import FormNotDeclared
from casebook.registry import site as casebook
from patients.models import CriterionAnswer, Patient, Screening
from randomization.models import Randomization

# The choice that best names a record when it has several (a response by its category, not
# its timepoint); otherwise its first choice field.
_NAMING_CHOICES = ("category", "phase", "kind", "reason", "product", "timepoint")


def _title(record: models.Model) -> tuple[str, tuple[str, ...]]:
    """The record's kind as people name it, and the fields its name must never show."""
    try:
        form = casebook.form_of(type(record))
    except FormNotDeclared:
        name = str(record._meta.verbose_name)
        return name[:1].upper() + name[1:], ()
    return str(form.title), form.arm_revealing_fields


def record_label(record: models.Model) -> str:
    """Return the record's name for the review page and its forms."""
    if isinstance(record, Patient):
        return _("Patient %(study_id)s") % {"study_id": record.study_id}
    if isinstance(record, Screening):
        return _("Screening on %(date)s") % {"date": date_text(record.screened_on)}
    if isinstance(record, CriterionAnswer):
        answer = _("Yes") if record.answer else _("No")
        if record.kind == "inclusion":
            return _("Inclusion criterion: %(criterion)s: %(answer)s") % {
                "criterion": record.label,
                "answer": answer,
            }
        return _("Exclusion criterion: %(criterion)s: %(answer)s") % {
            "criterion": record.label,
            "answer": answer,
        }
    if isinstance(record, Randomization):  # the arm stays out: blinded readers see this page
        return _("Randomization on %(date)s") % {
            "date": date_text(timezone.localdate(record.randomized_at))
        }
    title, withheld = _title(record)
    fields = [
        f for f in record._meta.concrete_fields if f.name not in withheld and not f.is_relation
    ]
    parts = []
    number = getattr(record, "number", None)
    if isinstance(number, int):
        title = f"{title} {number}"
    # An adverse event's term as the reader's language shows it ("Anémie (Anemia)").
    term = getattr(record, "term_label", None) or getattr(record, "display_term", None)
    if isinstance(term, str) and term:
        parts.append(term)
        grade = getattr(record, "grade", None)
        if grade is not None:
            parts.append(_("grade %(grade)s") % {"grade": grade})
    else:
        choices = sorted(
            (f for f in fields if f.choices),
            key=lambda f: _NAMING_CHOICES.index(f.name) if f.name in _NAMING_CHOICES else 99,
        )
        chosen = next(iter(choices), None)
        if chosen is not None:
            parts.append(value_text(type(record), chosen.name, getattr(record, chosen.attname)))
    dated = next((f for f in fields if type(f) is models.DateField), None)
    if dated is not None and getattr(record, dated.attname) is not None:
        parts.append(date_text(getattr(record, dated.attname)))
    return " · ".join([title, *(p for p in parts if p and p != "—")])


def queried_field_label(model: type[models.Model] | None, name: str) -> str:
    """A queried field's label as its form shows it ('marrow_blasts_pct' → 'Marrow blasts
    (%)'); empty when the query is on the whole record."""
    if not name:
        return ""
    if model is not None:
        try:
            return casebook.form_of(model).label(name)
        except (FormNotDeclared, KeyError):
            pass
    return field_label(model, name)


def field_named(record: models.Model, typed: str) -> str:
    """The field of the record a person named, by its label ('Marrow blasts (%)', any case)
    or its name; what was typed, stripped, when nothing matches (the service says so)."""
    typed = typed.strip()
    wanted = typed.casefold()
    if not wanted:
        return ""
    model = type(record)
    for field in model._meta.concrete_fields:
        names = {
            field.name.casefold(),
            str(field.verbose_name).casefold(),
            queried_field_label(model, field.name).casefold(),
        }
        if wanted in names:
            return field.name
    return typed
