"""Strata, the concealed allocation list and the randomizations that used it."""

from __future__ import annotations

import pgtrigger
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

import protocol
from accounts.models import User
from audit.records import REASON_MAX_LENGTH
from audit.tracking import audited
from patients.models import Patient

# The disease-status stratum levels (protocol.DiseaseStatus.stratum) as people read them.
STRATUM_STATUS_LABELS = {
    # Translators: a randomization stratum level: primary refractory disease.
    "refractory": _("refractory"),
    # Translators: a randomization stratum level: relapsed disease.
    "relapsed": _("relapsed"),
}


class Stratum(models.Model):
    """A combination of stratification levels; its row is the lock for allocating in it."""

    key = models.CharField(max_length=200, unique=True)
    levels = models.JSONField(default=dict)
    # How many allocations the stratum has given; the next patient gets this + 1.
    allocations_used = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["key"]
        verbose_name_plural = _("strata")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        if not self.levels:
            return gettext("whole trial")
        # In the protocol's order of factors: jsonb does not keep the order keys were written.
        shown = {
            "regimen": lambda v: str(protocol.Regimen(v).label),
            "site": lambda v: gettext("site %(site)s") % {"site": v},
            "disease_status": lambda v: str(STRATUM_STATUS_LABELS.get(v, v)),
        }
        return " · ".join(
            shown[factor](self.levels[factor])
            for factor in protocol.STRATIFICATION_FACTORS
            if factor in self.levels
        )


class AllocationSlot(models.Model):
    """One position of a stratum's concealed permuted-block list.

    Generated block by block from a secure random source only when the previous block is
    used up, stored before use, and never shown until a randomization has used it.
    A trigger keeps slots immutable, so the list cannot be rearranged after generation.
    """

    stratum = models.ForeignKey(Stratum, on_delete=models.PROTECT, related_name="slots")
    sequence = models.PositiveIntegerField()
    block_number = models.PositiveIntegerField()
    block_size = models.PositiveSmallIntegerField()
    arm = models.CharField(max_length=10, choices=protocol.Arm.choices)
    generated_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["stratum", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["stratum", "sequence"], name="unique_slot_position"),
        ]
        triggers = [
            pgtrigger.Protect(
                name="allocation_slot_immutable", operation=pgtrigger.Update | pgtrigger.Delete
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stratum.key} #{self.sequence}"


# The slot is left out of the audit trail: slot ids run across strata a block at a time,
# so their jumps would show coordinators where blocks begin.
@audited(exclude=("slot",))
class Randomization(models.Model):
    """A patient's allocation: arm, stratum, position, when and by whom. One per patient."""

    patient = models.OneToOneField(Patient, on_delete=models.PROTECT, related_name="randomization")
    regimen = models.CharField(max_length=20, choices=protocol.Regimen.choices)
    stratum = models.ForeignKey(Stratum, on_delete=models.PROTECT, related_name="randomizations")
    stratum_levels = models.JSONField(
        default=dict, help_text=_("Every factor's level for this patient, stratified on or not.")
    )
    sequence = models.PositiveIntegerField(help_text=_("Position within the stratum."))
    # The block slot used (permuted blocks); empty under minimization.
    slot = models.OneToOneField(
        AllocationSlot,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="randomization",
    )
    method = models.CharField(
        max_length=20, choices=[(m.value, m.value) for m in protocol.RandomizationMethod]
    )
    arm = models.CharField(max_length=10, choices=protocol.Arm.choices)
    randomized_at = models.DateTimeField(default=timezone.now)
    randomized_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["randomized_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["stratum", "sequence"], name="unique_randomization_position"
            ),
        ]
        # Every page reads the first randomization (the end of study follows from it): an
        # index answers MIN(randomized_at) without reading every randomization.
        indexes = [models.Index(fields=["randomized_at"], name="randomization_randomized_at")]

    def __str__(self) -> str:
        return f"{self.patient} → {self.get_arm_display()}"


class SequenceViewing(models.Model):
    """A viewing of the arms given, never changed: the used allocation sequence (the
    statistician), the randomization list, a dataset or ODM export with the arms (an
    unblinded account). `what` says which."""

    viewed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    viewed_at = models.DateTimeField(auto_now_add=True)
    what = models.CharField(max_length=200)

    class Meta:
        ordering = ["-viewed_at"]
        triggers = [
            pgtrigger.Protect(
                name="sequence_viewing_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            ),
        ]

    def __str__(self) -> str:
        return f"{self.viewed_by} viewed {self.what} at {self.viewed_at:%Y-%m-%d %H:%M}"


class TrialUnblinding(models.Model):
    """The unblinding of the trial for its final analysis: who, when and why. Once, never
    undone: after it the sponsor sees results by arm too (accounts.permissions)."""

    # One row per trial: the unique constraint is the last defence behind the service.
    study = models.CharField(max_length=20, default=protocol.STUDY_ID, editable=False)
    unblinded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    unblinded_at = models.DateTimeField(auto_now_add=True)
    reason = models.CharField(
        max_length=REASON_MAX_LENGTH,
        help_text=_("Why the trial is unblinded, e.g. the final analysis."),
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["study"], name="one_unblinding_per_trial")]
        triggers = [
            pgtrigger.Protect(
                name="trial_unblinding_irreversible", operation=pgtrigger.Update | pgtrigger.Delete
            ),
        ]

    def __str__(self) -> str:
        return f"{self.study} unblinded by {self.unblinded_by} on {self.unblinded_at:%Y-%m-%d}"
