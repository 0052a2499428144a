"""The notification rules a trial starts with (issue 14 item 4): who hears of what by default.

Migration 0002 seeded a frozen copy of these; the administrator edits the rules afterwards.
"""

from __future__ import annotations

from accounts.models import Role
from notices.models import NoticeKind

DEFAULT_RULES: dict[NoticeKind, tuple[Role, ...]] = {
    # The site must report within 24 hours: its investigators and coordinators hear first.
    NoticeKind.SAE_OPENED: (Role.INVESTIGATOR, Role.COORDINATOR),
    # The sponsor's safety desk assesses each report; the data manager follows them all.
    NoticeKind.SAE_SUBMITTED: (Role.PHARMACOVIGILANCE, Role.DATA_MANAGER),
    NoticeKind.SAE_FOLLOW_UP_SUBMITTED: (Role.PHARMACOVIGILANCE, Role.DATA_MANAGER),
    # A late report: the investigators who must sign it, and the desk waiting for it.
    NoticeKind.SAE_OVERDUE: (Role.INVESTIGATOR, Role.PHARMACOVIGILANCE),
    NoticeKind.SUSAR_CLASSIFIED: (Role.PHARMACOVIGILANCE, Role.SPONSOR),
    NoticeKind.SUSAR_DUE_SOON: (Role.PHARMACOVIGILANCE,),
    NoticeKind.SUSAR_OVERDUE: (Role.PHARMACOVIGILANCE,),
    # The site's investigators learn how the sponsor judged their event.
    NoticeKind.ASSESSMENT_CHANGED: (Role.PHARMACOVIGILANCE, Role.INVESTIGATOR),
}
