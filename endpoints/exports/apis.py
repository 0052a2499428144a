"""GET /api/v1/exports/<dataset>.<csv|json>?cutoff=YYYY-MM-DD and the data dictionary."""

from __future__ import annotations

import datetime as dt

from django.http import Http404, StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import APIView

from endpoints.exports import csv_cells
from endpoints.exports.tables import (
    arm_columns,
    data_dictionary,
    datasets,
    export_csv,
    export_json,
)
from randomization.blinding import arms_visible_to
from randomization.services import arms_viewing_record

_WRITERS = {
    "csv": (export_csv, "text/csv; charset=utf-8"),
    "json": (export_json, "application/json"),
}


class ExportApi(APIView):
    """Stream a dataset (ADSL, ADTTE or a raw table) as CSV or JSON, for the visible sites.

    CSV starts with a `#` line giving the cut-off and extraction time and ends with a `#`
    line giving the row count and the SHA-256 of the lines in between; JSON carries the same
    in `cutoff`, `extracted_at`, `row_count` and `sha256` (of the `rows` array as sent).
    In CSV, a text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a
    leading `'` (no formula runs in a spreadsheet); numbers are unchanged, JSON keeps the
    values as stored.

    While the trial runs, a reader who may not see the arms (all but the statistician and
    the data monitoring committee; the sponsor once the trial is unblinded) gets each dataset
    without the columns that tell the arm (TRT01P, TRT01A, the dexamethasone items): the
    CSV's first line says `arms=withheld`, the JSON names them in `arms_withheld`. A reading
    with the arms is recorded, as viewings of the allocation sequence are.
    """

    @extend_schema(
        tags=["exports"],
        parameters=[
            OpenApiParameter(
                "cutoff", OpenApiTypes.DATE, description="Data cut-off (default today); ADSL/ADTTE."
            )
        ],
        responses={
            (200, "text/csv"): OpenApiTypes.STR,
            (200, "application/json"): OpenApiTypes.OBJECT,
            400: OpenApiResponse(description="Malformed or future cut-off."),
            404: OpenApiResponse(description="No such dataset or format."),
        },
    )
    def get(self, request, dataset: str, fmt: str):
        if dataset not in datasets() or fmt not in _WRITERS:
            raise Http404("No such export.")
        raw = request.query_params.get("cutoff")
        try:
            cutoff = dt.date.fromisoformat(raw) if raw else timezone.localdate()
        except ValueError:
            raise exceptions.ValidationError({"cutoff": ["A date as YYYY-MM-DD."]}) from None
        if cutoff > timezone.localdate():
            raise exceptions.ValidationError({"cutoff": ["The cut-off cannot be in the future."]})
        writer, content_type = _WRITERS[fmt]
        if arm_columns(datasets()[dataset]) and arms_visible_to(request.user):
            arms_viewing_record(user=request.user, what=f"{dataset} export with the arms")
        response = StreamingHttpResponse(
            writer(datasets()[dataset], request.user, cutoff), content_type=content_type
        )
        response["Content-Disposition"] = f'attachment; filename="{dataset}_{cutoff:%Y%m%d}.{fmt}"'
        response["X-Data-Cutoff"] = cutoff.isoformat()
        return response


class DataDictionaryApi(APIView):
    """Every export's columns: name, label, type, unit, plausible range, help text, and
    whether the value is entered by a coordinator or derived; `csv_text_cells` says how a
    CSV writes a text that a spreadsheet would run as a formula."""

    @extend_schema(tags=["exports"], responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        return Response({"csv_text_cells": csv_cells.RULE, "datasets": data_dictionary()})
