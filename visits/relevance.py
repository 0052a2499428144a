"""Which fields of a record form do not concern the patient, by their regimen and arm.

The page leaves those fields out (hidden, not disabled), so a coordinator is not offered an
azacitidine dose for an intensive patient, dexamethasone for a control-arm patient, or a
relatedness to dexamethasone that can only be 'not applicable'. It is presentation only: the
services still refuse such values from any client (visits/services/cycles.py,
adverse_events.py). A field already holding a value is always shown, so a wrong entry can
be seen and corrected. The arm decides only for the roles that enter data, who see their
patient's arm on the same page (the trial is open label): nothing is withheld from them.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model

import protocol
from casebook.declarations import Form
from patients.models import Patient
from visits import crfs
from visits.doses import DOSE_FIELDS
from visits.models import AdverseEvent, TreatmentCycle

_DEXAMETHASONE_FIELDS = {"dexamethasone_given": False, "dexamethasone_mg": None}


def _empty(instance: Model | None, name: str, empty: Any) -> bool:
    return instance is None or getattr(instance, name) in (empty, None)


def _cycle_fields(randomization: Any, instance: Model | None) -> dict[str, Any]:
    plan = protocol.REGIMEN_PLANS[randomization.regimen]
    hidden: dict[str, Any] = {
        field: None
        for drug, field in DOSE_FIELDS.items()
        if drug is not protocol.Drug.DEXAMETHASONE and drug not in plan.drugs
    }
    if randomization.arm != protocol.DEXAMETHASONE_ARM:
        hidden.update(_DEXAMETHASONE_FIELDS)
    return {name: empty for name, empty in hidden.items() if _empty(instance, name, empty)}


def _adverse_event_fields(
    patient: Patient, randomization: Any, instance: Model | None
) -> dict[str, Any]:
    """A control-arm patient who never received dexamethasone: relatedness to it can only
    be 'not applicable' (the service's rule), so it is not asked."""
    if randomization.arm == protocol.DEXAMETHASONE_ARM:
        return {}
    if TreatmentCycle.objects.filter(patient=patient, dexamethasone_given=True).exists():
        return {}
    not_applicable = protocol.Relatedness.NOT_APPLICABLE
    if isinstance(instance, AdverseEvent) and instance.related_to_dexamethasone != not_applicable:
        return {}
    return {"related_to_dexamethasone": not_applicable}


def fields_not_concerning(
    form: Form, patient: Patient, instance: Model | None = None
) -> dict[str, Any]:
    """Return the form's fields that do not concern this patient, each with the value it
    takes when left out (empty, or the only value the rules allow)."""
    randomization = getattr(patient, "randomization", None)
    if randomization is None:
        return {}
    if form is crfs.CYCLE:
        return _cycle_fields(randomization, instance)
    if form is crfs.ADVERSE_EVENT:
        return _adverse_event_fields(patient, randomization, instance)
    return {}
