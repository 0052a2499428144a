"""Template context every page needs."""

from __future__ import annotations

from django.http import HttpRequest

import protocol


def trial(request: HttpRequest) -> dict[str, str]:
    return {"STUDY_ID": protocol.STUDY_ID, "STUDY_NAME": protocol.STUDY_NAME}
