"""Reads about sites and staff accounts."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import Site, User


def sites_visible_to(user: User) -> QuerySet[Site]:
    """Return the sites whose patients this account may see."""
    if not user.is_authenticated or not user.role:
        return Site.objects.none()
    if user.is_site_bound:
        return user.sites.all()
    return Site.objects.all()


def sites_for_data_entry(user: User) -> QuerySet[Site]:
    """Return the active sites where this account may screen and enter data."""
    if not user.is_authenticated or not user.can_enter_data:
        return Site.objects.none()
    return user.sites.filter(active=True)


def user_can_enter_data_at(user: User, site: Site) -> bool:
    """Return True when this account may enter data for patients of this site."""
    return bool(
        user.is_authenticated and user.can_enter_data and user.sites.filter(pk=site.pk).exists()
    )


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
