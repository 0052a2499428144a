"""The baseline biology ADSL carries: the ELN risk derived from the screening specimen, the
investigator's entry beside it, and the karyotype and mutations that decide it.

Declared here, beside the derivation; endpoints/exports/tables.py turns each variable into
an ADSL column (and the data dictionary reads the same label and help).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import protocol
from biology.eln import MYELODYSPLASIA_GENES_2022
from biology.selectors import ElnRisk

ELN_AT_DIAGNOSIS = (
    "ELN risk is defined at diagnosis; this trial enrols relapsed or refractory AML, so it "
    "is derived here from the screening specimen (the disease at entry), by the diagnostic "
    "table. A result not tested that could change the risk makes it not_assessable; so "
    "does a patient without a screening specimen."
)
ELN2017_HELP = (
    "Döhner 2017 (Blood 129:424), table 5: favourable, intermediate, adverse or "
    "not_assessable. How the rows are read where they overlap: biology/eln.py. "
    f"{ELN_AT_DIAGNOSIS}"
)
ELN2022_HELP = (
    "Döhner 2022 (Blood 140:1345), table 6: favourable, intermediate, adverse or "
    f"not_assessable; TP53 counts at a VAF of at least 10 %. {ELN_AT_DIAGNOSIS}"
)
RESULT_HELP = "detected, not_detected or not_tested; empty without a screening specimen."


@dataclass(frozen=True)
class BaselineVariable:
    name: str
    label: str
    type: str  # text, decimal, date, boolean
    value: Callable[[ElnRisk], Any]
    help_text: str = ""


def _specimen(name: str) -> Callable[[ElnRisk], Any]:
    def value(risk: ElnRisk) -> Any:
        return getattr(risk.specimen, name) if risk.specimen is not None else None

    return value


def _myelodysplasia_gene(risk: ElnRisk) -> str | None:
    """detected if one of the ELN 2022 myelodysplasia-related genes is, not_detected if all
    were tested negative, else not_tested."""
    if risk.specimen is None:
        return None
    results = [getattr(risk.specimen, gene) for gene in MYELODYSPLASIA_GENES_2022]
    if protocol.MutationResult.DETECTED in results:
        return protocol.MutationResult.DETECTED
    if all(r == protocol.MutationResult.NOT_DETECTED for r in results):
        return protocol.MutationResult.NOT_DETECTED
    return protocol.MutationResult.NOT_TESTED


def _gene(name: str, column: str, label: str) -> BaselineVariable:
    return BaselineVariable(column, f"{label} at screening", "text", _specimen(name), RESULT_HELP)


BASELINE_VARIABLES: tuple[BaselineVariable, ...] = (
    BaselineVariable(
        "ELN2017",
        "ELN 2017 genetic risk, derived from the screening specimen",
        "text",
        lambda risk: risk.eln2017.value,
        ELN2017_HELP,
    ),
    BaselineVariable(
        "ELN2022",
        "ELN 2022 genetic risk, derived from the screening specimen",
        "text",
        lambda risk: risk.eln2022.value,
        ELN2022_HELP,
    ),
    BaselineVariable(
        "ELNINV",
        "ELN 2017 risk group entered by the investigator at screening",
        "text",
        lambda risk: risk.investigator or None,
        "As typed on the screening form; an automatic query (ELN_RISK_MISMATCH) asks when it "
        "differs from ELN2017.",
    ),
    BaselineVariable(
        "BIOSPDT",
        "Date the screening specimen was collected",
        "date",
        _specimen("collected_on"),
    ),
    BaselineVariable(
        "KARYO",
        "Karyotype at screening: normal, abnormal or failed",
        "text",
        _specimen("karyotype"),
    ),
    BaselineVariable(
        "KARYOISC", "Karyotype at screening (ISCN)", "text", _specimen("karyotype_iscn")
    ),
    BaselineVariable(
        "CPLXKAR", "Complex karyotype at screening", "boolean", _specimen("complex_karyotype")
    ),
    BaselineVariable(
        "MONOKAR", "Monosomal karyotype at screening", "boolean", _specimen("monosomal_karyotype")
    ),
    _gene("npm1", "NPM1", "NPM1"),
    _gene("flt3_itd", "FLT3ITD", "FLT3-ITD"),
    BaselineVariable(
        "FLT3ITDR",
        "FLT3-ITD allelic ratio at screening",
        "decimal",
        _specimen("flt3_itd_allelic_ratio"),
        "Mutant to wild-type; ELN 2017 reads it (low below 0.5, high from 0.5).",
    ),
    _gene("flt3_tkd", "FLT3TKD", "FLT3-TKD"),
    _gene("cebpa_biallelic", "CEBPABI", "CEBPA biallelic (ELN 2017)"),
    _gene("cebpa_bzip", "CEBPA", "CEBPA bZIP in-frame (ELN 2022)"),
    _gene("runx1", "RUNX1", "RUNX1"),
    _gene("asxl1", "ASXL1", "ASXL1"),
    _gene("tp53", "TP53", "TP53"),
    BaselineVariable("TP53VAF", "TP53 VAF at screening (%)", "decimal", _specimen("tp53_vaf")),
    _gene("kit", "KIT", "KIT"),
    _gene("idh1", "IDH1", "IDH1"),
    _gene("idh2", "IDH2", "IDH2"),
    BaselineVariable(
        "MRGENE",
        "A myelodysplasia-related gene mutated at screening (ELN 2022)",
        "text",
        _myelodysplasia_gene,
        "BCOR, EZH2, SF3B1, SRSF2, STAG2, U2AF1 or ZRSR2: detected if one is, not_detected "
        "if all were tested negative, else not_tested.",
    ),
)
