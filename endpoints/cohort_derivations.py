"""The time-to-event endpoints of endpoints/datasets.py, derived on a cohort's columns.

Each function here is the array form of the function of the same endpoint in
endpoints/datasets.py, which states the rule (PROTOCOL.md, README "Derivations"); the tests
hold the two equal patient by patient on the hand-made trials and on random ones. Days and
events only: the analysis reads no descriptions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from endpoints.cohort import NO_DAY, Cohort, day


@dataclass(frozen=True)
class Endpoint:
    """The rows of one parameter: the patients' positions in the cohort, AVAL and the event
    (1 event, 0 censored; RELAPSE: 1 relapse, 2 competing death)."""

    parameter: str
    at: np.ndarray
    start: np.ndarray
    days: np.ndarray
    event: np.ndarray

    def __len__(self) -> int:
        return len(self.at)


def _by(days: np.ndarray, cutoff: int) -> np.ndarray:
    """Dated on or before the cut-off (NO_DAY never is)."""
    return days <= cutoff


def last_known_alive(c: Cohort) -> np.ndarray:
    """datasets.last_known_alive: the latest contact or randomization, the cut-off when seen
    alive or dead after it, never after the cut-off."""
    cutoff = day(c.cutoff)
    latest = np.where(
        c.last_contact == NO_DAY, c.randomized, np.maximum(c.last_contact, c.randomized)
    )
    died_after = (c.death != NO_DAY) & (c.death > cutoff)
    latest = np.where(died_after, np.maximum(latest, cutoff), latest)
    return np.minimum(latest, cutoff)


def overall_survival(c: Cohort, alive: np.ndarray) -> Endpoint:
    died = _by(c.death, day(c.cutoff))
    end = np.where(died, c.death, alive)
    at = np.arange(len(c), dtype=np.int32)  # positions: 4 bytes a patient, not 8
    return Endpoint("OS", at, c.randomized, end - c.randomized, died.astype(np.int8))


def overall_survival_censored_at_transplant(c: Cohort, os: Endpoint) -> Endpoint:
    end = c.randomized + os.days
    censored = _by(c.hsct, day(c.cutoff)) & (c.hsct < end)
    return Endpoint(
        "OS_HSCT_CENSORED",
        os.at,
        c.randomized,
        np.where(censored, c.hsct - c.randomized, os.days),
        np.where(censored, 0, os.event).astype(np.int8),
    )


def _first_event(relapse: np.ndarray, death: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The earliest of a relapse and a death (NO_DAY: none); on one day the relapse. Returns
    the date and the code: 1 relapse, 2 death, 0 neither."""
    end = np.minimum(relapse, death)
    none, first, second = np.int8(0), np.int8(1), np.int8(2)  # one byte a patient
    code = np.where(relapse == NO_DAY, np.where(death == NO_DAY, none, second), none)
    code = np.where((relapse != NO_DAY) & (relapse <= death), first, code)
    code = np.where((relapse != NO_DAY) & (relapse > death), second, code)
    return end, code


def event_free_survival(c: Cohort, alive: np.ndarray) -> Endpoint:
    """datasets.event_free_survival: induction failure at randomization, relapse or death."""
    cutoff = day(c.cutoff)
    recorded = ~c.imported
    evaluated = c.evaluation != NO_DAY
    stopped = (
        _by(c.progression, cutoff)
        | _by(c.death, cutoff)
        | _by(c.hsct, cutoff)
        | _by(c.end_of_treatment, cutoff)
        | _by(c.left_study, cutoff)
    )
    failure = np.where(
        evaluated,
        c.remission_by_evaluation == NO_DAY,
        (c.first_remission == NO_DAY) & stopped,
    )
    remission = np.where(evaluated, c.remission_by_evaluation, c.first_remission)
    relapse = np.where(
        remission != NO_DAY,
        np.where(evaluated, c.relapse_after_remission_by_evaluation, c.relapse_after_remission),
        NO_DAY,
    )
    death = np.where(_by(c.death, cutoff), c.death, NO_DAY)
    end, code = _first_event(relapse, death)
    end = np.where(failure, c.randomized, np.where(code > 0, end, alive))
    event = (failure | (code > 0)).astype(np.int8)
    at = np.flatnonzero(recorded).astype(np.int32)
    return Endpoint("EFS", at, c.randomized[at], (end - c.randomized)[at], event[at])


def _from_remission(c: Cohort, alive: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """LFS's rows: positions, end dates and codes (1 relapse, 2 death, 0 censored)."""
    at = np.flatnonzero(~c.imported & (c.first_remission != NO_DAY)).astype(np.int32)
    remission = c.first_remission[at]
    death = np.where(_by(c.death[at], day(c.cutoff)), c.death[at], NO_DAY)
    end, code = _first_event(c.relapse_after_remission[at], death)
    end = np.where(code > 0, end, np.maximum(alive[at], remission))
    return at, end, code


def leukaemia_free_survival(c: Cohort, alive: np.ndarray) -> Endpoint:
    at, end, code = _from_remission(c, alive)
    start = c.first_remission[at]
    return Endpoint("LFS", at, start, end - start, (code > 0).astype(np.int8))


def relapse_with_competing_death(c: Cohort, alive: np.ndarray) -> Endpoint:
    at, end, code = _from_remission(c, alive)
    start = c.first_remission[at]
    return Endpoint("RELAPSE", at, start, end - start, code)


PARAMETERS = ("OS", "EFS", "LFS", "OS_HSCT_CENSORED", "RELAPSE")


def time_to_event_column(c: Cohort, parameter: str, alive: np.ndarray, os: Endpoint) -> Endpoint:
    """One endpoint's rows, given the last dates known alive and OS: the analysis derives
    each when it reaches it, so it holds one endpoint's million rows at a time beside OS's."""
    if parameter == "OS":
        return os
    if parameter == "OS_HSCT_CENSORED":
        return overall_survival_censored_at_transplant(c, os)
    derive = {
        "EFS": event_free_survival,
        "LFS": leukaemia_free_survival,
        "RELAPSE": relapse_with_competing_death,
    }
    return derive[parameter](c, alive)


def time_to_event_columns(c: Cohort) -> dict[str, Endpoint]:
    """Every endpoint's rows (datasets.time_to_event_rows): OS and OS censored at HSCT for
    every patient, EFS for those with recorded data, LFS and RELAPSE from a CR/CRi."""
    alive = last_known_alive(c)
    os = overall_survival(c, alive)
    return {p: time_to_event_column(c, p, alive, os) for p in PARAMETERS}
