"""The screening form: parses what the coordinator typed; the service decides the rest."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

import protocol
from accounts.models import Site
from audit.records import REASON_MAX_LENGTH
from casebook.date_inputs import TrialDateField
from patients import rules
from patients.models import Patient, Screening
from patients.services import SCREENING_FIELDS

_YES_NO = [("yes", _("Yes")), ("no", _("No"))]
# The model fields named by Django from their attribute (no verbose name, so no migration
# for a translated one): labelled here instead.
_LABELS: dict[str, Any] = {
    "sex": _("Sex"),
    "year_of_birth": _("Year of birth"),
    "age_at_consent": _("Age at consent"),
    "disease_status": _("Disease status"),
    "cytogenetic_risk": _("Cytogenetic risk"),
    "note": _("Note"),
}
# Translators: the kind of an eligibility criterion, in the checklist's first column.
KIND_LABELS = {
    protocol.CriterionKind.INCLUSION.value: _("inclusion"),
    protocol.CriterionKind.EXCLUSION.value: _("exclusion"),
}


class ScreeningForm(forms.Form):
    """Screen a new patient (with `sites`) or correct a screening (with `patient`)."""

    def __init__(self, *args: Any, sites=None, patient: Patient | None = None, **kwargs: Any):
        self.patient = patient
        if patient is not None and "initial" not in kwargs:
            kwargs["initial"] = self._initial_from(patient)
        super().__init__(*args, **kwargs)
        if patient is None:
            self.fields["site"] = forms.ModelChoiceField(
                queryset=sites if sites is not None else Site.objects.none(),
                empty_label=None,
                to_field_name="number",
                label=_("Site"),
            )
        self.fields.update(
            forms.fields_for_model(Patient, fields=["sex", "year_of_birth"], labels=_LABELS)
        )
        model_fields = [f for f in SCREENING_FIELDS if f != "mutations"]
        self.fields.update(
            forms.fields_for_model(
                Screening,
                fields=model_fields,
                labels=_LABELS,
                field_classes={name: TrialDateField for name in rules.ALL_DATES},
            )
        )
        self.fields["note"].widget = forms.Textarea(attrs={"rows": 2})
        for item in protocol.ELIGIBILITY_CRITERIA:
            self.fields[rules.criterion_field(item.code)] = forms.ChoiceField(
                label=_(item.text),
                choices=_YES_NO,
                widget=forms.RadioSelect,
                help_text=KIND_LABELS[item.kind.value],
            )
        for gene in protocol.MUTATION_GENES:
            self.fields[rules.mutation_field(gene)] = forms.ChoiceField(
                label=gene,
                choices=protocol.MutationResult.choices,
                initial=protocol.MutationResult.NOT_TESTED,
            )
        if patient is not None:
            # The version the editor saw: a correction saved by someone else meanwhile
            # refuses this one instead of being silently undone by it.
            self.fields["version"] = forms.IntegerField(widget=forms.HiddenInput)
            self.fields["reason"] = forms.CharField(
                label=_("Reason for change"),
                max_length=REASON_MAX_LENGTH,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text=_("Required: kept in the audit trail with the old and new values."),
            )
        # Required-ness of baseline data depends on the outcome: the service decides.
        for name in rules.BASELINE_REQUIRED_FIELDS:
            self.fields[name].required = False

    @staticmethod
    def _initial_from(patient: Patient) -> dict[str, Any]:
        screening = patient.screening
        initial: dict[str, Any] = {
            "sex": patient.sex,
            "year_of_birth": patient.year_of_birth,
            "version": screening.version,
        }
        initial.update({name: getattr(screening, name) for name in SCREENING_FIELDS})
        for answer in screening.answers.all():
            initial[rules.criterion_field(answer.code)] = "yes" if answer.answer else "no"
        for gene, result in (screening.mutations or {}).items():
            initial[rules.mutation_field(gene)] = result
        return initial

    def criteria_fields(self):
        return [self[rules.criterion_field(c.code)] for c in protocol.ELIGIBILITY_CRITERIA]

    def mutation_fields(self):
        return [self[rules.mutation_field(g)] for g in protocol.MUTATION_GENES]

    def answers(self) -> dict[str, bool]:
        return {
            c.code: self.cleaned_data[rules.criterion_field(c.code)] == "yes"
            for c in protocol.ELIGIBILITY_CRITERIA
        }

    def screening_values(self) -> dict[str, Any]:
        values = {name: self.cleaned_data[name] for name in SCREENING_FIELDS if name != "mutations"}
        for name in ("disease_status", "cytogenetic_risk", "eln_risk"):
            values[name] = values[name] or ""
        values["mutations"] = {
            g: self.cleaned_data[rules.mutation_field(g)] for g in protocol.MUTATION_GENES
        }
        return values
