"""The investigator's ELN risk group (screening) beside the risk derived from the screening
specimen: a disagreement raises an automatic query on the entry, which closes by itself once
a correction makes them agree.

The screening form asks for the ELN 2017 risk group, so the entry is compared with the ELN
2017 derivation: NPM1 with a FLT3-ITD of low allelic ratio is favourable by ELN 2017 and
intermediate by ELN 2022, and a correct 2017 entry raises no query.
"""

from __future__ import annotations

from decimal import Decimal

import protocol
from biology.eln import Risk
from biology.selectors import eln_risk
from biology.services import specimen_update
from review.checks import automatic_queries_refresh
from review.models import DataQuery
from tests.biology.builders import record_specimen


def _open_eln_queries(patient) -> list[DataQuery]:
    return list(
        DataQuery.objects.filter(
            check_code="ELN_RISK_MISMATCH", patient=patient, status=DataQuery.Status.OPEN
        )
    )


def test_a_derived_risk_that_differs_from_the_entry_raises_a_query_on_the_entry(
    ic_patient, coordinator
):
    # Entered intermediate (the screening factory's value); NPM1 without FLT3-ITD is
    # favourable by both tables.
    specimen = record_specimen(ic_patient, coordinator, mutated=("npm1",))
    assert (eln_risk(ic_patient).eln2017, eln_risk(ic_patient).eln2022) == (
        Risk.FAVOURABLE,
        Risk.FAVOURABLE,
    )

    assert automatic_queries_refresh()["raised"] >= 1
    (query,) = _open_eln_queries(ic_patient)
    assert query.field_name == "eln_risk"
    assert query.record == ic_patient.screening
    assert "ELN 2017 favourable, ELN 2022 favourable" in query.text

    # The laboratory's NPM1 result was a typing error: once corrected, the query closes.
    specimen_update(
        specimen=specimen,
        user=coordinator,
        values={"npm1": protocol.MutationResult.NOT_DETECTED},
        version=1,
        reason="NPM1 read from the wrong line of the report",
    )
    automatic_queries_refresh()
    assert _open_eln_queries(ic_patient) == []


def test_an_entry_that_agrees_with_eln_2017_raises_none_where_2022_differs(ic_patient, coordinator):
    # NPM1 with FLT3-ITD of high ratio: intermediate by 2017 (the entry) and by 2022.
    # With a low ratio: favourable by 2017 and intermediate by 2022.
    record_specimen(
        ic_patient,
        coordinator,
        mutated=("npm1", "flt3_itd"),
        flt3_itd_allelic_ratio=Decimal("0.7"),
    )
    automatic_queries_refresh()
    assert _open_eln_queries(ic_patient) == []


def test_no_query_while_the_derived_risk_is_not_assessable(ic_patient, coordinator):
    record_specimen(
        ic_patient, coordinator, mutated=("npm1",), tp53=protocol.MutationResult.NOT_TESTED
    )
    assert eln_risk(ic_patient).eln2017 == Risk.NOT_ASSESSABLE
    automatic_queries_refresh()
    assert _open_eln_queries(ic_patient) == []
