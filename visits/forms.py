"""Forms for the treatment and follow-up records: they parse; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Model
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from audit.records import REASON_MAX_LENGTH, reason_for_change
from casebook.date_inputs import TrialDateField, TrialDateTimeField
from casebook.declarations import Form
from visits.ctcae import CTCAE_TERMS, OTHER_SPECIFY, CtcaeTerm, grades_text, term_label


def _field_classes(form: Form) -> dict[str, type[forms.Field]]:
    """Dates (and times) typed dd/mm/yyyy in any browser locale (casebook/date_inputs.py)."""
    classes = {"date": TrialDateField, "datetime": TrialDateTimeField}
    return {
        name: classes[form.data_type(name)]
        for name in form.entered_fields
        if form.data_type(name) in classes
    }


def _help_text(form: Form, name: str) -> str:
    """The declared help, and the plausible range the services hold the value to."""
    plausible = form.item(name).plausible_range
    said = plausible and gettext("Plausible: %(range)s.") % {"range": plausible}
    return " ".join(part for part in (form.help_text(name), said) if part)


def _term_choice(term: CtcaeTerm) -> str:
    """A term as the list offers it: the term (in French beside its French wording), its
    system organ class and the grades CTCAE v5.0 defines for it."""
    # Translators: a CTCAE term in the adverse-event form's list: term (organ class; grades).
    return gettext("%(term)s (%(organ_class)s; %(grades)s)") % {
        "term": term_label(term.name),
        "organ_class": gettext(term.system_organ_class),
        "grades": grades_text(term.grades),
    }


# The reason for change's name on a correction's form and API: `reason`, unless the record
# has a reason of its own (end of treatment, off study), which must stay correctable.
CHANGE_REASON = "reason"
CHANGE_REASON_BESIDE_OWN = "reason_for_change"


def change_reason_name(form: Form) -> str:
    """Return the name the reason for change takes on this form's correction."""
    return CHANGE_REASON_BESIDE_OWN if CHANGE_REASON in form.entered_fields else CHANGE_REASON


class RecordForm(forms.Form):
    """A form over the fields a coordinator enters in a declared form (visits/crfs.py), with
    its labels (units included) and help; when correcting, it asks for the reason and
    carries the version the editor saw (a later save by someone else is then refused)."""

    def __init__(
        self,
        *args: Any,
        form: Form,
        instance: Model | None = None,
        **kwargs: Any,
    ):
        fields = form.entered_fields
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {name: getattr(instance, name) for name in (*fields, "version")}
        super().__init__(*args, **kwargs)
        self.fields.update(
            forms.fields_for_model(
                form.model,
                fields=list(fields),
                field_classes=_field_classes(form),
                labels={name: form.label(name) for name in fields},
                help_texts={name: _help_text(form, name) for name in fields},
            )
        )
        for field in self.fields.values():
            if isinstance(field, forms.BooleanField) and not isinstance(
                field, forms.NullBooleanField
            ):
                field.required = False
        if "term" in self.fields:
            self.fields["term"] = forms.ChoiceField(
                label=_("CTCAE v5.0 term"),
                choices=[
                    ("", "---------"),
                    *[(t.name, _term_choice(t)) for t in CTCAE_TERMS],
                    (OTHER_SPECIFY, term_label(OTHER_SPECIFY)),
                ],
            )
        self.change_reason_name = change_reason_name(form)
        if instance is not None:
            self.fields["version"] = forms.IntegerField(widget=forms.HiddenInput)
            self.fields[self.change_reason_name] = forms.CharField(
                label=_("Reason for change"),
                max_length=REASON_MAX_LENGTH,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text=_("Required: kept in the audit trail with the old and new values."),
            )
        self.record_fields = fields
        self.left_out: dict[str, Any] = {}

    @property
    def change_reason_field(self) -> forms.BoundField | None:
        """The reason for change as the page shows it, below the record's fields (None when
        recording, not correcting)."""
        return self[self.change_reason_name] if self.change_reason_name in self.fields else None

    @property
    def change_reason(self) -> str:
        return self.cleaned_data.get(self.change_reason_name, "")

    def clean_reason_for_change(self) -> str:
        """The services' rule for a reason, checked here: their refusal would name `reason`,
        which on this form is the record's own."""
        try:
            return reason_for_change(self.cleaned_data.get(CHANGE_REASON_BESIDE_OWN))
        except forms.ValidationError as refused:
            raise forms.ValidationError(refused.message_dict[CHANGE_REASON]) from refused

    def leave_out(self, fields: dict[str, Any]) -> None:
        """Leave out fields that do not concern the patient (visits/relevance.py): not
        shown, and saved with the value each takes when left out."""
        for name, value in fields.items():
            if name in self.fields:
                del self.fields[name]
                self.left_out[name] = value

    def values(self) -> dict[str, Any]:
        return {
            name: self.left_out[name] if name in self.left_out else self.cleaned_data[name]
            for name in self.record_fields
        }


class MissedVisitForm(forms.Form):
    missed_reason = forms.CharField(label=_("Why was the visit missed?"), max_length=300)
    version = forms.IntegerField(widget=forms.HiddenInput)
