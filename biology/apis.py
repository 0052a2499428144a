"""Read endpoint of the biology specimens (sponsors, data managers)."""

from __future__ import annotations

from api.lists import scoped_list_api
from biology import models, serializers

SpecimenListApi = scoped_list_api(
    name="SpecimenListApi",
    model=models.Specimen,
    serializer=serializers.SpecimenOutput,
    date_field="collected_on",
    description="Biology specimens: karyotype (ISCN and the abnormalities that decide the "
    "ELN risk) and mutations with their VAF, at screening and at on-study relapse.",
)
