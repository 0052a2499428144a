"""The kinds of record a coordinator enters after randomization, and their services.

Pages and API endpoints both look a kind up here, so each create and correct goes through
the one service that holds its rules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Model

from visits import services
from visits.models import (
    AdverseEvent,
    EndOfTreatment,
    OffStudy,
    ResponseAssessment,
    Transplant,
    TreatmentCycle,
)


@dataclass(frozen=True)
class RecordKind:
    name: str  # as in URLs: cycles, responses, ...
    title: str
    model: type[Model]
    fields: tuple[str, ...]
    create: Callable[..., Model]
    update: Callable[..., Model]
    record_argument: str  # the update service's keyword for the record
    single: bool = False  # one per patient (transplant, end of treatment, off study)


RECORD_KINDS: dict[str, RecordKind] = {
    kind.name: kind
    for kind in (
        RecordKind(
            "cycles",
            "Treatment cycle",
            TreatmentCycle,
            services.CYCLE_FIELDS,
            services.cycle_record,
            services.cycle_update,
            "cycle",
        ),
        RecordKind(
            "responses",
            "Response assessment",
            ResponseAssessment,
            services.RESPONSE_FIELDS,
            services.response_record,
            services.response_update,
            "assessment",
        ),
        RecordKind(
            "transplant",
            "Allo-HSCT",
            Transplant,
            services.TRANSPLANT_FIELDS,
            services.transplant_record,
            services.transplant_update,
            "transplant",
            single=True,
        ),
        RecordKind(
            "end-of-treatment",
            "End of treatment",
            EndOfTreatment,
            services.END_OF_TREATMENT_FIELDS,
            services.end_of_treatment_record,
            services.end_of_treatment_update,
            "eot",
            single=True,
        ),
        RecordKind(
            "adverse-events",
            "Adverse event",
            AdverseEvent,
            services.ADVERSE_EVENT_FIELDS,
            services.adverse_event_record,
            services.adverse_event_update,
            "event",
        ),
        RecordKind(
            "off-study",
            "Off study (death, withdrawal, lost to follow-up)",
            OffStudy,
            services.OFF_STUDY_FIELDS,
            services.off_study_record,
            services.off_study_update,
            "off_study",
            single=True,
        ),
    )
}
