"""Reads about patients, always through the viewer's site scope."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from accounts.models import Site, User
from accounts.selectors import sites_visible_to
from patients.models import CriterionAnswer, Patient


def patients_visible_to(user: User) -> QuerySet[Patient]:
    """Return the patients this account may see: its own sites' if site-bound, else all."""
    return Patient.objects.filter(site__in=sites_visible_to(user)).select_related(
        "site", "screening"
    )


def patient_get_for(user: User, study_id: str) -> Patient:
    """Return a patient the account may see; another site's patient is simply not found."""
    patient = (
        patients_visible_to(user)
        .prefetch_related(Prefetch("screening__answers", queryset=CriterionAnswer.objects.all()))
        .filter(study_id=study_id)
        .first()
    )
    if patient is None:
        raise Http404("No such patient.")
    return patient


def screening_log(user: User, site: Site | None = None) -> QuerySet[Patient]:
    """Return everyone screened at the visible sites (or one of them), newest first.

    Screen failures are included with their reason: the log is the site's record of whom
    it approached, as the protocol's screening log requires.
    """
    # Every patient has their screening (patient_screen writes both): saying so makes the
    # join an inner one, which lets the newest-first page read the screening's date index.
    patients = patients_visible_to(user).filter(screening__isnull=False)
    if site is not None:
        patients = patients.filter(site=site)
    return patients.order_by("-screening__screened_on", "-sequence")
