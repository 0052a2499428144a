"""Sites of the trial and the staff who work at them."""

from __future__ import annotations

import pgtrigger
from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from audit.tracking import audited


class Language(models.TextChoices):
    """The interface's languages. French is the trial's own (its sites are French hospitals);
    the API and the exports stay in English whatever the user chose (CDISC)."""

    FRENCH = "fr", "Français"
    ENGLISH = "en", "English"


class Role(models.TextChoices):
    """What a staff account may see and do (see roles in README)."""

    COORDINATOR = "coordinator", _("Study coordinator")
    INVESTIGATOR = "investigator", _("Investigator")
    DATA_MANAGER = "data_manager", _("Data manager")
    SPONSOR = "sponsor", _("Sponsor")
    STATISTICIAN = "statistician", _("Trial statistician")
    MONITOR = "monitor", _("Clinical research monitor")
    DMC = "dmc", _("Data monitoring committee")
    PHARMACOVIGILANCE = "pharmacovigilance", _("Pharmacovigilance")


# Roles whose view of patients is limited to the sites they are assigned to.
SITE_BOUND_ROLES = frozenset({Role.COORDINATOR, Role.INVESTIGATOR, Role.MONITOR})
# Roles that may enter or correct clinical data at their sites.
DATA_ENTRY_ROLES = frozenset({Role.COORDINATOR})
# Roles that may see results compared by arm while the trial runs.
UNBLINDED_ROLES = frozenset({Role.STATISTICIAN, Role.DMC})
# Roles that see them too once the statistician has unblinded the trial (final analysis).
UNBLINDED_AFTER_TRIAL_UNBLINDING = frozenset({Role.SPONSOR})


@audited()
class Site(models.Model):
    """A participating hospital; its number prefixes every study ID enrolled there."""

    number = models.PositiveSmallIntegerField(
        unique=True, validators=[MinValueValidator(1), MaxValueValidator(99)]
    )
    name = models.CharField(max_length=200)
    active = models.BooleanField(
        default=True,
        help_text=_("Inactive sites keep their patients but cannot screen new ones."),
    )
    language = models.CharField(
        max_length=8,
        choices=Language.choices,
        default=Language.FRENCH,
        # In the database too: a row inserted by SQL (a database role's probe) is French.
        db_default=Language.FRENCH,
        help_text=_("The interface's language for the site's staff who have not chosen one."),
    )
    # The last patient sequence number used here. Only ever incremented, under a row lock,
    # so a study ID is never given twice, even after a patient record is withdrawn.
    last_patient_sequence = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number:02d} {self.name}"

    @property
    def code(self) -> str:
        return f"{self.number:02d}"


@audited(exclude=("password", "last_login"))
class User(AbstractUser):
    """A staff account. Holds no patient data; its role decides what it may see and do
    (accounts/permissions.py)."""

    role = models.CharField(max_length=20, choices=Role.choices, blank=True)
    sites: models.ManyToManyField[Site, SiteAssignment] = models.ManyToManyField(
        Site, through="SiteAssignment", related_name="staff", blank=True
    )
    # Blank: the language of the user's site, else the trial's (accounts/language.py).
    language = models.CharField(max_length=8, choices=Language.choices, blank=True)

    class Meta:
        ordering = ["username"]

    @property
    def staff_id(self) -> str:
        """A stable name for the account that is not its log-in name (half of a credential)."""
        return f"staff-{self.pk}"

    @property
    def display_name(self) -> str:
        """Who did something, as API answers show it: the full name, else the staff ID."""
        return self.get_full_name().strip() or self.staff_id


@audited()
class SiteAssignment(models.Model):
    """A coordinator or investigator working at a site."""

    user = models.ForeignKey(User, on_delete=models.CASCADE)
    site = models.ForeignKey(Site, on_delete=models.PROTECT)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "site"], name="unique_site_assignment")
        ]

    def __str__(self) -> str:
        return f"{self.user} at {self.site}"


class AccessEvent(models.Model):
    """A log-in, failed log-in or log-out, kept for the audit trail; never changed."""

    class Kind(models.TextChoices):
        LOGIN = "login", _("Logged in")
        LOGIN_FAILED = "login_failed", _("Failed log-in")
        # The username was locked at that address: the password was not even checked.
        LOCKED_OUT = "locked_out", _("Refused while locked out")
        LOGOUT = "logout", _("Logged out")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    username = models.CharField(max_length=150)
    # PROTECT: accounts are deactivated, never deleted, so the access log stays whole.
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    path = models.CharField(max_length=200, blank=True)
    occurred_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at"]
        # The lockout counts a username's failures at one address (accounts/lockouts.py).
        indexes = [
            models.Index(
                fields=["username", "ip_address", "occurred_at"], name="access_event_by_client"
            )
        ]
        triggers = [
            pgtrigger.Protect(
                name="access_event_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.username} at {self.occurred_at:%Y-%m-%d %H:%M}"


class LockoutRelease(models.Model):
    """A data manager or administrator ending a log-in lockout early: who, whom, when, why.

    Kept for the audit trail and never changed; it also starts the count of failures that
    lengthens the next lockout again (accounts/lockouts.py).
    """

    username = models.CharField(max_length=150, help_text=_("The username that was locked."))
    # The account, when the username is one; PROTECT: accounts are never deleted.
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="lockout_releases"
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    released_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="lockouts_released"
    )
    reason = models.CharField(max_length=300)
    released_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-released_at"]
        triggers = [
            pgtrigger.Protect(
                name="lockout_release_append_only",
                operation=pgtrigger.Update | pgtrigger.Delete,
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.username} unlocked by {self.released_by} at {self.released_at:%Y-%m-%d %H:%M}"
        )
