"""CTCAE v5.0 terms offered for adverse-event coding (those common in R/R AML salvage therapy),
each with the grades CTCAE v5.0 defines for it.

CTCAE does not grade every term 1 to 5: a grade it leaves as "-" does not exist for the term
(febrile neutropenia starts at grade 3, nausea stops at 3, a laboratory value has no grade 5,
"Death NOS" is grade 5 only), and the services refuse it. Any other CTCAE term is coded as
"Other, specify" with the exact term in the specification, as CTCAE itself allows within
each system organ class; its grade is then not checked here.
"""

from __future__ import annotations

from dataclasses import dataclass

OTHER_SPECIFY = "Other, specify"

# The grade patterns of CTCAE v5.0, named for reading the table below.
ALL_GRADES = (1, 2, 3, 4, 5)
UP_TO_3 = (1, 2, 3)  # symptoms without life-threatening form (nausea, fatigue, headache)
UP_TO_4 = (1, 2, 3, 4)  # laboratory values ("Investigations"): no death from a number
FROM_2 = (2, 3, 4, 5)
FROM_3 = (3, 4, 5)
FROM_4 = (4, 5)
ONLY_5 = (5,)
# Terms whose grades were not checked against the CTCAE v5.0 document (or whose wording is
# not a CTCAE v5.0 term as such): every grade is allowed until someone checks them.
NOT_CHECKED = ALL_GRADES


@dataclass(frozen=True)
class CtcaeTerm:
    name: str
    system_organ_class: str
    grades: tuple[int, ...]


_BLOOD = "Blood and lymphatic system disorders"
_INVESTIGATIONS = "Investigations"
_METABOLISM = "Metabolism and nutrition disorders"
_INFECTIONS = "Infections and infestations"
_GASTROINTESTINAL = "Gastrointestinal disorders"
_GENERAL = "General disorders and administration site conditions"
_RESPIRATORY = "Respiratory, thoracic and mediastinal disorders"
_PSYCHIATRIC = "Psychiatric disorders"

CTCAE_TERMS: tuple[CtcaeTerm, ...] = (
    CtcaeTerm("Anemia", _BLOOD, ALL_GRADES),
    CtcaeTerm("Febrile neutropenia", _BLOOD, FROM_3),
    CtcaeTerm("Disseminated intravascular coagulation", _BLOOD, FROM_2),
    CtcaeTerm("Neutrophil count decreased", _INVESTIGATIONS, UP_TO_4),
    CtcaeTerm("Platelet count decreased", _INVESTIGATIONS, UP_TO_4),
    CtcaeTerm("White blood cell decreased", _INVESTIGATIONS, UP_TO_4),
    CtcaeTerm("Alanine aminotransferase increased", _INVESTIGATIONS, UP_TO_4),
    CtcaeTerm("Aspartate aminotransferase increased", _INVESTIGATIONS, UP_TO_4),
    CtcaeTerm("Blood bilirubin increased", _INVESTIGATIONS, UP_TO_4),
    CtcaeTerm("Creatinine increased", _INVESTIGATIONS, UP_TO_4),
    CtcaeTerm("Hyperglycemia", _METABOLISM, ALL_GRADES),
    CtcaeTerm("Hypokalemia", _METABOLISM, ALL_GRADES),
    CtcaeTerm("Tumor lysis syndrome", _METABOLISM, FROM_3),
    CtcaeTerm("Anorexia", _METABOLISM, ALL_GRADES),
    CtcaeTerm("Sepsis", _INFECTIONS, FROM_3),
    CtcaeTerm("Lung infection", _INFECTIONS, FROM_2),
    CtcaeTerm("Bacteremia", _INFECTIONS, NOT_CHECKED),
    CtcaeTerm("Catheter related infection", _INFECTIONS, FROM_2),
    CtcaeTerm("Enterocolitis infectious", _INFECTIONS, NOT_CHECKED),
    CtcaeTerm("Fungal infection", _INFECTIONS, NOT_CHECKED),
    CtcaeTerm("Skin infection", _INFECTIONS, NOT_CHECKED),
    CtcaeTerm("Urinary tract infection", _INFECTIONS, FROM_2),
    CtcaeTerm("Mucositis oral", _GASTROINTESTINAL, ALL_GRADES),
    CtcaeTerm("Nausea", _GASTROINTESTINAL, UP_TO_3),
    CtcaeTerm("Vomiting", _GASTROINTESTINAL, ALL_GRADES),
    CtcaeTerm("Diarrhea", _GASTROINTESTINAL, ALL_GRADES),
    CtcaeTerm("Constipation", _GASTROINTESTINAL, ALL_GRADES),
    CtcaeTerm("Gastrointestinal hemorrhage", _GASTROINTESTINAL, NOT_CHECKED),
    CtcaeTerm("Fatigue", _GENERAL, UP_TO_3),
    CtcaeTerm("Fever", _GENERAL, ALL_GRADES),
    CtcaeTerm("Edema limbs", _GENERAL, UP_TO_3),
    CtcaeTerm("Injection site reaction", _GENERAL, ALL_GRADES),
    CtcaeTerm("Multi-organ failure", _GENERAL, FROM_3),
    CtcaeTerm("Heart failure", "Cardiac disorders", ALL_GRADES),
    CtcaeTerm("Atrial fibrillation", "Cardiac disorders", ALL_GRADES),
    CtcaeTerm("Hypertension", "Vascular disorders", ALL_GRADES),
    CtcaeTerm("Hypotension", "Vascular disorders", ALL_GRADES),
    CtcaeTerm("Thromboembolic event", "Vascular disorders", ALL_GRADES),
    CtcaeTerm("Intracranial hemorrhage", "Nervous system disorders", ALL_GRADES),
    CtcaeTerm("Headache", "Nervous system disorders", UP_TO_3),
    CtcaeTerm("Insomnia", _PSYCHIATRIC, UP_TO_3),
    CtcaeTerm("Agitation", _PSYCHIATRIC, NOT_CHECKED),
    CtcaeTerm("Psychosis", _PSYCHIATRIC, ALL_GRADES),
    CtcaeTerm("Rash maculo-papular", "Skin and subcutaneous tissue disorders", UP_TO_3),
    CtcaeTerm(
        "Muscle weakness lower limb", "Musculoskeletal and connective tissue disorders", UP_TO_3
    ),
    CtcaeTerm("Acute kidney injury", "Renal and urinary disorders", FROM_3),
    CtcaeTerm("Respiratory failure", _RESPIRATORY, FROM_4),
    CtcaeTerm("Dyspnea", _RESPIRATORY, ALL_GRADES),
    CtcaeTerm("Pneumonitis", _RESPIRATORY, ALL_GRADES),
    CtcaeTerm("Epistaxis", _RESPIRATORY, ALL_GRADES),
    CtcaeTerm("Graft versus host disease", "Immune system disorders", ALL_GRADES),
    CtcaeTerm("Allergic reaction", "Immune system disorders", ALL_GRADES),
    CtcaeTerm("Cushingoid", "Endocrine disorders", UP_TO_3),
    CtcaeTerm("Death NOS", _GENERAL, ONLY_5),
)
_BY_NAME: dict[str, CtcaeTerm] = {term.name: term for term in CTCAE_TERMS}
CTCAE_TERM_NAMES: frozenset[str] = frozenset(_BY_NAME) | {OTHER_SPECIFY}


def allowed_grades(term: str) -> tuple[int, ...]:
    """Return the grades CTCAE v5.0 defines for the term; all five for 'Other, specify'."""
    found = _BY_NAME.get(term)
    return found.grades if found is not None else ALL_GRADES


def grades_text(grades: tuple[int, ...]) -> str:
    """Return the grades as people say them: "grade 5 only", "grades 3 to 5"."""
    if len(grades) == 1:
        return f"grade {grades[0]} only"
    return f"grades {grades[0]} to {grades[-1]}"


def grade_refusal(term: str, grade: int) -> str | None:
    """Return why CTCAE v5.0 has no such grade for the term, or None when it has."""
    grades = allowed_grades(term)
    if grade in grades:
        return None
    return (
        f"'{term}' has {grades_text(grades)} in CTCAE v5.0: grade {grade} does not exist "
        "for it. Check the grade, or the term."
    )
