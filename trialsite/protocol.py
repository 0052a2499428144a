"""The trial's design as declared, reviewable data (NCT03765541).

Code that screens, randomizes, schedules or analyses reads these objects; it never
repeats a figure of the protocol as a literal. A protocol amendment is a reviewed
change to this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.db import models

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
    text: str

    def is_failed_by(self, answer: bool) -> bool:
        """Return True when this answer makes the patient a screen failure."""
        return answer != (self.kind is CriterionKind.INCLUSION)


ELIGIBILITY_CRITERIA: tuple[EligibilityCriterion, ...] = (
    EligibilityCriterion(
        "INC_AGE", CriterionKind.INCLUSION, "Aged 18 years or more at informed consent"
    ),
    EligibilityCriterion(
        "INC_RR_AML",
        CriterionKind.INCLUSION,
        "Relapsed or refractory acute myeloid leukaemia (WHO classification)",
    ),
    EligibilityCriterion(
        "INC_SALVAGE",
        CriterionKind.INCLUSION,
        "Eligible for salvage therapy with intensive amsacrine-cytarabine or with azacitidine",
    ),
    EligibilityCriterion(
        "INC_CONSENT",
        CriterionKind.INCLUSION,
        "Written informed consent signed and dated before any study procedure",
    ),
    EligibilityCriterion(
        "EXC_APL", CriterionKind.EXCLUSION, "Acute promyelocytic leukaemia (APL)"
    ),
    EligibilityCriterion(
        "EXC_STEROID_CONTRAINDICATION",
        CriterionKind.EXCLUSION,
        "Contraindication to corticosteroids (uncontrolled diabetes, uncontrolled infection, "
        "active peptic ulcer, uncontrolled psychiatric disorder)",
    ),
    EligibilityCriterion(
        "EXC_CNS", CriterionKind.EXCLUSION, "Active central nervous system involvement"
    ),
    EligibilityCriterion(
        "EXC_PREGNANCY", CriterionKind.EXCLUSION, "Pregnancy or breast-feeding"
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
    FEMALE = "F", "Female"
    MALE = "M", "Male"


class DiseaseStatus(models.TextChoices):
    PRIMARY_REFRACTORY = "primary_refractory", "Primary refractory"
    FIRST_RELAPSE = "first_relapse", "First relapse"
    LATER_RELAPSE = "later_relapse", "Second or later relapse"
    RELAPSE_AFTER_HSCT = "relapse_after_hsct", "Relapse after allo-HSCT"

    @property
    def stratum(self) -> str:
        """Return the randomization stratum level: refractory or relapsed."""
        return "refractory" if self is DiseaseStatus.PRIMARY_REFRACTORY else "relapsed"


class CytogeneticRisk(models.TextChoices):
    FAVOURABLE = "favourable", "Favourable"
    INTERMEDIATE = "intermediate", "Intermediate"
    ADVERSE = "adverse", "Adverse"
    UNKNOWN = "unknown", "Unknown / failed"


class ElnRisk(models.TextChoices):
    FAVOURABLE = "favourable", "Favourable"
    INTERMEDIATE = "intermediate", "Intermediate"
    ADVERSE = "adverse", "Adverse"


class MutationResult(models.TextChoices):
    DETECTED = "detected", "Detected"
    NOT_DETECTED = "not_detected", "Not detected"
    NOT_TESTED = "not_tested", "Not tested"


# Mutations recorded at relapse, in the order the screening form shows them.
MUTATION_GENES: tuple[str, ...] = (
    "FLT3-ITD", "FLT3-TKD", "NPM1", "IDH1", "IDH2", "TP53", "RUNX1", "ASXL1", "CEBPA",
)

ECOG_SCORES = (0, 1, 2, 3, 4)


class Regimen(models.TextChoices):
    """Salvage regimen, chosen by the investigator before randomization."""

    INTENSIVE = "intensive", "Intensive: amsacrine + cytarabine"
    AZACITIDINE = "azacitidine", "Azacitidine"


class Arm(models.TextChoices):
    DEX = "dex", "Salvage therapy + dexamethasone"
    CONTROL = "control", "Salvage therapy alone"


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
            found.append(f"unknown stratification factors {unknown}; known: "
                         f"{list(STRATIFICATION_FACTORS)}")
        if len(set(self.factors)) != len(self.factors):
            found.append("a stratification factor is listed twice")
        if not self.block_sizes or any(
            size <= 0 or size % len(self.arms) for size in self.block_sizes
        ):
            found.append(f"block sizes {list(self.block_sizes)} must be positive multiples of "
                         f"{len(self.arms)} to keep 1:1 allocation")
        if not 0.5 <= self.minimization_probability <= 1:
            found.append("the minimization probability must lie between 0.5 and 1")
        return found
