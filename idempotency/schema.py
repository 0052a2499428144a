"""The OpenAPI document states the Idempotency-Key header on every authenticated POST."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.permissions import AllowAny

from idempotency.middleware import HEADER, REPLAYED_HEADER

DESCRIPTION = (
    "Optional; e.g. a UUID (1 to 255 visible ASCII characters), new for each record. A POST "
    "sent again with the same key and the same body within 24 hours gets the first answer "
    f"again (with `{REPLAYED_HEADER}: true`) and creates nothing; with another body it is a "
    "422. Only a success is kept: after a refusal, correct and resend with the same key."
)


class IdempotentAutoSchema(AutoSchema):
    def get_override_parameters(self) -> list:
        parameters = list(super().get_override_parameters())
        anonymous = all(permission is AllowAny for permission in self.view.permission_classes)
        if self.method == "POST" and not anonymous:
            parameters.append(
                OpenApiParameter(
                    HEADER,
                    OpenApiTypes.STR,
                    location=OpenApiParameter.HEADER,
                    required=False,
                    description=DESCRIPTION,
                )
            )
        return parameters
