"""API shapes of the treatment, follow-up and safety records: each declared form's fields
(visits/crfs.py), so a field added to a form is in its API answer."""

from __future__ import annotations

from typing import Any, ClassVar

from rest_framework import serializers

from api.lists import PatientRecordSerializer
from casebook.declarations import Form
from visits import crfs, models


class FormOutput(PatientRecordSerializer):
    # A declared form's record as the API answers it: who (study ID, site), every declared
    # field in the form's order (visits/crfs.py), and its version and times. No docstring:
    # the OpenAPI document describes each output with PatientRecordSerializer's.

    form: ClassVar[Form]
    extra_fields: ClassVar[tuple[str, ...]] = ()  # declared on the serializer, before the form's
    _by_form: ClassVar[dict[str, type[FormOutput]]] = {}

    @classmethod
    def of(cls, form: Form) -> type[FormOutput]:
        """Return the output serializer of a declared form."""
        return cls._by_form[form.name]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        FormOutput._by_form[cls.form.name] = cls
        meta = type(
            "Meta",
            (),
            {
                "model": cls.form.model,
                "fields": [
                    "id",
                    "study_id",
                    "site",
                    *cls.extra_fields,
                    *cls.form.field_names,
                    "version",
                    "created_at",
                    "updated_at",
                ],
            },
        )
        setattr(cls, "Meta", meta)  # noqa: B010 - built from the declaration, not written out


class CycleOutput(FormOutput):
    form = crfs.CYCLE


class ResponseOutput(FormOutput):
    form = crfs.RESPONSE


class TransplantOutput(FormOutput):
    form = crfs.TRANSPLANT


class EndOfTreatmentOutput(FormOutput):
    form = crfs.END_OF_TREATMENT


class FollowUpVisitOutput(FormOutput):
    form = crfs.FOLLOW_UP_VISIT
    extra_fields = ("label",)

    # The visit's name (M3, M6, ...); a serializer's own `label` attribute is its title.
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]


class OffStudyOutput(FormOutput):
    form = crfs.OFF_STUDY

    fatal_adverse_event: serializers.PrimaryKeyRelatedField[models.AdverseEvent] = (
        serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    )


class AdverseEventOutput(FormOutput):
    form = crfs.ADVERSE_EVENT


class DeviationOutput(PatientRecordSerializer):
    cycle = serializers.IntegerField(source="cycle.number", allow_null=True, read_only=True)

    class Meta:
        model = models.ProtocolDeviation
        fields = [
            "id",
            "study_id",
            "site",
            "kind",
            "cycle",
            "description",
            "detected_at",
            "corrected_at",
        ]
