"""API shapes of the treatment, follow-up and safety records: each declared form's fields
(visits/crfs.py), so a field added to a form is in its API answer; the values computed when
read (an adverse event's TEAE flag) follow them. An entry or a correction is answered with
the record and the warnings its values raised (`warnings`)."""

from __future__ import annotations

from functools import cached_property
from typing import Any, ClassVar

from django.db.models import Model
from rest_framework import serializers

from api.lists import PatientRecordSerializer
from casebook.declarations import Form
from randomization.blinding import arms_visible_to
from visits import crfs, models

# The API field of a value computed when read, by its declared type (read-only).
_COMPUTED_FIELDS: dict[str, type[serializers.Field]] = {
    "boolean": serializers.BooleanField,
    "integer": serializers.IntegerField,
    "date": serializers.DateField,
    "text": serializers.CharField,
}
WARNINGS_HELP = (
    "What to check in the values just saved (a dose off the regimen's planned dose, "
    "dexamethasone against the patient's arm): saved all the same. Empty when none."
)


class FormOutput(PatientRecordSerializer):
    # A declared form's record as the API answers it: who (study ID, site), every declared
    # field in the form's order (visits/crfs.py), and its version and times. No docstring:
    # the OpenAPI document describes each output with PatientRecordSerializer's.

    form: ClassVar[Form]
    extra_fields: ClassVar[tuple[str, ...]] = ()  # declared on the serializer, before the form's
    answers_saving: ClassVar[bool] = False  # the answer to an entry: with its `warnings`
    _by_form: ClassVar[dict[str, type[FormOutput]]] = {}
    _answers: ClassVar[dict[str, type[FormOutput]]] = {}

    @classmethod
    def of(cls, form: Form) -> type[FormOutput]:
        """Return the output serializer of a declared form."""
        return cls._by_form[form.name]

    @classmethod
    def answer_of(cls, form: Form) -> type[FormOutput]:
        """Return the answer to an entry or a correction of a form: its output, with the
        warnings the saved values raised (read from the serializer's context)."""
        if form.name not in cls._answers:
            output = cls.of(form)
            name = output.__name__.removesuffix("Output") + "Saved"
            cls._answers[form.name] = type(name, (output, _Warnings), {"answers_saving": True})
        return cls._answers[form.name]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.answers_saving:
            FormOutput._by_form[cls.form.name] = cls
        for value in cls.form.computed:
            cls._declared_fields[value.name] = _COMPUTED_FIELDS[value.data_type](
                read_only=True, help_text=value.help_text
            )
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
                    *cls.form.computed_names,
                    "version",
                    "created_at",
                    "updated_at",
                    *(["warnings"] if cls.answers_saving else []),
                ],
                # Left out of a blinded reader's lists: optional in the documented answer.
                "extra_kwargs": {
                    name: {"required": False} for name in cls.form.arm_revealing_fields
                },
            },
        )
        setattr(cls, "Meta", meta)  # noqa: B010 - built from the declaration, not written out

    def to_representation(self, instance: Model) -> dict[str, Any]:
        data = super().to_representation(instance)
        if self._arms_withheld:
            for name in self.form.arm_revealing_fields:
                data.pop(name, None)
        return data

    @cached_property
    def _arms_withheld(self) -> bool:
        """In a list of records (many patients'), what tells the arm (declared `reveals_arm`:
        dexamethasone) is withheld from a reader who may not see arms joined to outcomes
        (randomization.blinding); one record answered to the coordinator who entered it
        keeps it. Asked once per list, not per row."""
        if not isinstance(self.parent, serializers.ListSerializer):
            return False
        request = self.context.get("request")
        return request is None or not arms_visible_to(request.user)


class _Warnings(serializers.Serializer):
    # The warnings an entry raised, given by the view in the context: {"warnings": [...]}.
    warnings = serializers.SerializerMethodField(help_text=WARNINGS_HELP)

    def get_warnings(self, record: Model) -> list[str]:
        return list(self.context.get("warnings", ()))


class CycleOutput(FormOutput):
    form = crfs.CYCLE


class ResponseOutput(FormOutput):
    form = crfs.RESPONSE


class MrdOutput(FormOutput):
    form = crfs.MRD


class TransplantOutput(FormOutput):
    form = crfs.TRANSPLANT


class TransplantEventOutput(FormOutput):
    form = crfs.TRANSPLANT_EVENT


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


# The deviations whose kind tells the arm (dexamethasone given in the control arm, missing
# in the dexamethasone arm): a blinded reader's list shows them as one kind, which does not.
ARM_REVEALING_DEVIATIONS = frozenset(
    {models.ProtocolDeviation.Kind.DEX_GIVEN_TO_CONTROL, models.ProtocolDeviation.Kind.DEX_MISSING}
)
DEX_NOT_AS_RANDOMIZED = "dex_not_as_randomized"


class DeviationOutput(PatientRecordSerializer):
    cycle = serializers.IntegerField(source="cycle.number", allow_null=True, read_only=True)
    kind = serializers.ChoiceField(
        [
            *models.ProtocolDeviation.Kind.choices,
            (DEX_NOT_AS_RANDOMIZED, "Dexamethasone not as randomized (arm withheld)"),
        ],
        read_only=True,
        help_text="What departed from the protocol. A reader who may not see the arms gets "
        "the two dexamethasone kinds as one, which does not tell the arm.",
    )

    def to_representation(self, instance: Model) -> dict[str, Any]:
        data = super().to_representation(instance)
        if data["kind"] in ARM_REVEALING_DEVIATIONS and self._arms_withheld:
            data["kind"] = DEX_NOT_AS_RANDOMIZED
            number = data["cycle"]
            # None: a concomitant medication's dexamethasone (medications/services.py).
            where = f"Cycle {number}: d" if number is not None else "D"
            data["description"] = (
                f"{where}examethasone not as randomized (which way is withheld while the "
                "trial is blinded)."
            )
        return data

    @cached_property
    def _arms_withheld(self) -> bool:
        request = self.context.get("request")
        return request is None or not arms_visible_to(request.user)

    class Meta:
        model = models.ProtocolDeviation
        fields = [
            "id",
            "study_id",
            "site",
            "kind",
            "severity",
            "cycle",
            "description",
            "detected_at",
            "corrected_at",
        ]
