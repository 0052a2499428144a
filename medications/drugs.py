"""The drugs this trial sees besides its own treatment, coded once with their ATC code.

A coordinator chooses a drug from this list (its ATC code and category follow from it), or
"Other" with the drug's name typed and its ATC code unknown. The list holds what R/R AML
patients on salvage therapy receive: anti-infective prophylaxis, G-CSF, corticosteroids and
antiemetics. Transfusions themselves are recorded with the blood counts (the labs form), not
here: a transfusion is not a medication of this form.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    ANTI_INFECTIVE_PROPHYLAXIS = "anti_infective", _("Anti-infective prophylaxis")
    GCSF = "gcsf", "G-CSF"
    CORTICOSTEROID = "corticosteroid", _("Corticosteroid")
    # Drugs given around a transfusion (premedication): the transfusion itself is on the
    # labs form.
    TRANSFUSION_SUPPORT = "transfusion_support", _("Transfusion support")
    OTHER = "other", _("Other")


class Route(models.TextChoices):
    ORAL = "oral", _("Oral")
    INTRAVENOUS = "iv", _("Intravenous")
    SUBCUTANEOUS = "sc", _("Subcutaneous")
    INTRAMUSCULAR = "im", _("Intramuscular")
    INHALED = "inhaled", _("Inhaled")
    TOPICAL = "topical", _("Topical (skin)")
    OPHTHALMIC = "ophthalmic", _("Eye drops")
    OTHER = "other", _("Other")


# Routes that reach the whole body: a corticosteroid given by one of them acts on the
# leukaemia as the arm's dexamethasone does; inhaled, skin and eye-drop steroids do not.
SYSTEMIC_ROUTES = frozenset(
    {Route.ORAL, Route.INTRAVENOUS, Route.SUBCUTANEOUS, Route.INTRAMUSCULAR}
)


class DoseUnit(models.TextChoices):
    MG = "mg", "mg"
    MICROGRAM = "ug", "µg"
    G = "g", "g"
    MILLION_UNITS = "MU", _("million units")
    MG_PER_KG = "mg/kg", "mg/kg"
    ML = "mL", "mL"


class Indication(models.TextChoices):
    INFECTION_PROPHYLAXIS = "infection_prophylaxis", _("Prophylaxis of infection")
    INFECTION_TREATMENT = "infection_treatment", _("Treatment of an infection")
    NEUTROPENIA = "neutropenia", _("Neutropenia (count recovery)")
    ANTIEMETIC = "antiemetic", _("Antiemetic prophylaxis (chemotherapy premedication)")
    TRANSFUSION_REACTION = (
        "transfusion_reaction",
        _("Transfusion reaction (prevention or treatment)"),
    )
    OTHER = "other", _("Other (describe)")


# The indications for which the protocol allows a corticosteroid in either arm: a short
# antiemetic premedication with chemotherapy and the prevention or treatment of a
# transfusion reaction are supportive care, not anti-leukaemic treatment.
CORTICOSTEROID_ALLOWED_INDICATIONS = frozenset(
    {Indication.ANTIEMETIC, Indication.TRANSFUSION_REACTION}
)


@dataclass(frozen=True)
class Drug:
    code: str  # as stored: "posaconazole"
    name: str
    atc: str  # WHO ATC code
    category: Category


OTHER_DRUG = "other"
DEXAMETHASONE = "dexamethasone"

DRUGS: tuple[Drug, ...] = (
    # Anti-infective prophylaxis
    Drug("posaconazole", "Posaconazole", "J02AC04", Category.ANTI_INFECTIVE_PROPHYLAXIS),
    Drug("voriconazole", "Voriconazole", "J02AC03", Category.ANTI_INFECTIVE_PROPHYLAXIS),
    Drug("fluconazole", "Fluconazole", "J02AC01", Category.ANTI_INFECTIVE_PROPHYLAXIS),
    Drug("valaciclovir", "Valaciclovir", "J05AB11", Category.ANTI_INFECTIVE_PROPHYLAXIS),
    Drug("aciclovir", "Aciclovir", "J05AB01", Category.ANTI_INFECTIVE_PROPHYLAXIS),
    Drug("levofloxacin", "Levofloxacin", "J01MA12", Category.ANTI_INFECTIVE_PROPHYLAXIS),
    Drug("ciprofloxacin", "Ciprofloxacin", "J01MA02", Category.ANTI_INFECTIVE_PROPHYLAXIS),
    Drug(
        "cotrimoxazole",
        "Sulfamethoxazole and trimethoprim (cotrimoxazole)",
        "J01EE01",
        Category.ANTI_INFECTIVE_PROPHYLAXIS,
    ),
    # G-CSF
    Drug("filgrastim", "Filgrastim", "L03AA02", Category.GCSF),
    Drug("lenograstim", "Lenograstim", "L03AA10", Category.GCSF),
    Drug("pegfilgrastim", "Pegfilgrastim", "L03AA13", Category.GCSF),
    # Corticosteroids for systemic use
    Drug(DEXAMETHASONE, "Dexamethasone", "H02AB02", Category.CORTICOSTEROID),
    Drug("prednisone", "Prednisone", "H02AB07", Category.CORTICOSTEROID),
    Drug("prednisolone", "Prednisolone", "H02AB06", Category.CORTICOSTEROID),
    Drug("methylprednisolone", "Methylprednisolone", "H02AB04", Category.CORTICOSTEROID),
    Drug("hydrocortisone", "Hydrocortisone", "H02AB09", Category.CORTICOSTEROID),
    Drug("betamethasone", "Betamethasone", "H02AB01", Category.CORTICOSTEROID),
    Drug("budesonide", "Budesonide", "H02AB16", Category.CORTICOSTEROID),
    # Antiemetics (and antihistamine premedication of transfusions)
    Drug("ondansetron", "Ondansetron", "A04AA01", Category.OTHER),
    Drug("granisetron", "Granisetron", "A04AA02", Category.OTHER),
    Drug("aprepitant", "Aprepitant", "A04AD12", Category.OTHER),
    Drug("metoclopramide", "Metoclopramide", "A03FA01", Category.OTHER),
    Drug("dexchlorpheniramine", "Dexchlorpheniramine", "R06AB02", Category.TRANSFUSION_SUPPORT),
)
DRUGS_BY_CODE: dict[str, Drug] = {drug.code: drug for drug in DRUGS}
DRUG_CHOICES: list[tuple[str, str]] = [
    *((drug.code, f"{drug.name} ({drug.atc})") for drug in DRUGS),
    (OTHER_DRUG, "Other (name it; ATC code unknown)"),
]
