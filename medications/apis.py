"""Read endpoint of the concomitant medications (sponsors, data managers, monitors)."""

from __future__ import annotations

from api.lists import scoped_list_api
from medications import models, serializers

ConcomitantMedicationListApi = scoped_list_api(
    name="ConcomitantMedicationListApi",
    model=models.ConcomitantMedication,
    serializer=serializers.ConcomitantMedicationOutput,
    date_field="started_on",
    description="Concomitant medications and supportive care, coded with their ATC code "
    "(empty: ATC unknown). Transfusions are in the blood-count records.",
)
