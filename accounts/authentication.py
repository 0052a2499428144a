"""API token authentication: `Authorization: Token <token>`, tokens that end.

django-rest-knox keeps only a SHA-512 digest of each token (and its first characters, to find
it), with an expiry; accounts/services.py issues and revokes them.
"""

from __future__ import annotations

import re

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication
from knox.settings import knox_settings
from rest_framework.exceptions import AuthenticationFailed

_TOKEN = re.compile(rb"[0-9a-f]{%d}" % knox_settings.AUTH_TOKEN_CHARACTER_LENGTH)


class ExpiringTokenAuthentication(TokenAuthentication):
    """knox's token authentication; a header that cannot be a token is refused before any
    look-up, so bytes the database refuses (NUL) answer 401, not 500."""

    def authenticate_credentials(self, token: bytes):
        if not _TOKEN.fullmatch(token):
            raise AuthenticationFailed("Invalid token.")
        return super().authenticate_credentials(token)

    def _cleanup_token(self, auth_token) -> bool:
        """Refuse (and delete) this token if it has ended. knox also sweeps the account's
        other tokens on every call, one more query each time: the log-in does it instead
        (accounts.services.api_token_issue)."""
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            auth_token.delete()
            return True
        return False


class ExpiringTokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema describes the token (`tokenAuth`)."""

    target_class = ExpiringTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "`Token <token>`, the token POST /api/v1/auth/token/ answered (shown once). "
                f"It ends after {knox_settings.TOKEN_TTL} (longer for a named sponsor "
                "integration account), at POST /api/v1/auth/logout/, at a password change "
                "and when the account is deactivated."
            ),
        }
