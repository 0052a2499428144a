"""The concomitant-medication form, declared once (read by the services, API, pages,
timeline, exports, ODM, the data dictionary and fingerprints)."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from accounts.models import DATA_ENTRY_ROLES
from casebook.declarations import Form, Item, Odm
from casebook.registry import site
from medications.models import ConcomitantMedication

CONCOMITANT_MEDICATION = Form(
    name="concomitant-medications",
    title=_("Concomitant medication"),
    plural_title=_("Concomitant medications"),
    model=ConcomitantMedication,
    entered_by=DATA_ENTRY_ROLES,
    timeline_order=95,
    export_description="Concomitant medications and supportive care (raw); transfusions are "
    "in the blood-count records.",
    odm=Odm(
        "SE.SAFETY",
        "CONMED",
        "CM",
        rows="concomitant_medications",
        repeat_key="pk",
        form_name="Concomitant medications",
    ),
    items=(
        Item("drug"),
        Item("drug_other"),
        Item("atc_code", entered=False),
        Item("category"),
        # Wide enough for any unit offered (up to 1,000,000 µg); catches a slipped digit.
        Item("dose", minimum=0, maximum=Decimal("1000000")),
        Item("dose_unit"),
        Item("route"),
        Item("started_on"),
        Item("stopped_on"),
        Item("ongoing"),
        Item("indication"),
        Item("indication_detail"),
    ),
    # The link to the deviation a medication opened is the system's bookkeeping, not data
    # a coordinator attests: it changes no signature.
    fingerprint_ignores=("id", "version", "created_at", "updated_at", "created_by", "deviation"),
)

site.register(CONCOMITANT_MEDICATION)
