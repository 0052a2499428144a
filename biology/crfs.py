"""The biology form, declared once: one record per specimen (karyotype and mutations).

Read, like visits' forms, by the services, the API, the pages, the timeline, the raw-table
exports, ODM, the data dictionary and the signature fingerprints.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from accounts.models import DATA_ENTRY_ROLES
from biology.eln import Abnormality
from biology.models import Specimen
from casebook.declarations import Form, Item, Odm
from casebook.registry import site

# The genes of the form, in the order it shows them: the existing screening panel, KIT,
# CEBPA (2017 biallelic / 2022 bZIP) and the myelodysplasia-related genes of ELN 2022.
GENES: tuple[str, ...] = (
    "npm1",
    "flt3_itd",
    "flt3_tkd",
    "cebpa_biallelic",
    "cebpa_bzip",
    "runx1",
    "asxl1",
    "tp53",
    "kit",
    "idh1",
    "idh2",
    "bcor",
    "ezh2",
    "sf3b1",
    "srsf2",
    "stag2",
    "u2af1",
    "zrsr2",
)
GENES_WITHOUT_VAF = frozenset({"cebpa_biallelic"})  # two variants: no single VAF


def _gene_items() -> tuple[Item, ...]:
    items: list[Item] = []
    for gene in GENES:
        items.append(Item(gene))
        if gene not in GENES_WITHOUT_VAF:
            items.append(Item(f"{gene}_vaf", unit="%", minimum=0, maximum=100))
        if gene == "flt3_itd":
            # Ratios above 10 are unusual; 100 catches a VAF typed in the ratio's place.
            items.append(Item("flt3_itd_allelic_ratio", minimum=0, maximum=100))
    return tuple(items)


SPECIMEN = Form(
    name="biology",
    title=_("Biology specimen"),
    plural_title=_("Biology (karyotype and mutations)"),
    model=Specimen,
    entered_by=DATA_ENTRY_ROLES,
    timeline_order=22,
    export_description="Biology specimens: karyotype and mutations, at screening and at "
    "on-study relapse (raw). The ELN risk derived from the screening specimen is in ADSL.",
    odm=Odm(
        "SE.BIOLOGY",
        "BIOLOGY",
        "BIO",
        rows="biology_specimens",
        repeat_key="pk",
        form_name="Biology specimens",
    ),
    items=(
        Item("collected_on"),
        Item("timepoint"),
        Item("karyotype"),
        Item("karyotype_iscn"),
        *(Item(abnormality.value) for abnormality in Abnormality),
        *_gene_items(),
    ),
)

site.register(SPECIMEN)
