"""The derivation rules of endpoints/datasets.py in words, for those who re-derive them.

The data dictionary (`GET /api/v1/exports/dictionary/`) and the README state each ADTTE
parameter's population, start, event, event date, censoring and censoring date from here,
and the response rules behind ORR, the CR/CRi rate and the best response. A change to a
rule in endpoints/datasets.py is a change to its words here, reviewed together.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Derivation:
    """How one time-to-event parameter is derived, in words a statistician re-derives each
    row from (the functions of endpoints/datasets.py are the rules; the tests hold the README
    and the data dictionary to this text)."""

    parameter: str
    name: str
    population: str
    start: str
    event: str
    event_date: str
    censoring: str
    censoring_date: str


LAST_KNOWN_ALIVE = (
    "The last date known alive: the latest of the randomization and every dated contact "
    "(cycle start and end, response assessment, allo-HSCT, end of treatment, follow-up visit "
    "done with the patient alive, adverse event onset and resolution, date of withdrawal or "
    "of last news), capped at the cut-off; the cut-off itself when the patient was seen "
    "alive, or died, after it."
)
RESPONSES_TO_PROTOCOL_TREATMENT = (
    "Responses to protocol treatment: the response assessments dated up to the end of "
    "treatment or the allo-HSCT, whichever first, by the cut-off (a follow-up assessment "
    "never), and the protocol evaluation wherever it falls (it measures the protocol "
    "treatment, even after an early end of treatment). A response after an allo-HSCT is "
    "the transplant's, not the salvage therapy's."
)
BEST_RESPONSE = (
    "Best response: the best category among the responses to protocol treatment (CR, CRi, "
    "MLFS, PR, resistant, progression, relapse, best first); empty when none. ORR: best "
    "response CR, CRi or MLFS; CR/CRi rate: best response CR or CRi. Every randomized "
    "patient with recorded data is in the denominator: one without an assessment is a "
    "non-responder."
)

DERIVATIONS: dict[str, Derivation] = {
    d.parameter: d
    for d in (
        Derivation(
            "OS",
            "Overall survival",
            population="Every randomized patient (intention to treat, as randomized), "
            "imported legacy outcomes included.",
            start="The date of randomization (RANDDT).",
            event="Death from any cause on or before the cut-off.",
            event_date="The date of death.",
            censoring="Alive at the cut-off, or died after it.",
            censoring_date=LAST_KNOWN_ALIVE,
        ),
        Derivation(
            "EFS",
            "Event-free survival",
            population="Every randomized patient with recorded data (imported legacy "
            "outcomes carry no response data).",
            start="The date of randomization (RANDDT).",
            event="Whichever comes first by the cut-off: (1) induction failure: no CR/CRi by "
            "the protocol evaluation, the response assessment recorded with the timepoint "
            "of the patient's regimen (end-of-induction evaluation for intensive "
            "chemotherapy, post-cycle-3 evaluation for azacitidine): the evaluation is not "
            "CR/CRi and no response to protocol treatment dated on or before it is; or, "
            "with no evaluation recorded and no CR/CRi, the first of progression (a "
            "response of progressive disease, or a relapse reported at a follow-up visit), "
            "death, the end of protocol treatment (end of treatment or allo-HSCT) and "
            "leaving the study (any off-study reason but death), after which the evaluation "
            "can no longer show a remission; (2) relapse after the first CR/CRi (a response "
            "assessment of relapse, or a follow-up visit reporting relapse); (3) death from "
            "any cause.",
            event_date="Induction failure: the date of randomization (AVAL 0), whenever it "
            "became known; EVNTDESC says why (e.g. 'Induction failure: resistant at the "
            "end-of-induction evaluation', 'Induction failure: progression before the "
            "post-cycle-3 evaluation'). Relapse: the date of the assessment or visit that "
            "found it (on one day, a relapse comes before a death). Death: the date of death.",
            censoring="In CR/CRi with neither relapse nor death by the cut-off (EVNTDESC "
            "'Censored: last known alive'); or not yet at the protocol evaluation: none "
            "recorded, no CR/CRi and no failure above by the cut-off (EVNTDESC 'Censored: "
            "protocol evaluation not yet reached').",
            censoring_date=LAST_KNOWN_ALIVE,
        ),
        Derivation(
            "LFS",
            "Leukaemia-free survival (CR/CRi patients)",
            population="Patients with a CR/CRi among their responses to protocol treatment "
            "by the cut-off.",
            start="The date of that first CR/CRi.",
            event="Relapse after it (a response assessment of relapse, or a follow-up visit "
            "reporting relapse), or death from any cause.",
            event_date="The date of the relapse or of death (on one day, a relapse first).",
            censoring="Neither by the cut-off.",
            censoring_date="The last date known alive, as for OS, and not before the start.",
        ),
        Derivation(
            "OS_HSCT_CENSORED",
            "Overall survival censored at allo-HSCT (sensitivity analysis; not in ADTTE)",
            population="As OS.",
            start="The date of randomization (RANDDT).",
            event="Death from any cause on or before the cut-off with no allo-HSCT before "
            "it (a death on the day of the HSCT is an event).",
            event_date="The date of death.",
            censoring="An allo-HSCT on or before the cut-off and before the OS end date (death "
            "or last date known alive); otherwise as OS.",
            censoring_date="The date of the allo-HSCT; otherwise as OS.",
        ),
        Derivation(
            "RELAPSE",
            "Relapse, death in remission competing (cumulative incidence; not in ADTTE)",
            population="As LFS.",
            start="As LFS.",
            event="Relapse (code 1); a death in remission is a competing event (code 2), "
            "not a censoring.",
            event_date="As LFS.",
            censoring="As LFS (code 0).",
            censoring_date="As LFS.",
        ),
    )
}
