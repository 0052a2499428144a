"""Read endpoints of blood counts and transfusions (sponsors, data managers)."""

from __future__ import annotations

from api.lists import scoped_list_api
from labs import models, serializers

BloodCountListApi = scoped_list_api(
    name="BloodCountListApi",
    model=models.BloodCount,
    serializer=serializers.BloodCountOutput,
    date_field="sampled_on",
    description="Blood counts, one per sample, each in its treatment cycle (×10⁹/L; "
    "haemoglobin g/dL).",
)
TransfusionListApi = scoped_list_api(
    name="TransfusionListApi",
    model=models.Transfusion,
    serializer=serializers.TransfusionOutput,
    date_field="given_on",
    description="Transfusions of red cells and platelets, each in its treatment cycle.",
)
