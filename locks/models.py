"""Data locks: a patient's casebook or a whole site frozen before an analysis cut-off.

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
    """Data frozen before an analysis cut-off: a patient's casebook or a whole site.

    Locked data change only after an unlock, itself audited with its reason.
    """

    patient = models.ForeignKey(
        "patients.Patient", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    site = models.ForeignKey(
        Site, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
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
                condition=Q(patient__isnull=True) ^ Q(site__isnull=True),
                name="lock_is_of_a_patient_or_a_site",
            ),
        ]

    def __str__(self) -> str:
        return f"Lock of {self.patient or self.site}"

    @property
    def active(self) -> bool:
        return self.unlocked_at is None
