"""The disease status at study entry, derived from the history and the prior regimens.

PROTOCOL.md names the statuses (primary refractory, first relapse, second or later relapse,
relapse after allo-HSCT); the first relapse is early when the first complete remission
(CR1) lasted less than 12 calendar months, late from 12 months on.
"""

from __future__ import annotations

import datetime as dt

import protocol
from patients import history
from protocol.prior_therapy import PriorRegimenName, PriorResponse, RelapseTiming

Status = protocol.DiseaseStatus


def _regimen(name: str, response: str, cytarabine: bool | None = None) -> history.RegimenEntry:
    return history.RegimenEntry(name, cytarabine, response)


def _status(*, first_cr_on=None, relapses=0, prior_hsct_on=None, regimens=()) -> str:
    return history.disease_status_derived(
        first_cr_on=first_cr_on,
        relapses=relapses,
        prior_hsct_on=prior_hsct_on,
        relapse_documented_on=dt.date(2025, 2, 20),
        regimens=regimens,
    )


def test_it_calls_a_relapse_after_a_cr1_of_exactly_12_months_late():
    first_cr = dt.date(2023, 9, 15)
    assert history.relapse_timing(first_cr, dt.date(2024, 9, 15)) == RelapseTiming.LATE
    assert history.relapse_timing(first_cr, dt.date(2024, 9, 14)) == RelapseTiming.EARLY


def test_it_counts_calendar_months_from_a_month_end():
    # 31 January + 12 months is 31 January; 29 February + 12 months is 28 February.
    assert history.relapse_timing(dt.date(2023, 1, 31), dt.date(2024, 1, 31)) == "late"
    assert history.relapse_timing(dt.date(2023, 1, 31), dt.date(2024, 1, 30)) == "early"
    assert history.relapse_timing(dt.date(2024, 2, 29), dt.date(2025, 2, 28)) == "late"


def test_it_gives_the_cr1_duration_in_days():
    derived = history.history_derived(
        first_cr_on=dt.date(2023, 9, 15),
        first_relapse_on=dt.date(2024, 9, 15),
        relapses=1,
        prior_hsct_on=None,
        relapse_documented_on=dt.date(2024, 9, 15),
        regimens=[],
    )
    assert derived.cr1_days == 366  # across 29 February 2024
    assert derived.relapse_timing == RelapseTiming.LATE


def test_a_disease_that_never_reached_cr_or_cri_is_primary_refractory():
    never = [
        _regimen(PriorRegimenName.SEVEN_PLUS_THREE, PriorResponse.PR),
        _regimen(PriorRegimenName.FLAG_IDA, PriorResponse.NO_RESPONSE),
        _regimen(PriorRegimenName.VENETOCLAX_AZACITIDINE, PriorResponse.MLFS),
    ]
    assert _status(regimens=never) == Status.PRIMARY_REFRACTORY
    assert _status() == Status.PRIMARY_REFRACTORY


def test_a_cri_after_a_regimen_is_a_remission_even_without_the_first_cr_date():
    regimens = [_regimen(PriorRegimenName.SEVEN_PLUS_THREE, PriorResponse.CRI)]
    assert _status(regimens=regimens, relapses=1) == Status.FIRST_RELAPSE


def test_relapses_after_a_first_cr_are_first_then_later_relapses():
    first_cr = dt.date(2023, 9, 15)
    assert _status(first_cr_on=first_cr, relapses=1) == Status.FIRST_RELAPSE
    assert _status(first_cr_on=first_cr, relapses=2) == Status.LATER_RELAPSE


def test_a_relapse_after_a_prior_allo_hsct_is_a_relapse_after_hsct():
    first_cr = dt.date(2023, 9, 15)
    assert (
        _status(first_cr_on=first_cr, relapses=2, prior_hsct_on=dt.date(2024, 1, 10))
        == Status.RELAPSE_AFTER_HSCT
    )
    # A transplant on the day the relapse was documented did not precede it.
    assert (
        _status(first_cr_on=first_cr, relapses=1, prior_hsct_on=dt.date(2025, 2, 20))
        == Status.FIRST_RELAPSE
    )


def test_a_consolidation_continues_the_line_before_it():
    regimens = [
        _regimen(PriorRegimenName.SEVEN_PLUS_THREE, PriorResponse.CR),
        _regimen(PriorRegimenName.HIDAC_CONSOLIDATION, PriorResponse.CR),
        _regimen(PriorRegimenName.AZACITIDINE, PriorResponse.NO_RESPONSE),
    ]
    assert history.lines_counted(regimens) == 2
    assert history.lines_counted([]) is None


def test_prior_cytarabine_exposure_comes_from_the_regimens():
    def exposed(*regimens: history.RegimenEntry) -> bool | None:
        return history.history_derived(
            first_cr_on=None,
            first_relapse_on=None,
            relapses=0,
            prior_hsct_on=None,
            relapse_documented_on=None,
            regimens=list(regimens),
        ).prior_cytarabine

    aza = _regimen(PriorRegimenName.AZACITIDINE, PriorResponse.NO_RESPONSE)
    assert exposed(aza) is False
    assert exposed(aza, _regimen(PriorRegimenName.CPX_351, PriorResponse.PR)) is True
    assert exposed(aza, _regimen(PriorRegimenName.OTHER, PriorResponse.PR, True)) is True
    assert exposed() is None
