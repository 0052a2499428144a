"""The trial's design as declared, reviewable data (NCT03765541).

Code that screens, randomizes, schedules or analyses reads these objects; it never
repeats a figure of the protocol as a literal. A protocol amendment is a reviewed
change to this module.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from django.db import models
from django.utils.translation import gettext, gettext_noop, pgettext_lazy
from django.utils.translation import gettext_lazy as _

STUDY_ID = "NCT03765541"
STUDY_NAME = "Dexamethasone added to salvage therapy in relapsed/refractory AML"
SPONSOR = "University Hospital, Toulouse"
MINIMUM_AGE_AT_CONSENT = 18


class CriterionKind(StrEnum):
    INCLUSION = "inclusion"
    EXCLUSION = "exclusion"


@dataclass(frozen=True)
class EligibilityCriterion:
    """One line of the eligibility checklist; the answer is yes/no.

    An inclusion criterion must be answered yes (met); an exclusion criterion must be
    answered no (does not apply).
    """

    code: str
    kind: CriterionKind
    # English, as stored with each answer; marked for translation, shown by `label`.
    text: str

    @property
    def label(self) -> str:
        """The criterion's text in the reader's language."""
        return gettext(self.text)

    def is_failed_by(self, answer: bool) -> bool:
        """Return True when this answer makes the patient a screen failure."""
        return answer != (self.kind is CriterionKind.INCLUSION)


ELIGIBILITY_CRITERIA: tuple[EligibilityCriterion, ...] = (
    EligibilityCriterion(
        "INC_AGE",
        CriterionKind.INCLUSION,
        gettext_noop("Aged 18 years or more at informed consent"),
    ),
    EligibilityCriterion(
        "INC_RR_AML",
        CriterionKind.INCLUSION,
        gettext_noop("Relapsed or refractory acute myeloid leukaemia (WHO classification)"),
    ),
    EligibilityCriterion(
        "INC_SALVAGE",
        CriterionKind.INCLUSION,
        gettext_noop(
            "Eligible for salvage therapy with intensive amsacrine-cytarabine or with azacitidine"
        ),
    ),
    EligibilityCriterion(
        "INC_CONSENT",
        CriterionKind.INCLUSION,
        gettext_noop("Written informed consent signed and dated before any study procedure"),
    ),
    EligibilityCriterion(
        "EXC_APL", CriterionKind.EXCLUSION, gettext_noop("Acute promyelocytic leukaemia (APL)")
    ),
    EligibilityCriterion(
        "EXC_STEROID_CONTRAINDICATION",
        CriterionKind.EXCLUSION,
        gettext_noop(
            "Contraindication to corticosteroids (uncontrolled diabetes, uncontrolled infection, "
            "active peptic ulcer, uncontrolled psychiatric disorder)"
        ),
    ),
    EligibilityCriterion(
        "EXC_CNS",
        CriterionKind.EXCLUSION,
        gettext_noop("Active central nervous system involvement"),
    ),
    EligibilityCriterion(
        "EXC_PREGNANCY", CriterionKind.EXCLUSION, gettext_noop("Pregnancy or breast-feeding")
    ),
)
# The criterion whose answer must agree with the recorded age at consent.
AGE_CRITERION_CODE = "INC_AGE"


def criterion(code: str) -> EligibilityCriterion:
    """Return the declared criterion with this code."""
    for item in ELIGIBILITY_CRITERIA:
        if item.code == code:
            return item
    raise KeyError(code)


class Sex(models.TextChoices):
    FEMALE = "F", _("Female")
    MALE = "M", _("Male")


class DiseaseStatus(models.TextChoices):
    PRIMARY_REFRACTORY = "primary_refractory", _("Primary refractory")
    FIRST_RELAPSE = "first_relapse", _("First relapse")
    LATER_RELAPSE = "later_relapse", _("Second or later relapse")
    RELAPSE_AFTER_HSCT = "relapse_after_hsct", _("Relapse after allo-HSCT")

    @property
    def stratum(self) -> str:
        """Return the randomization stratum level: refractory or relapsed."""
        return "refractory" if self is DiseaseStatus.PRIMARY_REFRACTORY else "relapsed"


class CytogeneticRisk(models.TextChoices):
    FAVOURABLE = "favourable", _("Favourable")
    INTERMEDIATE = "intermediate", _("Intermediate")
    ADVERSE = "adverse", _("Adverse")
    UNKNOWN = "unknown", _("Unknown / failed")


class ElnRisk(models.TextChoices):
    FAVOURABLE = "favourable", _("Favourable")
    INTERMEDIATE = "intermediate", _("Intermediate")
    ADVERSE = "adverse", _("Adverse")


class MutationResult(models.TextChoices):
    DETECTED = "detected", _("Detected")
    NOT_DETECTED = "not_detected", _("Not detected")
    NOT_TESTED = "not_tested", _("Not tested")


# Mutations recorded at relapse, in the order the screening form shows them.
MUTATION_GENES: tuple[str, ...] = (
    "FLT3-ITD",
    "FLT3-TKD",
    "NPM1",
    "IDH1",
    "IDH2",
    "TP53",
    "RUNX1",
    "ASXL1",
    "CEBPA",
)


class Regimen(models.TextChoices):
    """Salvage regimen, chosen by the investigator before randomization."""

    INTENSIVE = "intensive", _("Intensive: amsacrine + cytarabine")
    AZACITIDINE = "azacitidine", _("Azacitidine")


class Arm(models.TextChoices):
    DEX = "dex", _("Salvage therapy + dexamethasone")
    CONTROL = "control", _("Salvage therapy alone")


class RandomizationMethod(StrEnum):
    BLOCKS = "blocks"
    MINIMIZATION = "minimization"


# Factors an allocation can be stratified (or minimized) on, and how each is read.
STRATIFICATION_FACTORS: tuple[str, ...] = ("regimen", "site", "disease_status")


@dataclass(frozen=True)
class RandomizationDesign:
    """How patients are allocated: 1:1, DEX vs CONTROL ([setting] in PROTOCOL.md).

    Permuted blocks of randomly varying size within each stratum by default; Pocock-Simon
    minimization (range of counts, with a random element) as the alternative.
    """

    method: RandomizationMethod = RandomizationMethod.BLOCKS
    factors: tuple[str, ...] = ("regimen", "site", "disease_status")
    block_sizes: tuple[int, ...] = (2, 4)
    # Minimization: probability of giving the arm that minimises imbalance.
    minimization_probability: float = 0.8
    arms: tuple[str, ...] = ("dex", "control")

    def problems(self) -> list[str]:
        """Return what makes this design unsafe to run; empty when it is sound."""
        found = []
        unknown = [f for f in self.factors if f not in STRATIFICATION_FACTORS]
        if unknown:
            found.append(
                f"unknown stratification factors {unknown}; known: {list(STRATIFICATION_FACTORS)}"
            )
        if len(set(self.factors)) != len(self.factors):
            found.append("a stratification factor is listed twice")
        if not self.block_sizes or any(
            size <= 0 or size % len(self.arms) for size in self.block_sizes
        ):
            found.append(
                f"block sizes {list(self.block_sizes)} must be positive multiples of "
                f"{len(self.arms)} to keep 1:1 allocation"
            )
        if not 0.5 <= self.minimization_probability <= 1:
            found.append("the minimization probability must lie between 0.5 and 1")
        return found


# --- Treatment ------------------------------------------------------------------------


class CyclePhase(models.TextChoices):
    INDUCTION = "induction", _("Induction")
    CONSOLIDATION = "consolidation", _("Consolidation")
    AZACITIDINE = "azacitidine", _("Azacitidine cycle")


class Drug(models.TextChoices):
    AMSACRINE = "amsacrine", _("Amsacrine")
    CYTARABINE = "cytarabine", _("Cytarabine")
    AZACITIDINE = "azacitidine", _("Azacitidine")
    DEXAMETHASONE = "dexamethasone", _("Dexamethasone")


class ResponseTimepoint(models.TextChoices):
    """Which assessment a response assessment is, recorded with it.

    The protocol evaluates response at one declared point per regimen (PROTOCOL.md: after IC
    induction, after AZA cycle 3): that assessment, and no other, decides induction failure in
    EFS. The other timepoints say where an assessment sits in the patient's course. When each
    one may be dated is `RegimenPlan.evaluation_opens_on` and visits/timepoints.py.
    """

    # The protocol evaluations, one per regimen (RegimenPlan.evaluation); one per patient.
    END_OF_INDUCTION = "end_of_induction", _("End-of-induction evaluation (intensive)")
    POST_CYCLE_3 = "post_cycle_3", _("Post-cycle-3 evaluation (azacitidine)")
    # On treatment after the protocol evaluation: IC consolidation, AZA cycle 4 onwards.
    LATER_CYCLE = "later_cycle", _("Later cycle (on treatment, after the evaluation)")
    # After the end of protocol treatment or the allo-HSCT, whichever first.
    FOLLOW_UP = "follow_up", _("Follow-up (after the end of treatment or allo-HSCT)")
    # Any other time: a day-14 aplasia marrow, an assessment before the evaluation is due,
    # a suspected relapse.
    UNSCHEDULED = "unscheduled", _("Unscheduled (e.g. day-14 marrow)")


@dataclass(frozen=True)
class RegimenPlan:
    """The cycles a salvage regimen allows and when response is assessed.

    The protocol evaluation (`evaluation`) follows cycle `response_after_cycle` once that
    cycle is completed: the day after its recorded end, or, while no end is recorded and the
    regimen has a fixed cycle length (azacitidine: 28 days, a [setting] of PROTOCOL.md), from
    the day that length is over (start + 28 days, the earliest day the next cycle may start).
    An assessment on cycle 3 day 1 is therefore not the post-cycle-3 evaluation. The
    evaluation is dated no later than the day the next cycle starts.
    """

    regimen: Regimen
    drugs: tuple[Drug, ...]
    max_cycles: int | None  # None: cycles go on until progression
    response_after_cycle: int  # the cycle after which response is formally assessed
    evaluation: ResponseTimepoint  # the protocol evaluation that follows that cycle
    cycle_length_days: int | None  # minimum days from one cycle's start to the next
    # The day of the evaluated cycle (its start is day 1) from which an assessment is
    # *proposed* as the protocol evaluation: IC is evaluated at haematological recovery
    # (ELN 2017: usually days 21-42), so a day-14 aplasia marrow is proposed as unscheduled.
    # A coordinator may still record an earlier assessment as the evaluation.
    evaluation_proposed_from_day: int | None = None

    def phase_of(self, number: int) -> CyclePhase:
        if self.regimen is Regimen.AZACITIDINE:
            return CyclePhase.AZACITIDINE
        return CyclePhase.INDUCTION if number == 1 else CyclePhase.CONSOLIDATION

    def evaluation_opens_on(self, started_on: dt.date, ended_on: dt.date | None) -> dt.date | None:
        """Return the first day the protocol evaluation may be dated, given the start and the
        recorded end (None while open) of cycle `response_after_cycle`; None while that cycle
        is open and the regimen has no fixed cycle length (record its end first)."""
        if ended_on is not None:
            return ended_on + dt.timedelta(days=1)
        if self.cycle_length_days:
            return started_on + dt.timedelta(days=self.cycle_length_days)
        return None


REGIMEN_PLANS: dict[str, RegimenPlan] = {
    Regimen.INTENSIVE: RegimenPlan(
        Regimen.INTENSIVE,
        (Drug.AMSACRINE, Drug.CYTARABINE),
        max_cycles=4,
        response_after_cycle=1,
        evaluation=ResponseTimepoint.END_OF_INDUCTION,
        cycle_length_days=None,
        evaluation_proposed_from_day=21,
    ),
    Regimen.AZACITIDINE: RegimenPlan(
        Regimen.AZACITIDINE,
        (Drug.AZACITIDINE,),
        max_cycles=None,
        response_after_cycle=3,
        evaluation=ResponseTimepoint.POST_CYCLE_3,
        cycle_length_days=28,
    ),
}
# The timepoints that are a protocol evaluation; a patient has at most one.
PROTOCOL_EVALUATIONS: tuple[ResponseTimepoint, ...] = tuple(
    plan.evaluation for plan in REGIMEN_PLANS.values()
)
# The arm whose patients must receive dexamethasone with every cycle.
DEXAMETHASONE_ARM = Arm.DEX


class ResponseCategory(models.TextChoices):
    """ELN 2017 / IWG 2003 response categories, best first."""

    CR = "CR", _("Complete remission (CR)")
    CRI = "CRi", _("CR with incomplete haematological recovery (CRi)")
    MLFS = "MLFS", _("Morphologic leukaemia-free state (MLFS)")
    PR = "PR", _("Partial remission (PR)")
    RESISTANT = "resistant", _("Resistant / stable disease")
    PROGRESSION = "progression", _("Progressive disease")
    RELAPSE = "relapse", _("Relapse")


# Thresholds of the response definitions (PROTOCOL.md, Response assessment).
MARROW_BLASTS_REMISSION_BELOW = 5  # %
PR_MARROW_BLASTS_RANGE = (5, 25)  # %, and at least halved from baseline
ANC_RECOVERY_AT_LEAST = 1.0  # ×10⁹/L
PLATELETS_RECOVERY_AT_LEAST = 100  # ×10⁹/L
# Responses after which the disease counts as controlled (allo-HSCT allowed from then on).
DISEASE_CONTROLLED_RESPONSES = (ResponseCategory.CR, ResponseCategory.CRI, ResponseCategory.MLFS)
REMISSION_RESPONSES = (ResponseCategory.CR, ResponseCategory.CRI)
# A "recorded progression": azacitidine is given until progression, so no cycle starts after one.
PROGRESSION_RESPONSES = (ResponseCategory.PROGRESSION, ResponseCategory.RELAPSE)
# Consolidation is for patients in response after the induction: the responses of the overall
# response rate (CR + CRi + MLFS, PROTOCOL.md). A PR, resistant or progressive disease at the
# end-of-induction evaluation is not a response; nor is a relapse or progression since then.
RESPONSES_ALLOWING_CONSOLIDATION = DISEASE_CONTROLLED_RESPONSES


class EndOfTreatmentReason(models.TextChoices):
    COMPLETED = "completed", _("Treatment completed per protocol")
    PROGRESSION = "progression", _("Progression or relapse")
    TOXICITY = "toxicity", _("Toxicity")
    HSCT = "hsct", _("Allo-HSCT")
    WITHDRAWAL = "withdrawal", _("Patient withdrawal")
    DEATH = "death", _("Death")
    INVESTIGATOR = "investigator", _("Investigator decision")


class DonorType(models.TextChoices):
    MATCHED_SIBLING = "matched_sibling", _("Matched related (sibling)")
    MATCHED_UNRELATED = "matched_unrelated", _("Matched unrelated")
    MISMATCHED_UNRELATED = "mismatched_unrelated", _("Mismatched unrelated")
    HAPLOIDENTICAL = "haploidentical", _("Haploidentical")
    CORD_BLOOD = "cord_blood", _("Cord blood")


class Conditioning(models.TextChoices):
    MYELOABLATIVE = "mac", _("Myeloablative")
    REDUCED_INTENSITY = "ric", _("Reduced intensity")
    NON_MYELOABLATIVE = "nma", _("Non-myeloablative")


class GraftSource(models.TextChoices):
    PBSC = "pbsc", _("Peripheral blood stem cells")
    BONE_MARROW = "bm", _("Bone marrow")
    CORD_BLOOD = "cord", _("Cord blood")


class TransplantEventKind(models.TextChoices):
    """What may follow an allo-HSCT: each recorded once it happens, linked to the HSCT it
    follows (the first, or the second once there is one)."""

    SECOND_HSCT = "second_hsct", _("Second allo-HSCT")
    DLI = "dli", _("Donor lymphocyte infusion (DLI)")
    ACUTE_GVHD = "acute_gvhd", _("Acute GVHD")
    CHRONIC_GVHD = "chronic_gvhd", _("Chronic GVHD")


class AcuteGvhdGrade(models.IntegerChoices):
    """Acute GVHD, MAGIC consensus grades (Harris et al. 2016)."""

    I = 1, _("Grade I")  # noqa: E741 - the grade's own name
    II = 2, _("Grade II")
    III = 3, _("Grade III")
    IV = 4, _("Grade IV")


class ChronicGvhdSeverity(models.TextChoices):
    """Chronic GVHD, NIH 2014 global severity."""

    MILD = "mild", _("Mild (NIH)")
    MODERATE = "moderate", _("Moderate (NIH)")
    SEVERE = "severe", _("Severe (NIH)")


class DiseaseStatusAtTransplant(models.TextChoices):
    """The disease at allo-HSCT: controlled (CR, CRi, MLFS) or not (PR, active disease)."""

    CR = "CR", _("Complete remission (CR)")
    CRI = "CRi", _("CR with incomplete haematological recovery (CRi)")
    MLFS = "MLFS", _("Morphologic leukaemia-free state (MLFS)")
    PR = "PR", _("Partial remission (PR)")
    ACTIVE_DISEASE = "active", _("Active disease (resistant, progressive or relapsed)")

    @classmethod
    def of_response(cls, category: str) -> DiseaseStatusAtTransplant:
        """Return the status a response category shows: the remissions as they are, a PR as
        a PR, anything else as active disease."""
        return cls(category) if category in cls.values else cls.ACTIVE_DISEASE


# The protocol allows allo-HSCT "providing the disease is controlled": these statuses only.
DISEASE_CONTROLLED_AT_TRANSPLANT = (
    DiseaseStatusAtTransplant.CR,
    DiseaseStatusAtTransplant.CRI,
    DiseaseStatusAtTransplant.MLFS,
)


class MrdAtTransplant(models.TextChoices):
    NEGATIVE = "negative", _("Negative (< 10⁻³ by flow cytometry)")
    POSITIVE = "positive", _("Positive")
    NOT_DONE = "not_done", _("Not done")


# --- Measurable residual disease (MRD) ---------------------------------------------


class MrdTimepoint(models.TextChoices):
    AFTER_INDUCTION = "after_induction", _("After induction (at the protocol evaluation)")
    BEFORE_CONSOLIDATION = "before_consolidation", _("Before consolidation")
    BEFORE_HSCT = "before_hsct", _("Before allo-HSCT")
    FOLLOW_UP = "follow_up", _("Follow-up")


class MrdMethod(models.TextChoices):
    FLOW = "flow", _("Multiparameter flow cytometry")
    NPM1_QPCR = "npm1_qpcr", _("NPM1 qPCR")
    OTHER = "other", _("Other (specify)")


class MrdResult(models.TextChoices):
    VALUE = "value", _("Detected: a value")
    BELOW_SENSITIVITY = "below_sensitivity", _("Negative below the assay's sensitivity")


# PROTOCOL.md: MRD negativity is < 10⁻³ by flow cytometry (a fraction of the cells counted).
MRD_FLOW_NEGATIVE_BELOW = Decimal("0.001")
# NPM1 qPCR (ELN 2021 MRD recommendations): any detected transcript is MRD positive,
# whatever its level; negative when not detected by an assay at least this sensitive.
MRD_QPCR_SENSITIVITY_AT_LEAST = Decimal("0.001")
# The response assessment an MRD result is read against: the protocol evaluation for an
# after-induction MRD, else the assessment closest in date within this many days.
MRD_MATCHING_RESPONSE_WITHIN_DAYS = 14
# Morphologically active disease (≥ 5% marrow blasts, ELN 2017 "resistant" includes PR):
# an MRD below 10⁻³ of the cells cannot sit beside it.
MORPHOLOGICALLY_ACTIVE_RESPONSES = (
    ResponseCategory.PR,
    ResponseCategory.RESISTANT,
    ResponseCategory.PROGRESSION,
    ResponseCategory.RELAPSE,
)


# --- Protocol deviations --------------------------------------------------------------


class DeviationSeverity(models.TextChoices):
    """Major: may affect the randomized comparison, the primary endpoint or the patient's
    safety (ICH E3 "important" deviations); minor: recorded and reviewed, neither."""

    MAJOR = "major", _("Major")
    MINOR = "minor", _("Minor")


class DeviationKind(models.TextChoices):
    """The departures from the protocol the system finds in the records (never blocking)."""

    DEX_GIVEN_TO_CONTROL = "dex_given_to_control", _("Dexamethasone given in the control arm")
    DEX_MISSING = "dex_missing", _("Dexamethasone not given in the dexamethasone arm")
    RANDOMIZED_INELIGIBLE = "randomized_ineligible", _("Randomized although not eligible")
    TRANSPLANT_UNCONTROLLED = (
        "transplant_uncontrolled",
        _("Allo-HSCT in uncontrolled disease"),
    )
    AZACITIDINE_AFTER_PROGRESSION = (
        "aza_after_progression",
        _("Azacitidine cycle started after recorded progression"),
    )
    CONSOLIDATION_NOT_IN_RESPONSE = (
        "consolidation_no_response",
        _("Consolidation given to a patient not in response"),
    )

    @property
    def severity(self) -> DeviationSeverity:
        return DEVIATION_SEVERITIES[self]


# The severity of each kind, with why; a reclassification is a reviewed change here, and the
# deviations already recorded keep the severity they were found with.
DEVIATION_SEVERITIES: dict[DeviationKind, DeviationSeverity] = {
    # Either arm receiving the other's treatment blurs the randomized comparison.
    DeviationKind.DEX_GIVEN_TO_CONTROL: DeviationSeverity.MAJOR,
    DeviationKind.DEX_MISSING: DeviationSeverity.MAJOR,
    # The patient is outside the population the trial studies.
    DeviationKind.RANDOMIZED_INELIGIBLE: DeviationSeverity.MAJOR,
    # The protocol allows allo-HSCT only once the disease is controlled: the patient's safety.
    DeviationKind.TRANSPLANT_UNCONTROLLED: DeviationSeverity.MAJOR,
    # The patient stays on the low-toxicity drug of the regimen chosen before randomization:
    # neither the comparison (intention to treat) nor the patient's safety is at stake, but
    # the data manager reviews why treatment went on.
    DeviationKind.AZACITIDINE_AFTER_PROGRESSION: DeviationSeverity.MINOR,
    # An intensive amsacrine-cytarabine cycle without the response it is meant to consolidate
    # exposes the patient to its toxicity without the expected benefit.
    DeviationKind.CONSOLIDATION_NOT_IN_RESPONSE: DeviationSeverity.MAJOR,
}


# --- Follow-up ------------------------------------------------------------------------


@dataclass(frozen=True)
class FollowUpPhase:
    """Visits every `interval_months` until `until_month` after the end of treatment."""

    interval_months: int
    until_month: int | None  # None: until the end of study
    window_days: int


FOLLOW_UP_PHASES: tuple[FollowUpPhase, ...] = (
    FollowUpPhase(interval_months=3, until_month=24, window_days=14),
    FollowUpPhase(interval_months=6, until_month=None, window_days=30),
)
# End of study: this long after the randomization of the trial's first patient.
END_OF_STUDY_AFTER_FIRST_RANDOMIZATION_YEARS = 5


class VitalStatus(models.TextChoices):
    ALIVE = "alive", _("Alive")
    DEAD = "dead", _("Dead")


class FollowUpDiseaseStatus(models.TextChoices):
    CONTINUING_REMISSION = "remission", _("Continuing remission")
    RELAPSE = "relapse", _("Relapse")
    PERSISTENT = "persistent", _("Persistent disease")
    PROGRESSION = "progression", _("Progression")
    NOT_ASSESSED = "not_assessed", _("Not assessed")


class OffStudyReason(models.TextChoices):
    """Why a patient's follow-up ends: death, consent withdrawal, loss to follow-up or end of
    study, whichever first (PROTOCOL.md), or every scheduled follow-up visit behind them."""

    DEATH = "death", _("Death")
    CONSENT_WITHDRAWN = "consent_withdrawn", _("Consent withdrawn")
    LOST_TO_FOLLOW_UP = "lost_to_follow_up", _("Lost to follow-up")
    END_OF_STUDY = "end_of_study", _("End of study reached")
    FOLLOW_UP_COMPLETED = "follow_up_completed", _("Follow-up completed")


class DeathCause(models.TextChoices):
    LEUKAEMIA = "leukaemia", _("Leukaemia")
    ADVERSE_EVENT = "adverse_event", _("Adverse event")
    TRANSPLANT = "transplant", _("Transplant-related")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Unknown")


class WithdrawnDataUse(models.TextChoices):
    ALL = "all", _("Data collected so far may be used, and vital status may still be sought")
    UNTIL_WITHDRAWAL = "until_withdrawal", _("Data collected up to withdrawal may be used")


# --- Safety ---------------------------------------------------------------------------


class Relatedness(models.TextChoices):
    """How related an adverse event is to a drug, as the investigator judges it."""

    NOT_RELATED = "not_related", _("Not related")
    UNLIKELY = "unlikely", _("Unlikely")
    POSSIBLE = "possible", _("Possible")
    PROBABLE = "probable", _("Probable")
    DEFINITE = "definite", _("Definite")
    # Dexamethasone only: a control-arm patient who received none has nothing to judge.
    NOT_APPLICABLE = "not_applicable", _("Not applicable (no dexamethasone received)")


# The judgements proper. Salvage therapy's relatedness is always one of these (every patient
# receives it); so is dexamethasone's, except for a control-arm patient who received none.
RELATEDNESS_JUDGED = tuple(r for r in Relatedness if r is not Relatedness.NOT_APPLICABLE)


class ActionTaken(models.TextChoices):
    NONE = "none", pgettext_lazy("action taken", "None")
    DOSE_REDUCED = "dose_reduced", _("Dose reduced")
    DELAYED = "delayed", _("Cycle delayed")
    INTERRUPTED = "interrupted", _("Drug interrupted")
    WITHDRAWN = "withdrawn", _("Drug withdrawn")


CTCAE_GRADES = (1, 2, 3, 4, 5)
FATAL_GRADE = 5
