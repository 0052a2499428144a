"""The kinds of record a coordinator enters after randomization, and their services.

Pages and API endpoints both look a kind up here, so each create and correct goes through
the one service that holds its rules. What a kind's form holds (model, fields, labels,
ranges) is its declaration in visits/crfs.py; here is only the link to the services.
(Follow-up visits are planned by the schedule, not created: they have their own pages.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Model

from casebook.declarations import Form
from visits import crfs, services
from visits.services.entry import Saved


@dataclass(frozen=True)
class RecordKind:
    form: Form
    create: Callable[..., Model | Saved[Any]]  # a cycle's services return warnings too
    update: Callable[..., Model | Saved[Any]]
    record_argument: str  # the update service's keyword for the record

    def record(self, **arguments: Any) -> Saved[Model]:
        """Create through the kind's service: the record, and the warnings it raised."""
        return _saved(self.create(**arguments))

    def correct(self, **arguments: Any) -> Saved[Model]:
        """Correct through the kind's service: the record, and the warnings it raised."""
        return _saved(self.update(**arguments))

    @property
    def name(self) -> str:  # as in URLs: cycles, responses, ...
        return self.form.name

    @property
    def title(self) -> str:
        return str(self.form.title)

    @property
    def model(self) -> type[Model]:
        return self.form.model

    @property
    def fields(self) -> tuple[str, ...]:
        """The fields a coordinator types; the services set the others."""
        return self.form.entered_fields

    @property
    def single(self) -> bool:  # one per patient (transplant, end of treatment, off study)
        return self.form.single


def _saved(result: Model | Saved[Any]) -> Saved[Model]:
    return result if isinstance(result, Saved) else Saved(result)


RECORD_KINDS: dict[str, RecordKind] = {
    kind.name: kind
    for kind in (
        RecordKind(crfs.CYCLE, services.cycle_record, services.cycle_update, "cycle"),
        RecordKind(crfs.RESPONSE, services.response_record, services.response_update, "assessment"),
        RecordKind(crfs.MRD, services.mrd_record, services.mrd_update, "mrd"),
        RecordKind(
            crfs.TRANSPLANT, services.transplant_record, services.transplant_update, "transplant"
        ),
        RecordKind(
            crfs.TRANSPLANT_EVENT,
            services.transplant_event_record,
            services.transplant_event_update,
            "event",
        ),
        RecordKind(
            crfs.END_OF_TREATMENT,
            services.end_of_treatment_record,
            services.end_of_treatment_update,
            "eot",
        ),
        RecordKind(
            crfs.ADVERSE_EVENT,
            services.adverse_event_record,
            services.adverse_event_update,
            "event",
        ),
        RecordKind(
            crfs.OFF_STUDY, services.off_study_record, services.off_study_update, "off_study"
        ),
    )
}


def record_kinds_register(*kinds: RecordKind) -> None:
    """Add the record kinds an app above visits declares (from its AppConfig.ready()), so
    the record pages and the API serve them like visits' own: one way in for every form."""
    for kind in kinds:
        if RECORD_KINDS.get(kind.name, kind) is not kind:
            raise ValueError(f"Record kind {kind.name!r} is registered twice.")
        RECORD_KINDS[kind.name] = kind
