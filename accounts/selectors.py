"""Reads about sites and staff accounts."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import Site, User
from accounts.permissions import user_can_enter_data, user_is_site_bound, user_sees_every_site


def sites_visible_to(user: User) -> QuerySet[Site]:
    """Return the sites whose patients this account may see."""
    if user_is_site_bound(user):
        return user.sites.all()
    if user_sees_every_site(user):
        return Site.objects.all()
    return Site.objects.none()  # an account without a role sees no patient


def sites_for_data_entry(user: User) -> QuerySet[Site]:
    """Return the active sites where this account may screen and enter data."""
    if not user_can_enter_data(user):
        return Site.objects.none()
    return user.sites.filter(active=True)


def site_chosen(user: User, number: str | None) -> Site | None:
    """The visible site a page's `?site=` names; None when absent. Anything else is a 404."""
    from django.http import Http404

    if not number:
        return None
    if not (number.isascii() and number.isdigit() and len(number) <= 4):
        raise Http404("No such site.")
    site = sites_visible_to(user).filter(number=int(number)).first()
    if site is None:
        raise Http404("No such site among those you may see.")
    return site
