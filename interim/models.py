"""The interim analysis plan and the looks taken at the data: records that never change.

The plan is declared by the trial statistician before the first look: the deaths planned for
the final analysis, the planned looks (information fractions), the alpha-spending function,
alpha and sidedness. Each revision is a new version with its reason; once a look is taken the
plan is fixed (services). A look records what the statistician saw at a cut-off (deaths,
information fraction, the stratified log-rank z from a finished analysis run) and the boundary
and verdict computed then. A trigger refuses any UPDATE or DELETE of either: what the data
monitoring committee was shown can always be traced.
"""

from __future__ import annotations

import pgtrigger
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from audit.tracking import audited
from endpoints.models import AnalysisRun
from endpoints.statistics.group_sequential import Spending


class SpendingFunction(models.TextChoices):
    """Lan-DeMets alpha-spending functions, by rpact's names."""

    OBRIEN_FLEMING = Spending.OBRIEN_FLEMING.value, _("Lan-DeMets O'Brien-Fleming type")
    POCOCK = Spending.POCOCK.value, _("Lan-DeMets Pocock type")


class Sidedness(models.IntegerChoices):
    ONE_SIDED = 1, _("One-sided (benefit of dexamethasone)")
    TWO_SIDED = 2, _("Two-sided (symmetric)")


@audited()
class InterimPlan(models.Model):
    """One version of the interim analysis plan; the newest is in force."""

    version = models.PositiveSmallIntegerField(unique=True)
    planned_deaths = models.PositiveIntegerField(
        help_text=_("Deaths (OS events) at the final analysis: the information of t = 1.")
    )
    planned_fractions = models.JSONField(
        help_text=_("Information fractions of the planned looks, increasing, the last 1.")
    )
    spending = models.CharField(max_length=4, choices=SpendingFunction.choices)
    alpha = models.FloatField(help_text=_("Overall type I error, e.g. 0.025 one-sided."))
    sided = models.PositiveSmallIntegerField(choices=Sidedness.choices)
    reason = models.CharField(max_length=300, blank=True, help_text=_("Why it was revised."))
    declared_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    declared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        triggers = [
            pgtrigger.Protect(
                name="interim_plan_immutable", operation=pgtrigger.Update | pgtrigger.Delete
            ),
        ]

    def __str__(self) -> str:
        return f"Interim analysis plan v{self.version}"


@audited()
class InterimLook(models.Model):
    """A look taken at the data: the observed log-rank z against its stopping boundary."""

    class Verdict(models.TextChoices):
        CONTINUE = "continue", _("Boundary not crossed: continue")
        EFFICACY = "efficacy", _("Efficacy boundary crossed")
        HARM = "harm", _("Lower boundary crossed (harm)")

    plan = models.ForeignKey(InterimPlan, on_delete=models.PROTECT, related_name="looks")
    number = models.PositiveSmallIntegerField()
    analysis_run = models.ForeignKey(AnalysisRun, on_delete=models.PROTECT, related_name="+")
    cutoff = models.DateField(_("data cut-off"))
    deaths = models.PositiveIntegerField(help_text=_("OS events in the analysis at the cut-off."))
    information_fraction = models.FloatField(help_text=_("Deaths / planned deaths."))
    logrank_z = models.FloatField(
        help_text=_(
            "Stratified log-rank z, positive when dexamethasone has fewer deaths than "
            "expected (benefit)."
        )
    )
    strata_factors = models.JSONField(default=list)
    final = models.BooleanField(
        default=False, help_text=_("The final analysis: spends all the alpha left.")
    )
    critical_value = models.FloatField(
        null=True, help_text=_("The z boundary computed when the look was taken (none: infinite).")
    )
    nominal_p = models.FloatField(help_text=_("One-sided nominal level of the boundary."))
    cumulative_alpha = models.FloatField()
    verdict = models.CharField(max_length=10, choices=Verdict.choices)
    reason = models.CharField(max_length=300, blank=True)
    taken_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    taken_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="interim_look_number_unique"),
            models.CheckConstraint(
                condition=models.Q(information_fraction__gt=0), name="interim_look_has_deaths"
            ),
        ]
        triggers = [
            pgtrigger.Protect(
                name="interim_look_immutable", operation=pgtrigger.Update | pgtrigger.Delete
            ),
        ]

    def __str__(self) -> str:
        return f"Interim look {self.number} (cut-off {self.cutoff:%Y-%m-%d})"
