"""The adverse events of special interest for a corticosteroid added to AML salvage therapy.

Dexamethasone at the trial's doses is expected to favour infections (in patients already
neutropenic), raise blood glucose, disturb mood and sleep, and bleed from the upper digestive
tract. Each category is declared here, with the system organ classes and the CTCAE v5.0
terms (MedDRA preferred terms) it gathers, and read by the safety tables.

A term is matched on the preferred term the tables count, so an "Other, specify" event whose
specified term is one of the listed terms (e.g. "Upper gastrointestinal hemorrhage", not in
the coding list) is found too, whatever its case. A system organ class is matched on the
coded term's class: an "Other, specify" event has none ("Other (SOC not coded)").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy

if TYPE_CHECKING:
    # A label may be lazily translated (gettext_lazy): read in the reader's language.
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class SpecialInterest:
    code: str
    label: StrOrPromise
    definition: StrOrPromise  # shown on the page and in the CSV's header line
    system_organ_classes: frozenset[str] = frozenset()
    preferred_terms: frozenset[str] = frozenset()

    def matches(self, system_organ_class: str, preferred_term: str) -> bool:
        return system_organ_class in self.system_organ_classes or preferred_term.casefold() in {
            t.casefold() for t in self.preferred_terms
        }


SPECIAL_INTEREST: tuple[SpecialInterest, ...] = (
    SpecialInterest(
        "INFECT",
        gettext_lazy("Infections"),
        gettext_lazy(
            "SOC Infections and infestations, and febrile neutropenia (an infection presumed in a "
            "neutropenic patient, often without a documented organism; a corticosteroid also "
            "blunts the fever that reveals it)."
        ),
        system_organ_classes=frozenset({"Infections and infestations"}),
        preferred_terms=frozenset({"Febrile neutropenia"}),
    ),
    SpecialInterest(
        "HYPERGLY",
        gettext_lazy("Hyperglycaemia"),
        gettext_lazy("CTCAE terms Hyperglycemia and Glucose intolerance."),
        preferred_terms=frozenset({"Hyperglycemia", "Glucose intolerance"}),
    ),
    SpecialInterest(
        "PSYCH",
        gettext_lazy("Psychiatric disorders"),
        gettext_lazy(
            "SOC Psychiatric disorders, and its CTCAE terms when coded as 'Other, specify' "
            "(insomnia, agitation, anxiety, confusion, delirium, depression, euphoria, "
            "hallucinations, mania, personality change, psychosis, restlessness)."
        ),
        system_organ_classes=frozenset({"Psychiatric disorders"}),
        preferred_terms=frozenset(
            {
                "Insomnia",
                "Agitation",
                "Anxiety",
                "Confusion",
                "Delirium",
                "Depression",
                "Euphoria",
                "Hallucinations",
                "Mania",
                "Personality change",
                "Psychosis",
                "Restlessness",
            }
        ),
    ),
    SpecialInterest(
        "GIBLEED",
        gettext_lazy("Gastrointestinal bleeding"),
        gettext_lazy(
            "CTCAE terms Gastrointestinal hemorrhage and the haemorrhages of each part of the "
            "digestive tract (upper and lower gastrointestinal, esophageal, gastric, duodenal, "
            "jejunal, ileal, colonic, rectal, anal)."
        ),
        preferred_terms=frozenset(
            {
                "Gastrointestinal hemorrhage",
                "Upper gastrointestinal hemorrhage",
                "Lower gastrointestinal hemorrhage",
                "Esophageal hemorrhage",
                "Gastric hemorrhage",
                "Duodenal hemorrhage",
                "Jejunal hemorrhage",
                "Ileal hemorrhage",
                "Colonic hemorrhage",
                "Rectal hemorrhage",
                "Anal hemorrhage",
            }
        ),
    ),
)
