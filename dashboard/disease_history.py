"""The screening-time forms of patients (disease history, prior regimens) as record kinds.

patients sits below visits and cannot register them: this layer does (dashboard/apps.py),
so the generic record pages and write API serve them like every form, through
patients/history_services.py. Here too their API outputs and list endpoints.
"""

from __future__ import annotations

from api.lists import scoped_list_api
from patients import crfs, history_services
from patients.models import DiseaseHistory, PriorRegimen
from visits.records import RecordKind
from visits.serializers import FormOutput


class DiseaseHistoryOutput(FormOutput):
    form = crfs.DISEASE_HISTORY


class PriorRegimenOutput(FormOutput):
    form = crfs.PRIOR_REGIMEN


DiseaseHistoryListApi = scoped_list_api(
    name="DiseaseHistoryListApi",
    model=DiseaseHistory,
    serializer=DiseaseHistoryOutput,
    date_field=None,
    description="Disease histories before study entry, with the disease status, CR1 "
    "duration, lines of therapy and cytarabine exposure derived from them and the regimens.",
)
PriorRegimenListApi = scoped_list_api(
    name="PriorRegimenListApi",
    model=PriorRegimen,
    serializer=PriorRegimenOutput,
    date_field="started_on",
    description="Regimens received before the study, with their best response.",
)

RECORD_KINDS = (
    RecordKind(
        crfs.DISEASE_HISTORY,
        history_services.disease_history_record,
        history_services.disease_history_update,
        "history_record",
    ),
    RecordKind(
        crfs.PRIOR_REGIMEN,
        history_services.prior_regimen_record,
        history_services.prior_regimen_update,
        "regimen",
    ),
)
