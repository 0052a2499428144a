"""The baseline tables of the DMC report (by arm in the closed part; by stratum and by site in
the open part) are counted by PostgreSQL in grouped queries, and every cell is the one the
previous code gave reading each randomized patient into Python
(tests/oversight/baseline_before.py): counts, percentages, the age's median (the mean of the
two middle ages when their number is even) and range, the rows in the same order.

Compared on a demo trial of 60 patients at cut-offs across its life, after values are made
unknown (ECOG, disease status, prior allo-HSCT and ELN risk not entered, a screening specimen
taken away), for the unblinded and the pooled readers of the report; and in a fixed number of
queries whatever the number of patients.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from biology.models import Specimen, SpecimenTimepoint
from oversight import dmc_report
from oversight.baseline import (
    _median,
    baseline_table,
    columns_by_arm,
    columns_by_site,
    columns_by_stratum,
)
from patients.models import Screening
from randomization.models import Randomization
from tests.oversight import baseline_before as before
from tests.oversight.demo_trial import LOADED_AT, cutoffs_across_the_trial


def _cutoffs() -> list[dt.date]:
    return cutoffs_across_the_trial(8)


def _assert_same_tables(cutoff: dt.date) -> None:
    patients = before.baseline_patients(cutoff)
    for counted, read in (
        (columns_by_arm(), before.columns_by_arm()),
        (columns_by_stratum(), before.columns_by_stratum()),
        (columns_by_site(cutoff), before.columns_by_site(patients)),
    ):
        assert baseline_table(cutoff, counted) == before.baseline_table(patients, read), cutoff


def test_the_demo_trial_has_the_same_baseline_tables_at_every_cut_off(demo_trial):
    cutoffs = _cutoffs()
    sizes = {len(before.baseline_patients(cutoff)) for cutoff in cutoffs}

    assert 0 in sizes and any(n % 2 for n in sizes) and any(n and not n % 2 for n in sizes)
    for cutoff in cutoffs:
        _assert_same_tables(cutoff)


def test_unknown_values_and_a_missing_specimen_are_counted_as_before(demo_trial):
    randomized = list(Randomization.objects.order_by("patient__study_id")[:12])
    with transaction.atomic():
        for i, randomization in enumerate(randomized):
            unknown = [
                {"ecog": None},
                {"disease_status": ""},
                {"prior_allo_hsct": None},
                {"eln_risk": ""},
            ][i % 4]
            Screening.objects.filter(patient_id=randomization.patient_id).update(**unknown)
        Specimen.objects.filter(
            patient_id__in=[r.patient_id for r in randomized[::3]],
            timepoint=SpecimenTimepoint.SCREENING,
        ).update(timepoint=SpecimenTimepoint.RELAPSE)
        table = baseline_table(LOADED_AT.date(), columns_by_arm())
        no_specimen = next(row for row in table["rows"] if row["label"] == "No screening specimen")

        assert no_specimen["cells"][0] != "0"
        for cutoff in _cutoffs()[-3:]:
            _assert_same_tables(cutoff)
        transaction.set_rollback(True)


def test_the_pooled_and_the_unblinded_readers_read_the_same_tables_as_before(demo_trial):
    cutoff = LOADED_AT.date()
    patients = before.baseline_patients(cutoff)
    full = dmc_report.dmc_report(user=User.objects.get(username="dmc"), cutoff=cutoff, part="full")
    pooled = dmc_report.dmc_report(user=User.objects.get(username="dm"), cutoff=cutoff, part="open")

    assert full["closed"]["baseline_by_arm"] == before.baseline_table(
        patients, before.columns_by_arm()
    )
    for content in (full, pooled):
        assert content["open"]["baseline_by_stratum"] == before.baseline_table(
            patients, before.columns_by_stratum()
        )
        assert content["open"]["baseline_by_site"] == before.baseline_table(
            patients, before.columns_by_site(patients)
        )


def test_a_table_takes_two_queries_for_one_patient_as_for_the_whole_demo(demo_trial):
    first, *_ = (c for c in _cutoffs() if before.baseline_patients(c))
    queries = []
    for cutoff in (first, LOADED_AT.date()):
        with CaptureQueriesContext(connection) as context:
            baseline_table(cutoff, columns_by_stratum())
        queries.append(len(context))

    assert queries == [2, 2]


def test_the_median_age_is_the_middle_one_or_the_mean_of_the_two_middle_ones():
    assert _median(Counter({64: 1})) == 64
    assert _median(Counter({61: 1, 64: 1})) == 62.5
    assert _median(Counter({50: 2, 70: 1})) == 50
    assert _median(Counter({50: 2, 60: 1, 70: 1})) == 55.0
    assert f"{_median(Counter({61: 1, 63: 1}))}" == "62.0"
