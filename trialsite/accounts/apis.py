"""Token log-in for systems (a sponsor's statistics server) that call the API."""

from __future__ import annotations

from rest_framework import status
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response


class ObtainTokenApi(ObtainAuthToken):
    """Exchange a username and password for an API token.

    DRF's serializer calls authenticate(request=...), so failures count towards the
    django-axes lockout exactly as on the log-in page.
    """

    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except Exception:
            if getattr(request, "axes_locked_out", False):
                return Response(
                    {"detail": "This account is locked after repeated failed log-ins. "
                               "Ask a data manager to unlock it."},
                    status=status.HTTP_403_FORBIDDEN,
                )
            raise
