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
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING

from django.db.models import (
    BooleanField,
    Case,
    Count,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_lazy, pgettext_lazy

if TYPE_CHECKING:
    # A label may be lazily translated (gettext_lazy): read in the reader's language.
    from django_stubs_ext import StrOrPromise

import protocol
from patients.models import CriterionAnswer, Screening, ScreeningOutcome
from visits.models import TreatmentCycle

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
class PathKind:
    """What a screened patient's records say at the cut-off, as far as the boxes go: every
    patient of one kind follows the same path. The database sorts the patients into kinds
    (_path_kinds); the rules below, in one place, say which boxes a kind goes through."""

    arm: str  # empty when not randomized by the cut-off
    eligible: bool
    refused_consent: bool  # the consent criterion answered "no"
    treated: bool  # at least one cycle started by the cut-off
    dexamethasone_given: bool  # with at least one of those cycles
    off_study: str  # the off-study reason by the cut-off, or ""
    end_of_treatment: str  # the end-of-treatment reason by the cut-off, or ""

    def boxes(self) -> frozenset[str]:
        boxes = {"assessed"}
        if not self.arm:
            boxes.add("excluded")
            if self.eligible:
                boxes.add("excluded-other")
            elif self.refused_consent:
                boxes.add("excluded-declined")
            else:
                boxes.add("excluded-criteria")
        else:
            boxes |= {"randomized", "allocated", "analysed"}
            boxes |= _treatment_boxes(
                self.arm, self.treated, self.dexamethasone_given, self.off_study
            )
            boxes |= _follow_up_boxes(self.off_study, self.end_of_treatment)
        return frozenset(boxes)


@dataclass(frozen=True)
class PatientPath:
    """One screened patient's way through the boxes at the cut-off."""

    patient_id: int
    study_id: str
    site_id: int
    arm: str  # empty when not randomized by the cut-off
    boxes: frozenset[str]


@dataclass(frozen=True)
class PathTally:
    """How many screened patients follow one path (in one arm)."""

    arm: str
    boxes: frozenset[str]
    n: int


@dataclass(frozen=True)
class ConsortFlow:
    """The flow at a cut-off as the number of patients on each path: what the counts, the
    figure and its fingerprint read. The patients behind a count are read when asked
    (members)."""

    cutoff: dt.date
    tallies: tuple[PathTally, ...]

    def members(self, key: str, arm: str | None = None) -> list[PatientPath]:
        """Return the paths through a box (in one arm, if given), in study-ID order (one
        query)."""
        return [
            p
            for p in consort_paths(self.cutoff)
            if key in p.boxes and (arm is None or p.arm == arm)
        ]

    def count(self, key: str, arm: str | None = None) -> int:
        return sum(t.n for t in self.tallies if key in t.boxes and (arm is None or t.arm == arm))

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


def _treatment_boxes(
    arm: str, treated: bool, dexamethasone_given: bool, off_study: str
) -> set[str]:
    if treated:
        as_allocated = dexamethasone_given if arm == protocol.Arm.DEX else not dexamethasone_given
        return {"received"} if as_allocated else {"not-received", "not-received-dexamethasone"}
    return {"not-received", _NOT_TREATED_BECAUSE.get(off_study, "not-received-waiting")}


def _follow_up_boxes(off_study: str, end_of_treatment: str) -> set[str]:
    boxes = {_FOLLOW_UP_BOX[off_study]} if off_study in _FOLLOW_UP_BOX else set()
    if end_of_treatment and end_of_treatment not in TREATMENT_COMPLETED:
        boxes |= {"discontinued", f"discontinued-{end_of_treatment}"}
    return boxes


_KIND_FIELDS = tuple(f.name for f in fields(PathKind))


def _dated_by(cutoff: dt.date, value: str, date: str) -> Case:
    """`value` of a patient's one-to-one record (joined, if any), if dated by the cut-off."""
    return Case(When(**{f"{date}__lte": cutoff}, then=F(value)), default=Value(""))


def _path_kinds(cutoff: dt.date) -> QuerySet[Screening]:
    """Every patient screened by the cut-off with what decides their path, read by the
    database: the randomization (dated in the trial's time zone), off-study and end of
    treatment joined, the consent answer and the cycles looked up in one pass each.
    Joins rather than a lookup per patient: the plan stays cheap enough for PostgreSQL not
    to compile it (JIT), which took longer than the query at 10,000 patients."""
    cycles = TreatmentCycle.objects.filter(started_on__lte=cutoff).values("patient_id")
    return (
        Screening.objects.filter(screened_on__lte=cutoff)
        .order_by()
        .annotate(
            arm=_dated_by(
                cutoff, "patient__randomization__arm", "patient__randomization__randomized_at__date"
            ),
            eligible=ExpressionWrapper(
                Q(outcome=ScreeningOutcome.ELIGIBLE), output_field=BooleanField()
            ),
            refused_consent=ExpressionWrapper(
                Q(
                    pk__in=CriterionAnswer.objects.filter(
                        code=CONSENT_CRITERION_CODE, answer=False
                    ).values("screening_id")
                ),
                output_field=BooleanField(),
            ),
            treated=ExpressionWrapper(Q(patient_id__in=cycles), output_field=BooleanField()),
            dexamethasone_given=ExpressionWrapper(
                Q(patient_id__in=cycles.filter(dexamethasone_given=True)),
                output_field=BooleanField(),
            ),
            off_study=_dated_by(
                cutoff, "patient__off_study__reason", "patient__off_study__event_on"
            ),
            end_of_treatment=_dated_by(
                cutoff, "patient__end_of_treatment__reason", "patient__end_of_treatment__ended_on"
            ),
        )
    )


def consort_flow(cutoff: dt.date) -> ConsortFlow:
    """Return the number of screened patients on each path at the cut-off: one query, the
    database counting the patients of each kind, whatever the trial's size."""
    kinds = _path_kinds(cutoff).values(*_KIND_FIELDS).annotate(n=Count("pk"))
    tallies = []
    for row in kinds:
        n = row.pop("n")
        kind = PathKind(**row)
        tallies.append(PathTally(arm=kind.arm, boxes=kind.boxes(), n=n))
    # In a fixed order, so that equal flows are equal objects.
    tallies.sort(key=lambda t: (t.arm, sorted(t.boxes)))
    return ConsortFlow(cutoff=cutoff, tallies=tuple(tallies))


def consort_paths(cutoff: dt.date) -> list[PatientPath]:
    """Return every screened patient's path at the cut-off, in study-ID order (one query)."""
    rows = (
        _path_kinds(cutoff)
        .order_by("patient__study_id")
        .values_list("patient_id", "patient__study_id", "patient__site_id", *_KIND_FIELDS)
    )
    kinds: dict[tuple, tuple[PathKind, frozenset[str]]] = {}  # the rules once per kind
    paths = []
    for patient_id, study_id, site_id, *values in rows:
        key = tuple(values)
        if key not in kinds:
            kind = PathKind(*key)
            kinds[key] = (kind, kind.boxes())
        kind, boxes = kinds[key]
        paths.append(
            PatientPath(
                patient_id=patient_id, study_id=study_id, site_id=site_id, arm=kind.arm, boxes=boxes
            )
        )
    return paths
