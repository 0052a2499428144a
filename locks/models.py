"""Data locks: a patient's casebook, a whole site or the whole trial frozen before an analysis.

Every writing service asks here before it writes, so locks sit below the clinical apps:
the patient is named by its app label, never imported. The tables keep the names they had
when locks lived in the review app, so the move changed no row of the locks or their trail.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from accounts.models import Site, User
from audit.tracking import audited
from refusals.text import no_control_characters


@audited(event_table="review_datalockevent")
class DataLock(models.Model):
    """Data frozen before an analysis cut-off: a patient's casebook, a whole site, or the
    whole trial at its end (the final analysis is run on the locked data).

    Locked data change only after an unlock, itself audited with its reason.
    """

    patient = models.ForeignKey(
        "patients.Patient", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    site = models.ForeignKey(
        Site, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The trial's registry number when the whole trial is locked. Nullable, not a boolean
    # defaulting to false: the audit chain's digests strip nulls, so a nullable column added
    # to the event table leaves the digests of the locks recorded before it unchanged.
    trial = models.CharField(  # noqa: DJ001 (null, not "": see above)
        max_length=20,
        null=True,
        blank=True,
        editable=False,
        help_text="The trial's registry number when the whole trial's data are locked.",
    )
    reason = models.CharField(max_length=300, validators=[no_control_characters])
    locked_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    locked_at = models.DateTimeField(auto_now_add=True)
    unlocked_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unlocked_at = models.DateTimeField(null=True, blank=True)
    unlock_reason = models.CharField(max_length=300, blank=True, validators=[no_control_characters])

    class Meta:
        db_table = "review_datalock"
        ordering = ["-locked_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(patient__isnull=False, site__isnull=True, trial__isnull=True)
                    | Q(patient__isnull=True, site__isnull=False, trial__isnull=True)
                    | Q(patient__isnull=True, site__isnull=True, trial__isnull=False)
                ),
                name="lock_is_of_a_patient_a_site_or_the_trial",
            ),
            # One lock of the whole trial in force at a time.
            models.UniqueConstraint(
                fields=["trial"],
                condition=Q(trial__isnull=False, unlocked_at__isnull=True),
                name="one_active_trial_lock",
            ),
        ]

    def __str__(self) -> str:
        if self.trial:
            return f"Lock of the whole trial {self.trial}"
        return f"Lock of {self.patient or self.site}"

    @property
    def active(self) -> bool:
        return self.unlocked_at is None
