"""Attach the signed-in user and the URL to every audited write of a request."""

from __future__ import annotations

from pghistory.middleware import HistoryMiddleware


class AuditContextMiddleware(HistoryMiddleware):
    """pghistory's middleware; DRF's later token authentication updates the user too."""
