"""Writes about treatment, response, transplant, end of treatment, follow-up and safety.

Each function locks the patient, runs the protocol's edit checks against the stored
records, and saves atomically: a refusal names the field and the rule, and nothing is
half-saved. Corrections go through `record_update` (reason for change + version check).

One module per kind of record; the fields each takes come from its declaration in
visits/crfs.py, and every entry passes the same field validation first (entry.py).
Callers use this package: `from visits import services; services.cycle_record(...)`.
"""

from __future__ import annotations

from visits.services.adverse_events import (
    adverse_event_record,
    adverse_event_review,
    adverse_event_update,
)
from visits.services.cycles import cycle_record, cycle_update
from visits.services.deviations import deviation_randomized_ineligible_check
from visits.services.end_of_study import end_of_study_close_out
from visits.services.end_of_treatment import end_of_treatment_record, end_of_treatment_update
from visits.services.follow_up import (
    first_randomization_on,
    followup_schedule_build,
    followup_visit_miss,
    followup_visit_record,
)
from visits.services.mrd import mrd_record, mrd_update
from visits.services.off_study import off_study_record, off_study_update
from visits.services.responses import response_record, response_update
from visits.services.transplant import transplant_record, transplant_update
from visits.services.transplant_events import transplant_event_record, transplant_event_update

__all__ = [
    "adverse_event_record",
    "adverse_event_review",
    "adverse_event_update",
    "cycle_record",
    "cycle_update",
    "deviation_randomized_ineligible_check",
    "end_of_study_close_out",
    "end_of_treatment_record",
    "end_of_treatment_update",
    "first_randomization_on",
    "followup_schedule_build",
    "followup_visit_miss",
    "followup_visit_record",
    "mrd_record",
    "mrd_update",
    "off_study_record",
    "off_study_update",
    "response_record",
    "response_update",
    "transplant_event_record",
    "transplant_event_update",
    "transplant_record",
    "transplant_update",
]
