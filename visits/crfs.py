"""The forms a coordinator fills in after randomization, declared once.

Read by the services (which fields a form takes), the API serializers and HTML forms, the
timeline, the raw-table exports, ODM, the data dictionary and the signature fingerprints.
A new form is a declaration here, its model and migration, its rules in the services, and
its tests.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from accounts.models import DATA_ENTRY_ROLES
from casebook.declarations import Computed, Form, Item, Odm
from casebook.registry import site
from visits.models import (
    AdverseEvent,
    EndOfTreatment,
    FollowUpVisit,
    MrdAssessment,
    OffStudy,
    PostTransplantEvent,
    ResponseAssessment,
    Transplant,
    TreatmentCycle,
)
from visits.mrd import NEGATIVITY_HELP
from visits.treatment_emergence import HELP_TEXT as TEAE_HELP_TEXT
from visits.treatment_emergence import treatment_emergent

GIGA_PER_LITRE = "×10⁹/L"

CYCLE = Form(
    name="cycles",
    title=_("Treatment cycle"),
    plural_title=_("Treatment cycles"),
    model=TreatmentCycle,
    entered_by=DATA_ENTRY_ROLES,
    timeline_order=30,
    export_description="Treatment cycles (raw).",
    odm=Odm(
        "SE.TREATMENT",
        "CYCLE",
        "CY",
        rows="cycles",
        repeat_key="number",
        form_name="Treatment cycles",
    ),
    items=(
        Item("number", entered=False, label=_("number")),
        Item("phase", entered=False, label=_("phase")),
        Item("started_on"),
        Item("ended_on"),
        # Totals per cycle; the ranges are wide enough for any salvage schedule (high-dose
        # cytarabine 3 g/m² twice daily for 3 days is 18,000 mg/m²) and catch a slipped digit.
        Item("amsacrine_mg_m2", unit="mg/m²", minimum=0, maximum=1500),
        Item("cytarabine_mg_m2", unit="mg/m²", minimum=0, maximum=25000),
        Item("azacitidine_mg_m2", unit="mg/m²", minimum=0, maximum=1500),
        # Dexamethasone is the arm's treatment: these tell the arm (withheld from blinded
        # readers' lists, exports and ODM while the trial runs, randomization/blinding.py).
        Item("dexamethasone_given", reveals_arm=True),
        Item("dexamethasone_mg", unit="mg", minimum=0, maximum=1000, reveals_arm=True),
        Item("delay_days", unit="days", minimum=0, maximum=180),
        Item("dose_reduced"),
        Item("modification_note"),
    ),
)

RESPONSE = Form(
    name="responses",
    title=_("Response assessment"),
    plural_title=_("Response assessments"),
    model=ResponseAssessment,
    entered_by=DATA_ENTRY_ROLES,
    timeline_order=40,
    export_description="Response assessments (raw).",
    # The timepoint came after signatures were given. Every assessment got one by rule when
    # it came (visits migration 0004_responseassessment_timepoint): a casebook signed before
    # then did not attest it, and reads as changed until signed again.
    fingerprint_added_fields=("timepoint",),
    odm=Odm(
        "SE.TREATMENT",
        "RESPONSE",
        "RS",
        rows="responses",
        repeat_key="pk",
        form_name="Response assessments",
    ),
    items=(
        Item("assessed_on"),
        # Which assessment this is (protocol.ResponseTimepoint); proposed from the course.
        Item("timepoint", label=_("timepoint")),
        Item("after_cycle", entered=False, label=_("after cycle")),
        Item("category", label=_("category")),
        Item("marrow_blasts_pct", unit="%", minimum=0, maximum=100),
        Item("anc", unit=GIGA_PER_LITRE, minimum=0, maximum=Decimal("100")),
        Item("platelets", unit=GIGA_PER_LITRE, minimum=0, maximum=Decimal("2000")),
        Item("circulating_blasts"),
        Item("auer_rods"),
        Item("extramedullary_disease", label=_("extramedullary disease")),
        Item("transfusion_dependent", label=_("transfusion dependent")),
        Item("mrd_negative"),
    ),
)

MRD = Form(
    name="mrd",
    title=_("MRD assessment"),
    plural_title=_("MRD assessments"),
    model=MrdAssessment,
    entered_by=DATA_ENTRY_ROLES,
    timeline_order=45,
    export_description="Measurable residual disease assessments (raw); the analysis "
    "dataset is ADMRD.",
    odm=Odm(
        "SE.TREATMENT",
        "MRD",
        "MRD",
        rows="mrd_assessments",
        repeat_key="pk",
        form_name="MRD assessments",
    ),
    items=(
        Item("assessed_on"),
        Item("timepoint", label=_("timepoint")),
        Item("method", label=_("method")),
        Item("method_other"),
        # From 10⁻⁶ (the best NGS/qPCR assays) to 10⁻² (a slipped digit beyond either).
        Item("sensitivity", minimum=Decimal("0.000001"), maximum=Decimal("0.01")),
        Item("result", label=_("result")),
        Item("value", minimum=0, maximum=1),
        Item("negative", entered=False, help_text=NEGATIVITY_HELP),
    ),
)

TRANSPLANT = Form(
    name="transplant",
    title=_("Allo-HSCT"),
    plural_title=_("Allo-HSCTs"),
    model=Transplant,
    entered_by=DATA_ENTRY_ROLES,
    timeline_order=50,
    single=True,
    export_description="Allogeneic stem-cell transplants (raw).",
    odm=Odm(
        "SE.TREATMENT", "TRANSPLANT", "TX", rows="transplant", form_name="Allogeneic transplant"
    ),
    items=(
        Item("transplanted_on"),
        Item("donor_type", label=_("donor type")),
        Item("conditioning", label=_("conditioning")),
        # Allo-HSCT is allowed once the disease is controlled: in uncontrolled disease it is
        # recorded all the same, with a major protocol deviation (services/deviations.py).
        Item("disease_status"),
        Item("mrd_status"),
        Item("graft_source", label=_("graft source")),
    ),
    # Added by issues 11 and 13: empty on transplants signed before, so no stored signature
    # breaks.
    fingerprint_added_fields=("disease_status", "mrd_status", "graft_source"),
)

TRANSPLANT_EVENT = Form(
    name="transplant-events",
    title=_("After the allo-HSCT: second HSCT, DLI, GVHD"),
    plural_title=_("After the allo-HSCT (second HSCT, DLI, GVHD)"),
    model=PostTransplantEvent,
    entered_by=DATA_ENTRY_ROLES,
    timeline_order=55,
    export_description="Second HSCT, donor lymphocyte infusions, acute and chronic GVHD (raw).",
    odm=Odm(
        "SE.TREATMENT",
        "TRANSPLANT_EVENT",
        "TXE",
        rows="transplant_events",
        repeat_key="pk",
        form_name="After the allo-HSCT",
        group_name="Transplant event",
    ),
    items=(
        Item("kind", label=_("kind")),
        Item("occurred_on"),
        Item("after_hsct", entered=False),
        Item("donor_type", label=_("donor type")),
        Item("conditioning", label=_("conditioning")),
        Item("graft_source", label=_("graft source")),
        Item("disease_status"),
        Item("mrd_status"),
        # DLI doses run from 10⁵ to 10⁸ CD3+ cells/kg: 0.1 to 100 ×10⁶/kg, a digit either way.
        Item("dli_cd3_per_kg", unit="×10⁶ CD3+ cells/kg", minimum=Decimal("0.01"), maximum=1000),
        Item("acute_gvhd_grade"),
        Item("chronic_gvhd_severity"),
    ),
)

END_OF_TREATMENT = Form(
    name="end-of-treatment",
    title=_("End of treatment"),
    plural_title=_("End of treatments"),
    model=EndOfTreatment,
    entered_by=DATA_ENTRY_ROLES,
    timeline_order=60,
    single=True,
    export_description="Ends of treatment (raw).",
    odm=Odm(
        "SE.TREATMENT",
        "END_OF_TREATMENT",
        "EOT",
        rows="end_of_treatment",
        form_name="End of treatment",
    ),
    items=(Item("ended_on"), Item("reason", label=_("reason")), Item("note", label=_("note"))),
)

FOLLOW_UP_VISIT = Form(
    name="follow-up-visits",
    title=_("Follow-up visit"),
    plural_title=_("Follow-up visits"),
    model=FollowUpVisit,
    entered_by=DATA_ENTRY_ROLES,
    timeline_order=70,
    export_description="Follow-up visits (raw).",
    # One study event per visit: the visit itself is the event's subject.
    odm=Odm("SE.FOLLOW_UP", "FOLLOW_UP", "FU", rows="", form_name="Follow-up visit"),
    items=(
        Item("month", entered=False, label=_("month")),
        Item("target_on", entered=False, label=_("target on")),
        Item("window_opens_on", entered=False, label=_("window opens on")),
        Item("window_closes_on", entered=False, label=_("window closes on")),
        Item("performed_on"),
        Item("vital_status", label=_("vital status")),
        Item("disease_status", label=_("disease status")),
        Item("new_therapy"),
        Item("transplant_since_last"),
        # Set by "mark missed", not by the visit form.
        Item("missed_reason", entered=False, label=_("missed reason")),
    ),
)

OFF_STUDY = Form(
    name="off-study",
    title=_("Off study (death, withdrawal, lost to follow-up, end of study, follow-up completed)"),
    plural_title=_("Off-study events"),
    model=OffStudy,
    entered_by=DATA_ENTRY_ROLES,
    timeline_order=80,
    single=True,
    export_description="Off-study events (raw).",
    odm=Odm("SE.OFF_STUDY", "OFF_STUDY", "OS", rows="off_study", form_name="Off study"),
    items=(
        Item("reason", label=_("reason")),
        Item("event_on", label=_("event on")),
        Item("death_cause", label=_("death cause")),
        # Chosen among the patient's adverse events by the service, not typed as a field.
        Item("fatal_adverse_event", entered=False, label=_("fatal adverse event")),
        Item("data_use"),
        Item("note", label=_("note")),
    ),
)

ADVERSE_EVENT = Form(
    name="adverse-events",
    title=_("Adverse event"),
    plural_title=_("Adverse events"),
    model=AdverseEvent,
    entered_by=DATA_ENTRY_ROLES,
    timeline_order=90,
    export_description="Adverse events (raw).",
    odm=Odm(
        "SE.SAFETY",
        "ADVERSE_EVENT",
        "AE",
        rows="adverse_events",
        repeat_key="pk",
        form_name="Adverse events",
    ),
    items=(
        Item("term"),
        Item("term_specified"),
        Item("grade", minimum=1, maximum=5, label=_("grade")),
        Item("serious"),
        Item("onset_on"),
        Item("resolved_on"),
        Item(
            "related_to_dexamethasone", reveals_arm=True, label=_("related to dexamethasone")
        ),  # "not applicable": control
        Item("related_to_salvage"),
        Item("action_taken", label=_("action taken")),
        Item("sae_reviewed_at", entered=False, label=_("sae reviewed at")),
    ),
    # Derived from the cycles when read (visits/treatment_emergence.py), never typed.
    computed=(
        Computed(
            "treatment_emergent",
            _("Treatment-emergent (TEAE)"),
            "boolean",
            expression=treatment_emergent,
            help_text=TEAE_HELP_TEXT,
        ),
    ),
    # An SAE's review (who marked it reviewed, when) is the reviewer's acknowledgement, not
    # clinical data: marking it reviewed breaks no signature and clears no verification.
    # Signatures and marks stored before were re-stamped (review migration 0004).
    fingerprint_ignores=(
        "id",
        "version",
        "created_at",
        "updated_at",
        "created_by",
        "sae_reviewed_at",
        "sae_reviewed_by",
    ),
)

site.register(
    CYCLE,
    RESPONSE,
    MRD,
    TRANSPLANT,
    TRANSPLANT_EVENT,
    END_OF_TREATMENT,
    FOLLOW_UP_VISIT,
    OFF_STUDY,
    ADVERSE_EVENT,
)
