"""Read endpoints of the treatment, follow-up and safety records (sponsors, data managers)."""

from __future__ import annotations

from api.lists import scoped_list_api
from visits import crfs, models, serializers

CycleListApi = scoped_list_api(
    name="CycleListApi",
    model=models.TreatmentCycle,
    serializer=serializers.CycleOutput,
    date_field="started_on",
    description="Treatment cycles, with doses and modifications.",
)
ResponseListApi = scoped_list_api(
    name="ResponseListApi",
    model=models.ResponseAssessment,
    serializer=serializers.ResponseOutput,
    date_field="assessed_on",
    description="Response assessments (ELN 2017 / IWG) with the values they rest on.",
)
MrdListApi = scoped_list_api(
    name="MrdListApi",
    model=models.MrdAssessment,
    serializer=serializers.MrdOutput,
    date_field="assessed_on",
    description="MRD assessments (flow cytometry, NPM1 qPCR, other), each with its "
    "negativity derived by the protocol's rule (< 10⁻³ by flow).",
)
TransplantListApi = scoped_list_api(
    name="TransplantListApi",
    model=models.Transplant,
    serializer=serializers.TransplantOutput,
    date_field="transplanted_on",
    description="Allogeneic stem-cell transplants.",
)
TransplantEventListApi = scoped_list_api(
    name="TransplantEventListApi",
    model=models.PostTransplantEvent,
    serializer=serializers.TransplantEventOutput,
    date_field="occurred_on",
    description="After the allo-HSCT: second HSCT, donor lymphocyte infusions (CD3+ dose), "
    "acute GVHD (grade I-IV) and chronic GVHD (NIH severity), each linked to the HSCT it "
    "follows.",
)
EndOfTreatmentListApi = scoped_list_api(
    name="EndOfTreatmentListApi",
    model=models.EndOfTreatment,
    serializer=serializers.EndOfTreatmentOutput,
    date_field="ended_on",
    description="Ends of study treatment, with their reason.",
)
FollowUpVisitListApi = scoped_list_api(
    name="FollowUpVisitListApi",
    model=models.FollowUpVisit,
    serializer=serializers.FollowUpVisitOutput,
    date_field="target_on",
    description="Follow-up visits: planned (with windows), done or missed.",
)
OffStudyListApi = scoped_list_api(
    name="OffStudyListApi",
    model=models.OffStudy,
    serializer=serializers.OffStudyOutput,
    date_field="event_on",
    description="Off-study events: death (with cause), consent withdrawal, lost to follow-up, "
    "end of study reached, follow-up completed.",
)
AdverseEventListApi = scoped_list_api(
    name="AdverseEventListApi",
    model=models.AdverseEvent,
    serializer=serializers.AdverseEventOutput,
    date_field="onset_on",
    description="Adverse events coded with CTCAE v5.0 terms and grades, each with its "
    "treatment-emergent flag (TEAE), derived from the cycles when read.",
    computed=crfs.ADVERSE_EVENT.with_computed,
)
DeviationListApi = scoped_list_api(
    name="DeviationListApi",
    model=models.ProtocolDeviation,
    serializer=serializers.DeviationOutput,
    date_field=None,
    updated_field="updated_at",
    related=("patient", "patient__site", "cycle"),
    description="Protocol deviations found by the system (kept, never blocking), each with "
    "its severity (major or minor, declared per kind in the protocol).",
)
