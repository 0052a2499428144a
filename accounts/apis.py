"""Token log-in for systems (a sponsor's statistics server) that call the API."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from accounts.http import AuthenticatedRequest
from accounts.selectors import sites_visible_to
from accounts.serializers import SiteOutput


class ObtainTokenApi(ObtainAuthToken):
    """Exchange a username and password for an API token.

    DRF's serializer calls authenticate(request=...), so failures count towards the
    django-axes lockout exactly as on the log-in page; a success is announced like a page
    log-in, so it is written to the access log and resets the failure count.
    """

    @extend_schema(tags=["authentication"])
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            if getattr(request, "axes_locked_out", False):  # set while authenticating
                raise PermissionDenied(
                    "This account is locked after repeated failed log-ins. "
                    "Ask a data manager to unlock it."
                )
            raise ValidationError(serializer.errors)
        user = serializer.validated_data["user"]
        token, _ = Token.objects.get_or_create(user=user)
        user_logged_in.send(sender=user.__class__, request=request, user=user)
        return Response({"token": token.key})


@extend_schema(tags=["sites"])
class SiteListApi(generics.ListAPIView):
    """The sites you may see (all of them for the all-sites roles)."""

    request: AuthenticatedRequest
    serializer_class = SiteOutput
    pagination_class = None

    def get_queryset(self):
        return sites_visible_to(self.request.user).order_by("number")
