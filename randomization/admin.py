"""Admin for randomizations. Adding one calls the same service as the page and the API.

AllocationSlot has no admin on purpose: the unused allocation list is never shown.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError

import protocol
from patients.models import Patient
from randomization import services
from randomization.models import Randomization


class RandomizationAddForm(forms.ModelForm):
    patient = forms.ModelChoiceField(
        queryset=Patient.objects.filter(screening__outcome="eligible", randomization__isnull=True)
    )
    regimen = forms.ChoiceField(choices=protocol.Regimen.choices)

    class Meta:
        model = Randomization
        fields = ["patient", "regimen"]


@admin.register(Randomization)
class RandomizationAdmin(admin.ModelAdmin):
    list_display = [
        "patient",
        "arm",
        "regimen",
        "stratum",
        "sequence",
        "randomized_at",
        "randomized_by",
    ]
    list_filter = ["arm", "regimen", "patient__site"]
    search_fields = ["patient__study_id"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = RandomizationAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [f.name for f in Randomization._meta.fields]

    def save_model(self, request, obj, form, change):
        if change:
            return
        try:
            created = services.patient_randomize(
                patient=form.cleaned_data["patient"],
                user=request.user,
                regimen=form.cleaned_data["regimen"],
            )
        except (services.AlreadyRandomized, ValidationError, PermissionDenied) as exc:
            messages.error(request, str(exc))
            raise PermissionDenied(str(exc)) from exc
        obj.pk = created.pk

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
