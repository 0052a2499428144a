"""The assessment form (one set of fields per suspect drug) and the regulators' report forms:
they parse what was typed; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.records import REASON_MAX_LENGTH
from casebook.date_inputs import TrialDateField, TrialDateTimeField
from pharmacovigilance.case_file import SuspectDrugLine
from pharmacovigilance.classification import Expectedness, SponsorCausality
from pharmacovigilance.models import COMMENT_MAX_LENGTH, REASON_LENGTH, Regulator, SponsorAssessment
from pharmacovigilance.services import SYSTEM_ORGAN_CLASSES, DrugOpinion, opinion_field
from protocol.safety import SuspectDrug
from visits.ctcae import CTCAE_TERMS


class AssessmentForm(forms.Form):
    """The sponsor's causality and expectedness for each suspect drug; the expectedness is
    proposed from the RSI in force. A revision asks for its reason and carries the version
    of the assessment the assessor saw."""

    comment = forms.CharField(
        label=gettext_lazy("Sponsor's comment"),
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(
        self,
        *args: Any,
        lines: list[SuspectDrugLine],
        assessment: SponsorAssessment | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lines = lines
        self.revision = assessment is not None
        if assessment is not None:
            self.fields["comment"].initial = assessment.comment
        for line in lines:
            drug, label, row = line.drug.value, line.drug.label, line.assessed
            self.fields[opinion_field(drug, "sponsor_causality")] = forms.ChoiceField(
                label=_("%(drug)s: sponsor's causality") % {"drug": label},
                choices=SponsorCausality.choices,
                widget=forms.RadioSelect,
                initial=row.sponsor_causality if row else None,
            )
            self.fields[opinion_field(drug, "sponsor_disagreement")] = forms.CharField(
                label=_("%(drug)s: why the sponsor disagrees with the investigator")
                % {"drug": label},
                required=False,
                max_length=REASON_LENGTH,
                initial=row.sponsor_disagreement if row else "",
                help_text=_(
                    "Needed only for 'not related' against a related investigator "
                    "opinion: both opinions are kept and reported."
                ),
            )
            self.fields[opinion_field(drug, "expectedness")] = forms.ChoiceField(
                label=_("%(drug)s: expectedness") % {"drug": label},
                choices=Expectedness.choices,
                widget=forms.RadioSelect,
                initial=row.expectedness if row else line.proposed,
                help_text=_("Proposed from the RSI in force: %(expectedness)s.")
                % {"expectedness": line.proposed.label}
                if line.proposed
                else _("No RSI in force."),
            )
            self.fields[opinion_field(drug, "expectedness_override")] = forms.CharField(
                label=_("%(drug)s: why the expectedness differs from the RSI's") % {"drug": label},
                required=False,
                max_length=REASON_LENGTH,
                initial=row.expectedness_override if row else "",
            )
        if self.revision:
            self.fields["version"] = forms.IntegerField(
                widget=forms.HiddenInput, initial=assessment.version if assessment else None
            )
            self.fields["reason"] = forms.CharField(
                label=_("Reason for the revision"),
                max_length=REASON_MAX_LENGTH,
                help_text=_("Kept in the audit trail."),
            )

    def opinions(self) -> list[DrugOpinion]:
        data = self.cleaned_data
        return [
            DrugOpinion(
                drug=line.drug.value,
                sponsor_causality=data.get(opinion_field(line.drug.value, "sponsor_causality"))
                or "",
                expectedness=data.get(opinion_field(line.drug.value, "expectedness")) or "",
                expectedness_override=data.get(
                    opinion_field(line.drug.value, "expectedness_override")
                )
                or "",
                sponsor_disagreement=data.get(
                    opinion_field(line.drug.value, "sponsor_disagreement")
                )
                or "",
            )
            for line in self.lines
        ]

    def drug_fields(self) -> list[tuple[SuspectDrugLine, list[forms.BoundField]]]:
        """Each suspect drug's line with its four fields, for the page."""
        names = (
            "sponsor_causality",
            "sponsor_disagreement",
            "expectedness",
            "expectedness_override",
        )
        return [
            (line, [self[opinion_field(line.drug.value, name)] for name in names])
            for line in self.lines
        ]


class RegulatorReportForm(forms.Form):
    """The initial report of a SUSAR to the regulators: when, to whom, their reference."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    reported_at = TrialDateTimeField(
        label=gettext_lazy("Reported on (date and time)"),
        help_text=gettext_lazy("The trial's time (Europe/Paris)."),
    )
    reported_to = forms.ChoiceField(label=gettext_lazy("Reported to"), choices=Regulator.choices)
    reference = forms.CharField(label=gettext_lazy("Regulator's reference"), max_length=100)


class FollowUpReportForm(forms.Form):
    """The day-15 follow-up report of a fatal or life-threatening SUSAR."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    reported_at = TrialDateTimeField(
        label=gettext_lazy("Follow-up reported on (date and time)"),
        help_text=gettext_lazy("The trial's time (Europe/Paris)."),
    )
    reference = forms.CharField(label=gettext_lazy("Regulator's reference"), max_length=100)


class RsiVersionForm(forms.Form):
    """A new version of a drug's reference safety information and its expected reactions."""

    drug = forms.ChoiceField(label=gettext_lazy("Drug"), choices=SuspectDrug.choices)
    document = forms.CharField(
        label=gettext_lazy("Document"),
        max_length=200,
        help_text=gettext_lazy('e.g. "SmPC Dexamethasone Mylan 4 mg, rev. 2024-03"'),
    )
    effective_from = TrialDateField(
        label=gettext_lazy("Effective from"),
        help_text=gettext_lazy("Today at the earliest: an RSI is never retroactive."),
    )
    terms = forms.MultipleChoiceField(
        label=gettext_lazy("Expected reactions (CTCAE v5.0 terms)"),
        required=False,
        choices=[(t.name, t.name) for t in sorted(CTCAE_TERMS, key=lambda t: t.name)],
        widget=forms.CheckboxSelectMultiple,
    )
    system_organ_classes = forms.MultipleChoiceField(
        label=gettext_lazy("Whole system organ classes expected"),
        required=False,
        choices=[(c, c) for c in sorted(SYSTEM_ORGAN_CLASSES)],
        widget=forms.CheckboxSelectMultiple,
    )
