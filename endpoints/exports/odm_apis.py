"""GET /api/v1/exports/odm/?audit=true|false: the clinical data as CDISC ODM 1.3.2 XML."""

from __future__ import annotations

from django.http import StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.views import APIView

import protocol
from endpoints.exports import xml_writing as xml
from endpoints.exports.odm import odm_export
from randomization.blinding import arms_visible_to
from randomization.services import arms_viewing_record


class XmlRenderer(BaseRenderer):
    """Lets a client ask for application/xml. The export itself is streamed by the view;
    what is rendered here is an error, as <errors><error field="...">message</error>."""

    media_type = "application/xml"
    format = "xml"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if data is None:
            return b""
        messages = data.items() if isinstance(data, dict) else [("detail", data)]
        errors = "".join(
            xml.element("error", message, {"field": field})
            for field, value in messages
            for message in (value if isinstance(value, list) else [value])
        )
        return f'<?xml version="1.0" encoding="UTF-8"?>\n<errors>{errors}</errors>\n'.encode()


class OdmExportInput(serializers.Serializer):
    audit = serializers.BooleanField(
        default=False, help_text="Add each value's audit record (who, when, why)."
    )


class OdmExportApi(APIView):
    """Stream every visible patient's records as a CDISC ODM 1.3.2 snapshot.

    One SubjectData per patient (SubjectKey: the study ID; SiteRef: the site), with the
    MetaDataVersion describing every form, item and code list. With `audit=true`, each
    record and value carries the AuditRecord of the change that gave it its current value.
    Site-bound roles get their own sites' patients only. A reader who may not see the arms
    gets no ItemData of the items that tell the arm (the randomization's arm and position,
    the dexamethasone items); a reading with them is recorded.
    """

    renderer_classes = [JSONRenderer, XmlRenderer]

    @extend_schema(
        tags=["exports"],
        parameters=[
            OpenApiParameter(
                "audit", OpenApiTypes.BOOL, description="Include the audit records (default false)."
            ),
            # The answer is XML whatever the format; JSON is only for errors.
            OpenApiParameter("format", exclude=True),
        ],
        responses={
            (200, "application/xml"): OpenApiResponse(
                response=OpenApiTypes.STR,
                description="ODM 1.3.2 XML (FileType Snapshot), streamed.",
            ),
            400: OpenApiResponse(description="`audit` is not true or false."),
        },
    )
    def get(self, request):
        params = OdmExportInput(data=request.query_params)
        params.is_valid(raise_exception=True)
        if arms_visible_to(request.user):
            arms_viewing_record(user=request.user, what="ODM export with the arms")
        response = StreamingHttpResponse(
            odm_export(request.user, with_audit=params.validated_data["audit"]),
            content_type="application/xml; charset=utf-8",
        )
        response["Content-Disposition"] = (
            f'attachment; filename="{protocol.STUDY_ID}_odm_{timezone.localdate():%Y%m%d}.xml"'
        )
        return response
