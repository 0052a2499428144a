"""The blood-count and transfusion forms, declared once (casebook.registry reads this module).

Units are those of the response form (×10⁹/L) and g/dL for haemoglobin. The plausible ranges
catch a slipped digit or a count typed in the wrong unit (platelets in /µL, haemoglobin in
g/L): the services refuse a value outside them.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from accounts.models import DATA_ENTRY_ROLES
from casebook.declarations import Form, Item, Odm
from casebook.registry import site
from labs.models import BloodCount, Transfusion
from visits.crfs import GIGA_PER_LITRE

BLOOD_COUNT = Form(
    name="blood-counts",
    title=_("Blood count"),
    plural_title=_("Blood counts"),
    model=BloodCount,
    entered_by=DATA_ENTRY_ROLES,
    timeline_order=35,
    export_description="Blood counts, one row per sample (raw); ADLB is their analysis dataset.",
    odm=Odm(
        "SE.TREATMENT",
        "BLOOD_COUNT",
        "LB",
        rows="blood_counts",
        repeat_key="pk",
        form_name="Blood counts",
    ),
    items=(
        Item("cycle_number", minimum=1, maximum=99),
        Item("sampled_on"),
        Item("anc", unit=GIGA_PER_LITRE, minimum=0, maximum=Decimal("100")),
        Item("platelets", unit=GIGA_PER_LITRE, minimum=0, maximum=Decimal("2000")),
        Item("haemoglobin", unit="g/dL", minimum=Decimal("2"), maximum=Decimal("25")),
        Item("wbc", unit=GIGA_PER_LITRE, minimum=0, maximum=Decimal("500")),
        Item("peripheral_blasts_pct", unit="%", minimum=0, maximum=100),
    ),
)

TRANSFUSION = Form(
    name="transfusions",
    title=_("Transfusion"),
    plural_title=_("Transfusions"),
    model=Transfusion,
    entered_by=DATA_ENTRY_ROLES,
    timeline_order=36,
    export_description="Transfusions of red cells and platelets (raw).",
    odm=Odm(
        "SE.TREATMENT",
        "TRANSFUSION",
        "TF",
        rows="transfusions",
        repeat_key="pk",
        form_name="Transfusions",
    ),
    items=(
        Item("cycle_number", minimum=1, maximum=99),
        Item("given_on"),
        Item("product"),
        Item("units", minimum=1, maximum=10),
    ),
)

site.register(BLOOD_COUNT, TRANSFUSION)
