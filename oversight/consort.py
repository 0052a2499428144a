"""The CONSORT 2025 flow of the trial at a cut-off, counted from the live records.

Every patient screened by the cut-off follows one path through the boxes; a box's count is
the number of paths through it, so its list (the study IDs behind the count) is the same
selection. What the protocol's records decide, box by box:

- assessed for eligibility: screened on or before the cut-off;
- excluded: screened but not randomized by the cut-off. A screen failure whose checklist
  says consent was not given declined to participate; any other screen failure did not meet
  the criteria; an eligible patient not (yet) randomized by the cut-off is "other reasons";
- allocated: the randomization's arm (dated in the trial's time zone);
- received the allocated intervention: at least one cycle started by the cut-off and, in the
  dexamethasone arm, dexamethasone given with at least one cycle; in the control arm, none
  with any cycle. A control patient who received dexamethasone did not receive the allocated
  intervention (the major deviation `dex_given_to_control`), nor did a dexamethasone-arm
  patient never given it. Without a cycle, the reason is the off-study event before
  treatment (death, consent withdrawn, lost), or none yet;
- follow-up: lost to follow-up, consent withdrawn, died (off-study events by the cut-off);
  discontinued the intervention: an end of treatment for any reason but completion per
  protocol or an allo-HSCT (the protocol's way out of treatment in response);
- analysed: every randomized patient (intention to treat); excluded from analysis: none.

Outcomes imported from a legacy system (endpoints.ImportedOutcome) have no screening or
treatment records: they are not in the flow.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_lazy, pgettext_lazy

if TYPE_CHECKING:
    # A label may be lazily translated (gettext_lazy): read in the reader's language.
    from django_stubs_ext import StrOrPromise

import protocol
from patients.models import CriterionAnswer, Screening, ScreeningOutcome
from randomization.models import Randomization
from visits.models import EndOfTreatment, OffStudy, TreatmentCycle

ARMS: tuple[str, ...] = tuple(protocol.Arm.values)
CONSENT_CRITERION_CODE = "INC_CONSENT"
# Ways out of treatment that are not a discontinuation of the intervention.
TREATMENT_COMPLETED = (
    protocol.EndOfTreatmentReason.COMPLETED,
    protocol.EndOfTreatmentReason.HSCT,
)
DISCONTINUATION_REASONS = tuple(
    r for r in protocol.EndOfTreatmentReason if r not in TREATMENT_COMPLETED
)


@dataclass(frozen=True)
class ConsortBox:
    """One count of the diagram: its key (in the list's URL), its label, its stage, and
    whether the unblinded diagram counts it per arm. `arm_labels` name a count differently
    in one arm's column (what "not as allocated" means there)."""

    key: str
    label: StrOrPromise
    stage: StrOrPromise
    per_arm: bool = True
    arm_labels: dict[str, StrOrPromise] = field(default_factory=dict)
    parent: str = ""

    def label_for(self, arm: str | None) -> StrOrPromise:
        return self.arm_labels.get(arm or "", self.label)


ENROLMENT, ALLOCATION, FOLLOW_UP, ANALYSIS = (
    gettext_lazy("Enrolment"),
    gettext_lazy("Allocation"),
    gettext_lazy("Follow-up"),
    gettext_lazy("Analysis"),
)


def _allocated_to(arm: str) -> str:
    return gettext("Allocated to %(arm)s") % {"arm": str(protocol.Arm(arm).label).lower()}


# The label of the allocation box in one arm's column, in the reader's language when shown.
_allocated_to_lazy = lazy(_allocated_to, str)

BOXES: tuple[ConsortBox, ...] = (
    ConsortBox("assessed", gettext_lazy("Assessed for eligibility"), ENROLMENT, per_arm=False),
    ConsortBox(
        "excluded", pgettext_lazy("CONSORT box: patients", "Excluded"), ENROLMENT, per_arm=False
    ),
    ConsortBox(
        "excluded-criteria",
        gettext_lazy("Not meeting eligibility criteria"),
        ENROLMENT,
        per_arm=False,
        parent="excluded",
    ),
    ConsortBox(
        "excluded-declined",
        gettext_lazy("Declined to participate (no consent)"),
        ENROLMENT,
        per_arm=False,
        parent="excluded",
    ),
    ConsortBox(
        "excluded-other",
        gettext_lazy("Other reasons (eligible, not randomized)"),
        ENROLMENT,
        per_arm=False,
        parent="excluded",
    ),
    ConsortBox(
        "randomized", pgettext_lazy("CONSORT box: patients", "Randomized"), ENROLMENT, per_arm=False
    ),
    ConsortBox(
        "allocated",
        pgettext_lazy("CONSORT box: patients", "Allocated"),
        ALLOCATION,
        arm_labels={arm: _allocated_to_lazy(arm) for arm in ARMS},
    ),
    ConsortBox(
        "received",
        gettext_lazy("Received the allocated intervention"),
        ALLOCATION,
        parent="allocated",
    ),
    ConsortBox(
        "not-received",
        gettext_lazy("Did not receive the allocated intervention"),
        ALLOCATION,
        parent="allocated",
    ),
    ConsortBox(
        "not-received-died",
        gettext_lazy("died before treatment"),
        ALLOCATION,
        parent="not-received",
    ),
    ConsortBox(
        "not-received-withdrew",
        gettext_lazy("withdrew consent before treatment"),
        ALLOCATION,
        parent="not-received",
    ),
    ConsortBox(
        "not-received-lost",
        gettext_lazy("lost to follow-up before treatment"),
        ALLOCATION,
        parent="not-received",
    ),
    ConsortBox(
        "not-received-waiting",
        gettext_lazy("no cycle started by the cut-off"),
        ALLOCATION,
        parent="not-received",
    ),
    ConsortBox(
        "not-received-dexamethasone",
        gettext_lazy("dexamethasone not as allocated"),
        ALLOCATION,
        parent="not-received",
        arm_labels={
            protocol.Arm.DEX.value: gettext_lazy("no dexamethasone given"),
            protocol.Arm.CONTROL.value: gettext_lazy("received dexamethasone (deviation)"),
        },
    ),
    ConsortBox("lost", pgettext_lazy("CONSORT box: patients", "Lost to follow-up"), FOLLOW_UP),
    ConsortBox("withdrew", pgettext_lazy("CONSORT box: patients", "Withdrew consent"), FOLLOW_UP),
    ConsortBox("died", pgettext_lazy("CONSORT box: patients", "Died"), FOLLOW_UP),
    ConsortBox("discontinued", gettext_lazy("Discontinued the intervention"), FOLLOW_UP),
    *(
        ConsortBox(f"discontinued-{reason.value}", reason.label, FOLLOW_UP, parent="discontinued")
        for reason in DISCONTINUATION_REASONS
    ),
    ConsortBox("analysed", gettext_lazy("Analysed (intention to treat)"), ANALYSIS),
    ConsortBox("excluded-from-analysis", gettext_lazy("Excluded from analysis"), ANALYSIS),
)
BOXES_BY_KEY: dict[str, ConsortBox] = {box.key: box for box in BOXES}


@dataclass(frozen=True)
class PatientPath:
    """One screened patient's way through the boxes at the cut-off."""

    patient_id: int
    study_id: str
    site_id: int
    arm: str  # empty when not randomized by the cut-off
    boxes: frozenset[str]


@dataclass(frozen=True)
class ConsortFlow:
    cutoff: dt.date
    paths: tuple[PatientPath, ...]

    def members(self, key: str, arm: str | None = None) -> list[PatientPath]:
        """Return the paths through a box (in one arm, if given), in study-ID order."""
        return [p for p in self.paths if key in p.boxes and (arm is None or p.arm == arm)]

    def count(self, key: str, arm: str | None = None) -> int:
        return len(self.members(key, arm))

    def counts(self, *, by_arm: bool) -> dict[str, dict[str, int]]:
        """Return {box: {"all": n}} pooled, or with each arm's n beside it for the
        per-arm boxes."""
        table: dict[str, dict[str, int]] = {}
        for box in BOXES:
            row = {"all": self.count(box.key)}
            if by_arm and box.per_arm:
                row.update({arm: self.count(box.key, arm) for arm in ARMS})
            table[box.key] = row
        return table

    def fingerprint(self, *, by_arm: bool) -> str:
        """SHA-256 of what a drawing of the flow shows: same fingerprint, same figure."""
        payload = {
            "cutoff": self.cutoff.isoformat(),
            "by_arm": by_arm,
            "counts": self.counts(by_arm=by_arm),
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _by_patient(rows: Iterable[tuple[int, bool]]) -> dict[int, list[bool]]:
    found: dict[int, list[bool]] = {}
    for patient_id, value in rows:
        found.setdefault(patient_id, []).append(value)
    return found


# The off-study event that explains why a randomized patient started no cycle.
_NOT_TREATED_BECAUSE: dict[str, str] = {
    protocol.OffStudyReason.DEATH: "not-received-died",
    protocol.OffStudyReason.CONSENT_WITHDRAWN: "not-received-withdrew",
    protocol.OffStudyReason.LOST_TO_FOLLOW_UP: "not-received-lost",
}
_FOLLOW_UP_BOX: dict[str, str] = {
    protocol.OffStudyReason.LOST_TO_FOLLOW_UP: "lost",
    protocol.OffStudyReason.CONSENT_WITHDRAWN: "withdrew",
    protocol.OffStudyReason.DEATH: "died",
}


def _treatment_boxes(arm: str, dexamethasone: list[bool], off_study: str) -> set[str]:
    if dexamethasone:
        given = any(dexamethasone)
        as_allocated = given if arm == protocol.Arm.DEX else not given
        return {"received"} if as_allocated else {"not-received", "not-received-dexamethasone"}
    return {"not-received", _NOT_TREATED_BECAUSE.get(off_study, "not-received-waiting")}


def _follow_up_boxes(off_study: str, end_of_treatment: str) -> set[str]:
    boxes = {_FOLLOW_UP_BOX[off_study]} if off_study in _FOLLOW_UP_BOX else set()
    if end_of_treatment and end_of_treatment not in TREATMENT_COMPLETED:
        boxes |= {"discontinued", f"discontinued-{end_of_treatment}"}
    return boxes


def consort_flow(cutoff: dt.date) -> ConsortFlow:
    """Return every screened patient's path at the cut-off (six queries, whatever the size)."""
    screenings = list(
        Screening.objects.filter(screened_on__lte=cutoff)
        .select_related("patient")
        .order_by("patient__study_id")
    )
    ids = [s.patient_id for s in screenings]
    refused_consent = set(
        CriterionAnswer.objects.filter(
            screening__patient_id__in=ids, code=CONSENT_CRITERION_CODE, answer=False
        ).values_list("screening__patient_id", flat=True)
    )
    arms = {
        patient_id: arm
        for patient_id, arm, at in Randomization.objects.filter(patient_id__in=ids).values_list(
            "patient_id", "arm", "randomized_at"
        )
        if timezone.localtime(at).date() <= cutoff
    }
    randomized = list(arms)
    dexamethasone = _by_patient(
        TreatmentCycle.objects.filter(
            patient_id__in=randomized, started_on__lte=cutoff
        ).values_list("patient_id", "dexamethasone_given")
    )
    off_study = dict(
        OffStudy.objects.filter(patient_id__in=randomized, event_on__lte=cutoff).values_list(
            "patient_id", "reason"
        )
    )
    ended = dict(
        EndOfTreatment.objects.filter(patient_id__in=randomized, ended_on__lte=cutoff).values_list(
            "patient_id", "reason"
        )
    )
    paths = []
    for screening in screenings:
        pid = screening.patient_id
        boxes = {"assessed"}
        arm = arms.get(pid, "")
        if not arm:
            boxes.add("excluded")
            if screening.outcome == ScreeningOutcome.ELIGIBLE:
                boxes.add("excluded-other")
            elif pid in refused_consent:
                boxes.add("excluded-declined")
            else:
                boxes.add("excluded-criteria")
        else:
            boxes |= {"randomized", "allocated", "analysed"}
            boxes |= _treatment_boxes(arm, dexamethasone.get(pid, []), off_study.get(pid, ""))
            boxes |= _follow_up_boxes(off_study.get(pid, ""), ended.get(pid, ""))
        paths.append(
            PatientPath(
                patient_id=pid,
                study_id=screening.patient.study_id,
                site_id=screening.patient.site_id,
                arm=arm,
                boxes=frozenset(boxes),
            )
        )
    return ConsortFlow(cutoff=cutoff, paths=tuple(paths))
