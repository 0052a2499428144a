"""Who receives a notice, and what an account has been told."""

from __future__ import annotations

from django.db.models import Model, Q, QuerySet

from accounts.models import SITE_BOUND_ROLES, Site, User
from notices.models import Notice, NoticeKind, NotificationRule, OutgoingEmail


def notice_recipients(*, kind: NoticeKind | str, site: Site | None) -> list[User]:
    """Return the active accounts the active rules of this kind name for a notice of this site.

    A site-bound role (coordinator, investigator, monitor) is told only about the sites its
    account works at, so site B's coordinator hears nothing of site A; a notice without a site
    reaches no site-bound account. An all-sites role is told about every site, unless the rule
    names one. Each account once, however many rules name it.
    """
    # A rule naming a site applies to that site's notices only.
    applies = Q(site__isnull=True) | Q(site=site) if site is not None else Q(site__isnull=True)
    rules = NotificationRule.objects.filter(applies, kind=kind, active=True)
    wanted = Q(pk__in=[])
    for role in set(rules.values_list("role", flat=True)):
        if role in SITE_BOUND_ROLES:
            if site is not None:
                wanted |= Q(role=role, sites=site)
        else:
            wanted |= Q(role=role)
    return list(User.objects.filter(wanted, is_active=True).distinct().order_by("pk"))


def notices_of(user: User) -> QuerySet[Notice]:
    """Return the account's own notices, newest first; nobody reads another's."""
    return Notice.objects.filter(recipient=user).order_by("-created_at", "-pk")


def unread_notice_count(user: User) -> int:
    return Notice.objects.filter(recipient=user, read_at__isnull=True).count()


def notice_given(*, kind: NoticeKind | str, about: Model) -> bool:
    """Return True when a notice of this kind about this record was already given (to anyone),
    so a clock that runs every few minutes tells people once."""
    return Notice.objects.filter(
        kind=kind, about_model=about._meta.label_lower, about_id=str(about.pk)
    ).exists()


def outgoing_email_waiting(outgoing_id: int) -> bool:
    return OutgoingEmail.objects.filter(pk=outgoing_id, status=OutgoingEmail.Status.QUEUED).exists()
