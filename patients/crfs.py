"""The forms entered at screening, before randomization, declared once (issue 13 item 4).

Their records are served by the generic record pages and API (registered as record kinds
by dashboard/apps.py, the layer above visits), and read from these declarations by the
timeline, exports, ODM, the data dictionary and the signature fingerprints.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from accounts.models import DATA_ENTRY_ROLES
from casebook.declarations import Form, Item, Odm
from casebook.registry import site
from patients import history
from patients.models import DiseaseHistory, PriorRegimen

DISEASE_HISTORY = Form(
    name="disease-history",
    title=_("Disease history"),
    plural_title=_("Disease histories"),
    model=DiseaseHistory,
    entered_by=DATA_ENTRY_ROLES,
    timeline_order=12,
    single=True,
    at_screening=True,
    export_description="Disease history before study entry, with the derived disease status (raw).",
    odm=Odm(
        "SE.SCREENING",
        "DISEASE_HISTORY",
        "DH",
        rows="disease_history",
        form_name="Disease history",
    ),
    items=(
        Item("first_cr_on"),
        Item("first_relapse_on"),
        Item("relapses", minimum=0, maximum=10),
        Item("prior_hsct_on"),
        Item("disease_status_derived", entered=False, help_text=history.STATUS_HELP),
        Item("cr1_days", unit="days", entered=False, help_text=history.CR1_HELP),
        Item("relapse_timing", entered=False, help_text=history.RELAPSE_TIMING_HELP),
        Item("prior_lines_counted", entered=False, help_text=history.LINES_HELP),
        Item("prior_cytarabine", entered=False, help_text=history.CYTARABINE_HELP),
    ),
)

PRIOR_REGIMEN = Form(
    name="prior-regimens",
    title=_("Prior regimen"),
    plural_title=_("Prior regimens"),
    model=PriorRegimen,
    entered_by=DATA_ENTRY_ROLES,
    timeline_order=14,
    at_screening=True,
    export_description="Regimens received before the study, with their best response (raw).",
    odm=Odm(
        "SE.SCREENING",
        "PRIOR_REGIMEN",
        "PRREG",
        rows="prior_regimens",
        repeat_key="pk",
        form_name="Prior regimens",
    ),
    items=(
        Item("regimen", label=_("regimen")),
        Item("regimen_other"),
        Item("started_on"),
        Item("ended_on"),
        Item("cytarabine_containing"),
        Item("best_response", label=_("best response")),
    ),
)

site.register(DISEASE_HISTORY, PRIOR_REGIMEN)
