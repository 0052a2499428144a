"""ELN genetic risk derived from one specimen's karyotype and mutations: pure functions.

ELN 2017 is Döhner et al., Blood 2017;129:424-447, table 5; ELN 2022 is Döhner et al.,
Blood 2022;140:1345-1377, table 6. Both classify AML *at diagnosis*; this trial enrols
relapsed or refractory AML, so the risk derived here (from the screening specimen) describes
the disease at entry by the diagnostic tables, not a validated relapse score.

How the tables are read, where their rows overlap:
- Adverse-risk cytogenetics decide first (2022, footnote to "mutated NPM1": NPM1 with
  adverse-risk cytogenetics is adverse; read the same way for 2017).
- t(9;11) takes precedence over concurrent adverse-risk gene mutations (both tables'
  footnote), TP53 included.
- Mutated TP53 (2022: at a VAF of at least 10 %) is adverse even with a favourable
  subtype: the co-occurrence exception is stated only for RUNX1 and ASXL1 (2017) and for the
  myelodysplasia-related genes (2022).
- RUNX1, ASXL1 (2017) and the myelodysplasia-related genes (2022) are adverse unless the
  disease is a favourable-risk subtype (core-binding factor, NPM1 without FLT3-ITD (2017: or
  with a low allelic ratio), CEBPA biallelic (2017) / bZIP in-frame (2022)).
- FLT3-ITD: 2017 reads the allelic ratio (low < 0.5, high >= 0.5); 2022 ignores it.
- t(15;17) is acute promyelocytic leukaemia, outside both tables and excluded from the trial.

A result that is missing (karyotype failed or not done, a gene not tested, a FLT3-ITD without
its ratio in 2017, a TP53 mutation without its VAF in 2022) is tried at every value it could
take: when the risk is the same whatever it is, the risk is given; otherwise it is
"not assessable".
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class Risk(enum.StrEnum):
    FAVOURABLE = "favourable"
    INTERMEDIATE = "intermediate"
    ADVERSE = "adverse"
    NOT_ASSESSABLE = "not_assessable"

    @property
    def label(self) -> StrOrPromise:
        """The risk group in the reader's language (lazy: tables built at import keep it)."""
        return _RISK_LABELS[self]


_RISK_LABELS = {
    Risk.FAVOURABLE: gettext_lazy("Favourable"),
    Risk.INTERMEDIATE: gettext_lazy("Intermediate"),
    Risk.ADVERSE: gettext_lazy("Adverse"),
    Risk.NOT_ASSESSABLE: gettext_lazy("Not assessable"),
}


class Abnormality(enum.StrEnum):
    """The karyotype's structured abnormalities that decide risk (the specimen's fields)."""

    T_8_21 = "t_8_21"  # t(8;21)(q22;q22.1) RUNX1::RUNX1T1
    INV_16 = "inv_16"  # inv(16)(p13.1q22) or t(16;16)(p13.1;q22) CBFB::MYH11
    T_15_17 = "t_15_17"  # t(15;17) PML::RARA: APL, excluded from the trial
    T_9_11 = "t_9_11"  # t(9;11)(p21.3;q23.3) MLLT3::KMT2A
    T_6_9 = "t_6_9"  # t(6;9)(p23;q34.1) DEK::NUP214
    KMT2A_REARRANGED = "kmt2a_rearranged"  # t(v;11q23.3) other than t(9;11); not KMT2A-PTD
    T_9_22 = "t_9_22"  # t(9;22)(q34.1;q11.2) BCR::ABL1
    T_8_16 = "t_8_16"  # t(8;16)(p11.2;p13.3) KAT6A::CREBBP (adverse in 2022 only)
    INV_3 = "inv_3"  # inv(3)(q21.3q26.2) or t(3;3)(q21.3;q26.2) GATA2, MECOM
    MECOM_REARRANGED = "mecom_rearranged"  # t(3q26.2;v) (adverse in 2022 only)
    DEL_5Q = "del_5q"  # -5 or del(5q)
    MONOSOMY_7 = "monosomy_7"  # -7
    ABN_17P = "abn_17p"  # -17 / abn(17p)
    COMPLEX = "complex_karyotype"  # >= 3 unrelated abnormalities
    MONOSOMAL = "monosomal_karyotype"


_CORE_BINDING_FACTOR = frozenset({Abnormality.T_8_21, Abnormality.INV_16})
_ADVERSE_2017 = frozenset(
    {
        Abnormality.T_6_9,
        Abnormality.KMT2A_REARRANGED,
        Abnormality.T_9_22,
        Abnormality.INV_3,
        Abnormality.DEL_5Q,
        Abnormality.MONOSOMY_7,
        Abnormality.ABN_17P,
        Abnormality.COMPLEX,
        Abnormality.MONOSOMAL,
    }
)
_ADVERSE_2022 = _ADVERSE_2017 | {Abnormality.T_8_16, Abnormality.MECOM_REARRANGED}

# Genes mutated in an adverse-risk row unless with a favourable-risk subtype.
ADVERSE_GENES_2017 = ("runx1", "asxl1")
MYELODYSPLASIA_GENES_2022 = ("bcor", "ezh2", "sf3b1", "srsf2", "stag2", "u2af1", "zrsr2")
ADVERSE_GENES_2022 = ("asxl1", "runx1", *MYELODYSPLASIA_GENES_2022)
FLT3_ITD_HIGH_RATIO = Decimal("0.5")  # 2017: allelic ratio >= 0.5 is "high"
TP53_VAF_AT_LEAST = Decimal("10")  # 2022: TP53 counts at a VAF of at least 10 %


@dataclass(frozen=True)
class Genetics:
    """What one specimen says. `mutated`: gene (the specimen's field name) -> True
    (mutated), False (not detected), None (not tested)."""

    karyotype_known: bool  # False when the karyotype failed or was not done
    abnormalities: frozenset[Abnormality] = frozenset()
    mutated: Mapping[str, bool | None] = field(default_factory=dict)
    flt3_itd_allelic_ratio: Decimal | None = None
    tp53_vaf: Decimal | None = None  # %

    def gene(self, name: str) -> bool | None:
        return self.mutated.get(name)


class _Cytogenetics(enum.Enum):
    CORE_BINDING_FACTOR = "cbf"
    ADVERSE = "adverse"
    T_9_11 = "t(9;11)"
    OTHER = "other"  # normal, or abnormalities in no row: intermediate


_ANY_KARYOTYPE = tuple(_Cytogenetics)
_UNKNOWN = (True, False)


def _cytogenetics(genetics: Genetics, adverse: frozenset[Abnormality]) -> tuple[_Cytogenetics, ...]:
    if not genetics.karyotype_known:
        return _ANY_KARYOTYPE
    found = genetics.abnormalities
    if found & _CORE_BINDING_FACTOR:
        return (_Cytogenetics.CORE_BINDING_FACTOR,)
    if found & adverse:
        return (_Cytogenetics.ADVERSE,)
    if Abnormality.T_9_11 in found:
        return (_Cytogenetics.T_9_11,)
    return (_Cytogenetics.OTHER,)


def _known(value: bool | None) -> tuple[bool, ...]:
    return _UNKNOWN if value is None else (value,)


def _any_mutated(genetics: Genetics, genes: tuple[str, ...]) -> tuple[bool, ...]:
    """Whether any of the genes is mutated: yes if one is, no if all were tested negative."""
    results = [genetics.gene(name) for name in genes]
    if any(results):
        return (True,)
    return (False,) if all(result is False for result in results) else _UNKNOWN


def _resolved(rule: Callable[..., Risk], possibilities: Mapping[str, tuple[object, ...]]) -> Risk:
    """Return the rule's risk if every value the missing results could take gives the same
    one; otherwise "not assessable"."""
    names = list(possibilities)
    seen: set[Risk] = set()
    for values in itertools.product(*(possibilities[name] for name in names)):
        seen.add(rule(**dict(zip(names, values, strict=True))))
        if len(seen) > 1:
            return Risk.NOT_ASSESSABLE
    return seen.pop()


def _flt3_itd_2017(genetics: Genetics) -> tuple[str, ...]:
    """negative, low (allelic ratio < 0.5) or high (>= 0.5); each it could be when missing."""
    itd = genetics.gene("flt3_itd")
    if itd is False:
        return ("negative",)
    ratio = genetics.flt3_itd_allelic_ratio
    positive = ("high",) if ratio is not None and ratio >= FLT3_ITD_HIGH_RATIO else ("low",)
    if itd is True:
        return positive if ratio is not None else ("low", "high")
    return ("negative", "low", "high")


def _rule_2017(
    cytogenetics: _Cytogenetics,
    tp53: bool,
    npm1: bool,
    flt3_itd: str,
    cebpa_biallelic: bool,
    runx1_or_asxl1: bool,
) -> Risk:
    if cytogenetics is _Cytogenetics.ADVERSE:
        return Risk.ADVERSE
    if cytogenetics is _Cytogenetics.T_9_11:
        return Risk.INTERMEDIATE
    if tp53:
        return Risk.ADVERSE
    if cytogenetics is _Cytogenetics.CORE_BINDING_FACTOR:
        return Risk.FAVOURABLE
    if npm1 and flt3_itd in ("negative", "low"):
        return Risk.FAVOURABLE
    if cebpa_biallelic:
        return Risk.FAVOURABLE
    if runx1_or_asxl1:
        return Risk.ADVERSE
    if not npm1 and flt3_itd == "high":
        return Risk.ADVERSE
    # NPM1 with FLT3-ITD high; wild-type NPM1 without FLT3-ITD or with it low; cytogenetic
    # abnormalities in no other row.
    return Risk.INTERMEDIATE


def _rule_2022(
    cytogenetics: _Cytogenetics,
    tp53: bool,
    npm1: bool,
    flt3_itd: bool,
    cebpa_bzip: bool,
    adverse_gene: bool,
) -> Risk:
    if cytogenetics is _Cytogenetics.ADVERSE:
        return Risk.ADVERSE
    if cytogenetics is _Cytogenetics.T_9_11:
        return Risk.INTERMEDIATE
    if tp53:
        return Risk.ADVERSE
    if cytogenetics is _Cytogenetics.CORE_BINDING_FACTOR:
        return Risk.FAVOURABLE
    if npm1 and not flt3_itd:
        return Risk.FAVOURABLE
    if cebpa_bzip:
        return Risk.FAVOURABLE
    if adverse_gene:
        return Risk.ADVERSE
    # NPM1 with FLT3-ITD; wild-type NPM1 with FLT3-ITD; abnormalities in no other row.
    return Risk.INTERMEDIATE


def _tp53_2022(genetics: Genetics) -> tuple[bool, ...]:
    """Mutated at a VAF of at least 10 %: a mutation without its VAF could be either."""
    tp53 = genetics.gene("tp53")
    if tp53 is not True:
        return _known(tp53)
    if genetics.tp53_vaf is None:
        return _UNKNOWN
    return (genetics.tp53_vaf >= TP53_VAF_AT_LEAST,)


# What eln2017 reads of a specimen, and nothing else: the karyotype known or not; whether
# any abnormality of each of these sets is found; whether the FLT3-ITD allelic ratio is
# missing, below or at least FLT3_ITD_HIGH_RATIO; these genes. Specimens alike in these have
# the same ELN 2017 risk, so the database groups them by these and eln2017 is asked once a
# group (biology.selectors.screening_eln2017_counts): a change to eln2017 that reads more
# changes this declaration too (tests/biology/test_eln2017_counted_by_groups.py tries it).
ELN2017_ABNORMALITY_SETS: dict[str, frozenset[Abnormality]] = {
    "apl": frozenset({Abnormality.T_15_17}),
    "core_binding_factor": _CORE_BINDING_FACTOR,
    "adverse": _ADVERSE_2017,
    "t_9_11": frozenset({Abnormality.T_9_11}),
}
ELN2017_GENES: tuple[str, ...] = (
    "tp53",
    "npm1",
    "flt3_itd",
    "cebpa_biallelic",
    *ADVERSE_GENES_2017,
)


def eln2017(genetics: Genetics) -> Risk:
    """Return the ELN 2017 genetic risk (Döhner 2017, table 5)."""
    if Abnormality.T_15_17 in genetics.abnormalities:
        return Risk.NOT_ASSESSABLE  # APL: in neither table, and excluded from the trial
    return _resolved(
        _rule_2017,
        {
            "cytogenetics": _cytogenetics(genetics, _ADVERSE_2017),
            "tp53": _known(genetics.gene("tp53")),
            "npm1": _known(genetics.gene("npm1")),
            "flt3_itd": _flt3_itd_2017(genetics),
            "cebpa_biallelic": _known(genetics.gene("cebpa_biallelic")),
            "runx1_or_asxl1": _any_mutated(genetics, ADVERSE_GENES_2017),
        },
    )


def eln2022(genetics: Genetics) -> Risk:
    """Return the ELN 2022 genetic risk (Döhner 2022, table 6)."""
    if Abnormality.T_15_17 in genetics.abnormalities:
        return Risk.NOT_ASSESSABLE  # APL: in neither table, and excluded from the trial
    return _resolved(
        _rule_2022,
        {
            "cytogenetics": _cytogenetics(genetics, _ADVERSE_2022),
            "tp53": _tp53_2022(genetics),
            "npm1": _known(genetics.gene("npm1")),
            "flt3_itd": _known(genetics.gene("flt3_itd")),
            "cebpa_bzip": _known(genetics.gene("cebpa_bzip")),
            "adverse_gene": _any_mutated(genetics, ADVERSE_GENES_2022),
        },
    )
