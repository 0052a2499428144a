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

from django.utils.translation import gettext, gettext_noop

# The terms and system organ classes are coded in English (CDISC AEDECOD/AESOC: the database,
# exports and the API keep them so); gettext_noop marks each for the catalogue, where it has
# its official French wording (CTCAE v5.0 / MedDRA), shown beside the English (term_label).
OTHER_SPECIFY = gettext_noop("Other, specify")

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


_BLOOD = gettext_noop("Blood and lymphatic system disorders")
_INVESTIGATIONS = gettext_noop("Investigations")
_METABOLISM = gettext_noop("Metabolism and nutrition disorders")
_INFECTIONS = gettext_noop("Infections and infestations")
_GASTROINTESTINAL = gettext_noop("Gastrointestinal disorders")
_GENERAL = gettext_noop("General disorders and administration site conditions")
_RESPIRATORY = gettext_noop("Respiratory, thoracic and mediastinal disorders")
_PSYCHIATRIC = gettext_noop("Psychiatric disorders")

CTCAE_TERMS: tuple[CtcaeTerm, ...] = (
    CtcaeTerm(gettext_noop("Anemia"), _BLOOD, ALL_GRADES),
    CtcaeTerm(gettext_noop("Febrile neutropenia"), _BLOOD, FROM_3),
    CtcaeTerm(gettext_noop("Disseminated intravascular coagulation"), _BLOOD, FROM_2),
    CtcaeTerm(gettext_noop("Neutrophil count decreased"), _INVESTIGATIONS, UP_TO_4),
    CtcaeTerm(gettext_noop("Platelet count decreased"), _INVESTIGATIONS, UP_TO_4),
    CtcaeTerm(gettext_noop("White blood cell decreased"), _INVESTIGATIONS, UP_TO_4),
    CtcaeTerm(gettext_noop("Alanine aminotransferase increased"), _INVESTIGATIONS, UP_TO_4),
    CtcaeTerm(gettext_noop("Aspartate aminotransferase increased"), _INVESTIGATIONS, UP_TO_4),
    CtcaeTerm(gettext_noop("Blood bilirubin increased"), _INVESTIGATIONS, UP_TO_4),
    CtcaeTerm(gettext_noop("Creatinine increased"), _INVESTIGATIONS, UP_TO_4),
    CtcaeTerm(gettext_noop("Hyperglycemia"), _METABOLISM, ALL_GRADES),
    CtcaeTerm(gettext_noop("Hypokalemia"), _METABOLISM, ALL_GRADES),
    CtcaeTerm(gettext_noop("Tumor lysis syndrome"), _METABOLISM, FROM_3),
    CtcaeTerm(gettext_noop("Anorexia"), _METABOLISM, ALL_GRADES),
    CtcaeTerm(gettext_noop("Sepsis"), _INFECTIONS, FROM_3),
    CtcaeTerm(gettext_noop("Lung infection"), _INFECTIONS, FROM_2),
    CtcaeTerm(gettext_noop("Bacteremia"), _INFECTIONS, NOT_CHECKED),
    CtcaeTerm(gettext_noop("Catheter related infection"), _INFECTIONS, FROM_2),
    CtcaeTerm(gettext_noop("Enterocolitis infectious"), _INFECTIONS, NOT_CHECKED),
    CtcaeTerm(gettext_noop("Fungal infection"), _INFECTIONS, NOT_CHECKED),
    CtcaeTerm(gettext_noop("Skin infection"), _INFECTIONS, NOT_CHECKED),
    CtcaeTerm(gettext_noop("Urinary tract infection"), _INFECTIONS, FROM_2),
    CtcaeTerm(gettext_noop("Mucositis oral"), _GASTROINTESTINAL, ALL_GRADES),
    CtcaeTerm(gettext_noop("Nausea"), _GASTROINTESTINAL, UP_TO_3),
    CtcaeTerm(gettext_noop("Vomiting"), _GASTROINTESTINAL, ALL_GRADES),
    CtcaeTerm(gettext_noop("Diarrhea"), _GASTROINTESTINAL, ALL_GRADES),
    CtcaeTerm(gettext_noop("Constipation"), _GASTROINTESTINAL, ALL_GRADES),
    CtcaeTerm(gettext_noop("Gastrointestinal hemorrhage"), _GASTROINTESTINAL, NOT_CHECKED),
    CtcaeTerm(gettext_noop("Fatigue"), _GENERAL, UP_TO_3),
    CtcaeTerm(gettext_noop("Fever"), _GENERAL, ALL_GRADES),
    CtcaeTerm(gettext_noop("Edema limbs"), _GENERAL, UP_TO_3),
    CtcaeTerm(gettext_noop("Injection site reaction"), _GENERAL, ALL_GRADES),
    CtcaeTerm(gettext_noop("Multi-organ failure"), _GENERAL, FROM_3),
    CtcaeTerm(gettext_noop("Heart failure"), gettext_noop("Cardiac disorders"), ALL_GRADES),
    CtcaeTerm(gettext_noop("Atrial fibrillation"), gettext_noop("Cardiac disorders"), ALL_GRADES),
    CtcaeTerm(gettext_noop("Hypertension"), gettext_noop("Vascular disorders"), ALL_GRADES),
    CtcaeTerm(gettext_noop("Hypotension"), gettext_noop("Vascular disorders"), ALL_GRADES),
    CtcaeTerm(gettext_noop("Thromboembolic event"), gettext_noop("Vascular disorders"), ALL_GRADES),
    CtcaeTerm(
        gettext_noop("Intracranial hemorrhage"),
        gettext_noop("Nervous system disorders"),
        ALL_GRADES,
    ),
    CtcaeTerm(gettext_noop("Headache"), gettext_noop("Nervous system disorders"), UP_TO_3),
    CtcaeTerm(gettext_noop("Insomnia"), _PSYCHIATRIC, UP_TO_3),
    CtcaeTerm(gettext_noop("Agitation"), _PSYCHIATRIC, NOT_CHECKED),
    CtcaeTerm(gettext_noop("Psychosis"), _PSYCHIATRIC, ALL_GRADES),
    CtcaeTerm(
        gettext_noop("Rash maculo-papular"),
        gettext_noop("Skin and subcutaneous tissue disorders"),
        UP_TO_3,
    ),
    CtcaeTerm(
        gettext_noop("Muscle weakness lower limb"),
        gettext_noop("Musculoskeletal and connective tissue disorders"),
        UP_TO_3,
    ),
    CtcaeTerm(
        gettext_noop("Acute kidney injury"), gettext_noop("Renal and urinary disorders"), FROM_3
    ),
    CtcaeTerm(gettext_noop("Respiratory failure"), _RESPIRATORY, FROM_4),
    CtcaeTerm(gettext_noop("Dyspnea"), _RESPIRATORY, ALL_GRADES),
    CtcaeTerm(gettext_noop("Pneumonitis"), _RESPIRATORY, ALL_GRADES),
    CtcaeTerm(gettext_noop("Epistaxis"), _RESPIRATORY, ALL_GRADES),
    CtcaeTerm(
        gettext_noop("Graft versus host disease"),
        gettext_noop("Immune system disorders"),
        ALL_GRADES,
    ),
    CtcaeTerm(
        gettext_noop("Allergic reaction"), gettext_noop("Immune system disorders"), ALL_GRADES
    ),
    CtcaeTerm(gettext_noop("Cushingoid"), gettext_noop("Endocrine disorders"), UP_TO_3),
    CtcaeTerm(gettext_noop("Death NOS"), _GENERAL, ONLY_5),
)
_BY_NAME: dict[str, CtcaeTerm] = {term.name: term for term in CTCAE_TERMS}
CTCAE_TERM_NAMES: frozenset[str] = frozenset(_BY_NAME) | {OTHER_SPECIFY}


def allowed_grades(term: str) -> tuple[int, ...]:
    """Return the grades CTCAE v5.0 defines for the term; all five for 'Other, specify'."""
    found = _BY_NAME.get(term)
    return found.grades if found is not None else ALL_GRADES


def term_label(term: str) -> str:
    """Return a coded term (or system organ class) as the reader's language shows it: in
    French its French wording with the coded English beside it, "Anémie (Anemia)"; in English
    the term alone. A term without a translation (a specified free text) is shown as it is."""
    translated = gettext(term)
    return term if translated == term else f"{translated} ({term})"


def grades_text(grades: tuple[int, ...]) -> str:
    """Return the grades as people say them: "grade 5 only", "grades 3 to 5"."""
    if len(grades) == 1:
        return gettext("grade %(grade)s only") % {"grade": grades[0]}
    return gettext("grades %(first)s to %(last)s") % {"first": grades[0], "last": grades[-1]}


def grade_refusal(term: str, grade: int) -> str | None:
    """Return why CTCAE v5.0 has no such grade for the term, or None when it has."""
    grades = allowed_grades(term)
    if grade in grades:
        return None
    return gettext(
        "'%(term)s' has %(grades)s in CTCAE v5.0: grade %(grade)s does not exist "
        "for it. Check the grade, or the term."
    ) % {"term": term_label(term), "grades": grades_text(grades), "grade": grade}
