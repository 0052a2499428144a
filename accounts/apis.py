"""Token log-in and log-out for systems (a sponsor's statistics server) that call the API."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in, user_logged_out
from drf_spectacular.utils import OpenApiResponse, extend_schema
from knox.models import AuthToken
from rest_framework import generics, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import ExpiringTokenAuthentication
from accounts.http import AuthenticatedRequest
from accounts.selectors import sites_visible_to
from accounts.serializers import SiteOutput, TokenLogInInput, TokenOutput
from accounts.services import api_token_issue, api_token_revoke

LOCKED_OUT = (
    "This account is locked at this address after repeated failed log-ins. "
    "Wait, or ask a data manager to unlock it."
)


class ObtainTokenApi(APIView):
    """Exchange a username and password for a new API token, shown this once.

    authenticate(request=...) counts failures towards the django-axes lockout exactly as on
    the log-in page; a success is announced like a page log-in, so it is written to the
    access log and resets the failure count. Every log-in gets a token of its own.
    """

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []  # the lockout limits guessing

    @extend_schema(
        tags=["authentication"],
        request=TokenLogInInput,
        responses={
            200: TokenOutput,
            400: OpenApiResponse(description="Wrong username or password."),
            403: OpenApiResponse(description="Locked at this address after failed log-ins."),
        },
        auth=[],
    )
    def post(self, request, *args, **kwargs):
        data = TokenLogInInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(
            request=request,
            username=data.validated_data["username"],
            password=data.validated_data["password"],
        )
        if user is None:
            if getattr(request, "axes_locked_out", False):  # set while authenticating
                raise PermissionDenied(LOCKED_OUT)
            raise ValidationError(
                {"non_field_errors": ["Unable to log in with provided credentials."]}
            )
        token, raw = api_token_issue(user=user)
        user_logged_in.send(sender=user.__class__, request=request, user=user)
        return Response(TokenOutput({"token": raw, "expiry": token.expiry}).data)


class LogOutTokenApi(APIView):
    """End the token this call carries (the session of a page is not touched)."""

    request: AuthenticatedRequest
    authentication_classes = [ExpiringTokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["authentication"], request=None, responses={204: None})
    def post(self, request, *args, **kwargs):
        token = request.auth
        assert isinstance(token, AuthToken)  # the only authentication of this endpoint
        api_token_revoke(token=token)
        user_logged_out.send(sender=request.user.__class__, request=request, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["sites"])
class SiteListApi(generics.ListAPIView):
    """The sites you may see (all of them for the all-sites roles)."""

    request: AuthenticatedRequest
    serializer_class = SiteOutput
    pagination_class = None

    def get_queryset(self):
        return sites_visible_to(self.request.user).order_by("number")
