"""Forms for the treatment and follow-up records: they parse; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import DateField, Model

from visits.ctcae import CTCAE_TERMS, OTHER_SPECIFY


def _widgets(model: type[Model], fields: tuple[str, ...]) -> dict[str, forms.Widget]:
    dates = {f.name for f in model._meta.fields if isinstance(f, DateField)}
    return {
        name: forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        for name in fields
        if name in dates
    }


class RecordForm(forms.Form):
    """A form over some fields of a record; when correcting, it asks for the reason and
    carries the version the editor saw (a later save by someone else is then refused)."""

    def __init__(
        self,
        *args: Any,
        model: type[Model],
        fields: tuple[str, ...],
        instance: Model | None = None,
        **kwargs: Any,
    ):
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {name: getattr(instance, name) for name in fields}
            kwargs["initial"]["version"] = instance.version
        super().__init__(*args, **kwargs)
        self.fields.update(
            forms.fields_for_model(model, fields=list(fields), widgets=_widgets(model, fields))
        )
        for field in self.fields.values():
            if isinstance(field, forms.BooleanField) and not isinstance(
                field, forms.NullBooleanField
            ):
                field.required = False
        if "term" in self.fields:
            self.fields["term"] = forms.ChoiceField(
                label="CTCAE v5.0 term",
                choices=[
                    ("", "---------"),
                    *[(t, f"{t} ({soc})") for t, soc in CTCAE_TERMS],
                    (OTHER_SPECIFY, OTHER_SPECIFY),
                ],
            )
        if instance is not None:
            self.fields["version"] = forms.IntegerField(widget=forms.HiddenInput)
            self.fields["reason"] = forms.CharField(
                label="Reason for change",
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text="Required: kept in the audit trail with the old and new values.",
            )
        self.record_fields = fields

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.record_fields}


class MissedVisitForm(forms.Form):
    missed_reason = forms.CharField(label="Why was the visit missed?", max_length=300)
    version = forms.IntegerField(widget=forms.HiddenInput)
