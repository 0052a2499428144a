"""The statistician's two forms: the plan, and the next look. They parse; services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.records import REASON_MAX_LENGTH
from casebook.date_inputs import TrialDateField
from endpoints.models import AnalysisRun
from interim.models import Sidedness, SpendingFunction


class FractionsField(forms.Field):
    """Information fractions typed as "0.33, 0.67, 1"."""

    def to_python(self, value: Any) -> list[float]:
        text = str(value or "")
        if len(text) > 200:
            raise forms.ValidationError(_("Type at most %(max)s characters.") % {"max": 200})
        try:
            return [float(part) for part in text.replace(";", ",").split(",") if part.strip()]
        except ValueError as error:
            raise forms.ValidationError(
                _("Type the fractions as numbers separated by commas, e.g. 0.33, 0.67, 1.")
            ) from error


class InterimPlanForm(forms.Form):
    planned_deaths = forms.IntegerField(
        label=gettext_lazy("Deaths planned for the final analysis"), min_value=1, max_value=100000
    )
    planned_fractions = FractionsField(
        label=gettext_lazy("Planned looks (information fractions)"),
        help_text=gettext_lazy("Increasing, the last 1: e.g. 0.33, 0.67, 1."),
    )
    spending = forms.ChoiceField(
        label=gettext_lazy("Alpha spending"), choices=SpendingFunction.choices
    )
    alpha = forms.FloatField(
        label=gettext_lazy("Alpha"), min_value=0.0001, max_value=0.2, initial=0.025
    )
    sided = forms.TypedChoiceField(
        label=gettext_lazy("Test"),
        choices=Sidedness.choices,
        coerce=int,
        initial=Sidedness.ONE_SIDED,
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason for the revision"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        help_text=gettext_lazy("Needed to revise a declared plan."),
    )


class AnalysisRunChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        finished = f"{obj.finished_at:%d/%m/%Y %H:%M} UTC" if obj.finished_at else "-"
        return _("cut-off %(cutoff)s · computed %(finished)s · data %(fingerprint)s") % {
            "cutoff": f"{obj.cutoff:%d/%m/%Y}",
            "finished": finished,
            "fingerprint": obj.fingerprint[:10],
        }


class InterimLookForm(forms.Form):
    analysis_run = AnalysisRunChoiceField(
        label=gettext_lazy("Analysis run (cut-off)"),
        queryset=AnalysisRun.objects.none(),
        help_text=gettext_lazy(
            "A finished analysis with the protocol's strata; request one at the cut-off "
            "below if it is not listed."
        ),
    )
    final = forms.BooleanField(
        label=gettext_lazy("This is the final analysis (spend all the alpha left)"), required=False
    )
    reason = forms.CharField(
        label=gettext_lazy("Note"), required=False, max_length=REASON_MAX_LENGTH
    )

    def __init__(self, *args: Any, runs: list[AnalysisRun], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["analysis_run"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = AnalysisRun.objects.filter(pk__in=[run.pk for run in runs]).order_by(
            "-cutoff", "-finished_at"
        )


class AnalysisRequestForm(forms.Form):
    cutoff = TrialDateField(label=gettext_lazy("Data cut-off"))
