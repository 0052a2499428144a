"""ELN genetic risk derived from karyotype and mutations, case by case from the papers.

ELN 2017: Döhner H et al. Blood 2017;129(4):424-447, table 5 ("2017 ELN risk stratification
by genetics"). ELN 2022: Döhner H et al. Blood 2022;140(12):1345-1377, table 6 ("2022 ELN
risk classification by genetics at initial diagnosis"). Each case names the row (and the
footnote) it is taken from. A result not tested, where it could change the risk, makes the
risk "not assessable".
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from biology.eln import Abnormality, Genetics, Risk, eln2017, eln2022

FAV, INT, ADV, NA = (
    Risk.FAVOURABLE,
    Risk.INTERMEDIATE,
    Risk.ADVERSE,
    Risk.NOT_ASSESSABLE,
)
# The genes either table reads, all tested negative: a case says only what was found.
PANEL = (
    "npm1",
    "flt3_itd",
    "cebpa_biallelic",
    "cebpa_bzip",
    "runx1",
    "asxl1",
    "tp53",
    *("bcor", "ezh2", "sf3b1", "srsf2", "stag2", "u2af1", "zrsr2"),
)


def genetics(
    *abnormalities: Abnormality,
    mutated: tuple[str, ...] = (),
    untested: tuple[str, ...] = (),
    karyotype_failed: bool = False,
    ratio: str | None = None,
    tp53_vaf: str | None = None,
) -> Genetics:
    results: dict[str, bool | None] = {gene: False for gene in PANEL}
    results.update({gene: True for gene in mutated})
    results.update({gene: None for gene in untested})
    return Genetics(
        karyotype_known=not karyotype_failed,
        abnormalities=frozenset(abnormalities),
        mutated=results,
        flt3_itd_allelic_ratio=Decimal(ratio) if ratio is not None else None,
        tp53_vaf=Decimal(tp53_vaf) if tp53_vaf is not None else None,
    )


A = Abnormality
NORMAL = genetics()

CASES = [
    # (case, genetics, ELN 2017, ELN 2022, the rows that decide)
    ("t(8;21)", genetics(A.T_8_21), FAV, FAV, "2017 & 2022 favourable: t(8;21) RUNX1::RUNX1T1"),
    ("inv(16)", genetics(A.INV_16), FAV, FAV, "2017 & 2022 favourable: inv(16)/t(16;16)"),
    (
        "t(8;21) with RUNX1 and ASXL1 mutated",
        genetics(A.T_8_21, mutated=("runx1", "asxl1")),
        FAV,
        FAV,
        "2017 adverse RUNX1/ASXL1 and 2022 adverse genes: not with a favourable subtype",
    ),
    (
        "NPM1 without FLT3-ITD",
        genetics(mutated=("npm1",)),
        FAV,
        FAV,
        "2017 & 2022 favourable: mutated NPM1 without FLT3-ITD",
    ),
    (
        "NPM1 with FLT3-ITD low (ratio 0.49)",
        genetics(mutated=("npm1", "flt3_itd"), ratio="0.49"),
        FAV,
        INT,
        "2017 favourable: NPM1 with FLT3-ITD low (< 0.5); 2022 intermediate: NPM1 with "
        "FLT3-ITD whatever the ratio",
    ),
    (
        "NPM1 with FLT3-ITD high (ratio 0.5, the threshold)",
        genetics(mutated=("npm1", "flt3_itd"), ratio="0.5"),
        INT,
        INT,
        "2017 intermediate: NPM1 and FLT3-ITD high (≥ 0.5); 2022 intermediate",
    ),
    (
        "NPM1 with FLT3-ITD, ratio not reported",
        genetics(mutated=("npm1", "flt3_itd")),
        NA,
        INT,
        "2017 needs the ratio (favourable if low, intermediate if high); 2022 does not",
    ),
    (
        "NPM1 with a complex karyotype",
        genetics(A.COMPLEX, mutated=("npm1",)),
        ADV,
        ADV,
        "2022 table 6 footnote: NPM1 with adverse-risk cytogenetics is adverse (2017 read "
        "the same way)",
    ),
    (
        "NPM1 with -7",
        genetics(A.MONOSOMY_7, mutated=("npm1",)),
        ADV,
        ADV,
        "adverse: -7, over mutated NPM1",
    ),
    (
        "NPM1 without FLT3-ITD, with ASXL1 and SRSF2",
        genetics(mutated=("npm1", "asxl1", "srsf2")),
        FAV,
        FAV,
        "favourable subtype: ASXL1 (2017) and MR genes (2022) not adverse with it",
    ),
    (
        "NPM1 with FLT3-ITD, with SRSF2",
        genetics(mutated=("npm1", "flt3_itd", "srsf2"), ratio="0.8"),
        INT,
        ADV,
        "2017: SRSF2 not in the table, NPM1/ITD high intermediate; 2022: NPM1 with ITD is "
        "not a favourable subtype, so SRSF2 (MR gene) is adverse",
    ),
    (
        "Wild-type NPM1 without FLT3-ITD, normal karyotype",
        NORMAL,
        INT,
        INT,
        "2017 intermediate: wild-type NPM1 without FLT3-ITD; 2022 intermediate: not "
        "classified as favourable or adverse",
    ),
    (
        "Wild-type NPM1 with FLT3-ITD low",
        genetics(mutated=("flt3_itd",), ratio="0.2"),
        INT,
        INT,
        "2017 intermediate: wild-type NPM1 with FLT3-ITD low; 2022 intermediate: "
        "wild-type NPM1 with FLT3-ITD",
    ),
    (
        "Wild-type NPM1 with FLT3-ITD high",
        genetics(mutated=("flt3_itd",), ratio="0.9"),
        ADV,
        INT,
        "2017 adverse: wild-type NPM1 and FLT3-ITD high; 2022 intermediate",
    ),
    (
        "CEBPA biallelic (not bZIP)",
        genetics(mutated=("cebpa_biallelic",)),
        FAV,
        INT,
        "2017 favourable: biallelic CEBPA; 2022 favourable only for bZIP in-frame",
    ),
    (
        "CEBPA bZIP in-frame, monoallelic",
        genetics(mutated=("cebpa_bzip",)),
        INT,
        FAV,
        "2022 favourable: bZIP in-frame mutated CEBPA; 2017 needs biallelic",
    ),
    ("RUNX1", genetics(mutated=("runx1",)), ADV, ADV, "2017 & 2022 adverse: mutated RUNX1"),
    ("ASXL1", genetics(mutated=("asxl1",)), ADV, ADV, "2017 & 2022 adverse: mutated ASXL1"),
    *(
        (
            f"{gene.upper()} (myelodysplasia-related)",
            genetics(mutated=(gene,)),
            INT,
            ADV,
            f"2022 adverse: mutated {gene.upper()}; not in the 2017 table",
        )
        for gene in ("bcor", "ezh2", "sf3b1", "srsf2", "stag2", "u2af1", "zrsr2")
    ),
    (
        "TP53, VAF 35 %",
        genetics(mutated=("tp53",), tp53_vaf="35"),
        ADV,
        ADV,
        "2017 adverse: mutated TP53; 2022 adverse: TP53 at VAF ≥ 10 %",
    ),
    (
        "TP53 at VAF 10 %, the threshold",
        genetics(mutated=("tp53",), tp53_vaf="10"),
        ADV,
        ADV,
        "2022 adverse: VAF of at least 10 %",
    ),
    (
        "TP53 at VAF 9.9 %",
        genetics(mutated=("tp53",), tp53_vaf="9.9"),
        ADV,
        INT,
        "2022: TP53 below 10 % VAF is not adverse",
    ),
    (
        "TP53 without its VAF",
        genetics(mutated=("tp53",)),
        ADV,
        NA,
        "2022 needs the VAF of a TP53 mutation",
    ),
    (
        "NPM1 without FLT3-ITD, with TP53",
        genetics(mutated=("npm1", "tp53"), tp53_vaf="40"),
        ADV,
        ADV,
        "TP53 adverse: the co-occurrence exception names RUNX1/ASXL1/MR genes, not TP53",
    ),
    (
        "t(9;11)",
        genetics(A.T_9_11),
        INT,
        INT,
        "2017 & 2022 intermediate: t(9;11)(p21.3;q23.3) MLLT3::KMT2A",
    ),
    (
        "t(9;11) with RUNX1",
        genetics(A.T_9_11, mutated=("runx1",)),
        INT,
        INT,
        "footnote: t(9;11) takes precedence over concurrent adverse-risk gene mutations",
    ),
    ("t(6;9)", genetics(A.T_6_9), ADV, ADV, "2017 & 2022 adverse: t(6;9) DEK::NUP214"),
    (
        "t(v;11q23.3)",
        genetics(A.KMT2A_REARRANGED),
        ADV,
        ADV,
        "2017 & 2022 adverse: t(v;11q23.3) KMT2A rearranged",
    ),
    ("t(9;22)", genetics(A.T_9_22), ADV, ADV, "2017 & 2022 adverse: t(9;22) BCR::ABL1"),
    ("inv(3)", genetics(A.INV_3), ADV, ADV, "2017 & 2022 adverse: inv(3)/t(3;3)"),
    ("-5 / del(5q)", genetics(A.DEL_5Q), ADV, ADV, "2017 & 2022 adverse: -5 or del(5q)"),
    ("-17 / abn(17p)", genetics(A.ABN_17P), ADV, ADV, "2017 & 2022 adverse: -17/abn(17p)"),
    ("complex", genetics(A.COMPLEX), ADV, ADV, "2017 & 2022 adverse: complex karyotype"),
    ("monosomal", genetics(A.MONOSOMAL), ADV, ADV, "2017 & 2022 adverse: monosomal karyotype"),
    (
        "t(8;16)",
        genetics(A.T_8_16),
        INT,
        ADV,
        "2022 adverse: t(8;16) KAT6A::CREBBP; 2017: an abnormality in no row",
    ),
    (
        "t(3q26.2;v)",
        genetics(A.MECOM_REARRANGED),
        INT,
        ADV,
        "2022 adverse: t(3q26.2;v) MECOM(EVI1)-rearranged; 2017: in no row",
    ),
    (
        "Karyotype failed, NPM1 without FLT3-ITD",
        genetics(mutated=("npm1",), karyotype_failed=True),
        NA,
        NA,
        "an adverse karyotype would make it adverse, a normal one favourable",
    ),
    (
        "NPM1 not tested, normal karyotype",
        genetics(untested=("npm1",)),
        NA,
        NA,
        "NPM1 decides between favourable and intermediate",
    ),
    (
        "MR genes not tested, normal karyotype, NPM1 without FLT3-ITD",
        genetics(mutated=("npm1",), untested=("bcor", "ezh2", "sf3b1")),
        FAV,
        FAV,
        "a favourable subtype: the untested MR genes could not make it adverse",
    ),
    (
        "MR genes not tested, wild-type NPM1",
        genetics(untested=("bcor", "ezh2", "sf3b1")),
        INT,
        NA,
        "2022: an MR gene mutated would make it adverse; 2017 does not read them",
    ),
    (
        "t(8;21), everything else not tested",
        genetics(A.T_8_21, untested=PANEL),
        NA,
        NA,
        "a TP53 mutation would make it adverse (no co-occurrence exception for TP53)",
    ),
    (
        "t(15;17)",
        genetics(A.T_15_17),
        NA,
        NA,
        "APL: in neither table, and excluded from the trial",
    ),
]


@pytest.mark.parametrize(
    ("case", "found", "risk_2017", "risk_2022", "rows"),
    CASES,
    ids=[case[0] for case in CASES],
)
def test_it_derives_the_eln_risk_of_the_2017_and_2022_tables(
    case, found, risk_2017, risk_2022, rows
):
    assert (eln2017(found), eln2022(found)) == (risk_2017, risk_2022), rows
