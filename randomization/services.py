"""Randomizing a patient: the one place an arm is given.

Called by the randomization page, the REST API and the admin alike.
"""

from __future__ import annotations

import datetime as dt
import secrets

import pghistory
from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

import protocol
from accounts.models import User
from accounts.permissions import (
    user_can_enter_data_at,
    user_can_unblind_trial,
    user_can_view_randomization_sequence,
)
from audit.records import reason_for_change
from locks.services import ensure_unlocked
from patients.models import Patient, Screening
from randomization.allocation import minimization_choose, permuted_block, stratum_key
from randomization.blinding import arms_visible_to
from randomization.design import current_design
from randomization.models import (
    AllocationSlot,
    Randomization,
    SequenceViewing,
    Stratum,
    TrialUnblinding,
)
from refusals import Conflict, Refused

# The secure source behind every real allocation; tests and simulations never replace it.
_SECURE_RANDOM = secrets.SystemRandom()


class RandomizationRefused(Refused):
    """The patient cannot be randomized; the message says why in a coordinator's words."""


class NotScreened(RandomizationRefused):
    pass


class NotEligible(RandomizationRefused):
    pass


class AlreadyRandomized(Conflict):
    """The patient already has an arm; it is never given a second one."""

    existing_name = "randomization"

    def __init__(self, randomization: Randomization):
        self.randomization = randomization
        super().__init__(
            _("Patient %(study_id)s was already randomized on %(when)s UTC.")
            % {
                "study_id": randomization.patient,
                "when": f"{randomization.randomized_at:%d/%m/%Y %H:%M}",
            },
            existing=randomization,
        )


def patient_levels(patient: Patient, regimen: str, disease_status: str) -> dict[str, str]:
    """Return the patient's level of every stratification factor."""
    return {
        "regimen": protocol.Regimen(regimen).value,
        "site": patient.site.code,
        "disease_status": protocol.DiseaseStatus(disease_status).stratum,
    }


def _checked_disease_status(screening: Screening, disease_status: str | None) -> str:
    recorded = screening.disease_status
    if disease_status and recorded and disease_status != recorded:
        raise RandomizationRefused(
            {
                "disease_status": [
                    _("The screening recorded %(status)s; correct the screening if that is wrong.")
                    % {"status": screening.get_disease_status_display().lower()}
                ]
            }
        )
    status = recorded or disease_status
    if not status:
        raise RandomizationRefused(
            {"disease_status": [_("Give the disease status: it is a stratification factor.")]}
        )
    if status not in protocol.DiseaseStatus.values:
        raise RandomizationRefused(
            {
                "disease_status": [
                    _("%(status)s is not a disease status.") % {"status": repr(status)}
                ]
            }
        )
    return status


def _allocate_by_block(stratum: Stratum, design: protocol.RandomizationDesign) -> AllocationSlot:
    """Return the stratum's next unused slot, generating the next block when none is left."""
    position = stratum.allocations_used + 1
    slot = AllocationSlot.objects.filter(stratum=stratum, sequence=position).first()
    if slot is None:
        last = stratum.slots.order_by("-sequence").first()
        block_number = last.block_number + 1 if last else 1
        block = permuted_block(_SECURE_RANDOM, design)
        AllocationSlot.objects.bulk_create(
            AllocationSlot(
                stratum=stratum,
                sequence=position + i,
                block_number=block_number,
                block_size=len(block),
                arm=arm,
            )
            for i, arm in enumerate(block)
        )
        slot = AllocationSlot.objects.get(stratum=stratum, sequence=position)
    return slot


def _allocate_by_minimization(levels: dict[str, str], design: protocol.RandomizationDesign) -> str:
    level_counts = []
    for factor in design.factors:
        rows = (
            Randomization.objects.filter(**{f"stratum_levels__{factor}": levels[factor]})
            .values("arm")
            .annotate(n=Count("pk"))
        )
        level_counts.append({row["arm"]: row["n"] for row in rows})
    return minimization_choose(_SECURE_RANDOM, design, level_counts).arm


@transaction.atomic
def patient_randomize(
    *,
    patient: Patient,
    user: User,
    regimen: str,
    disease_status: str | None = None,
    randomized_at: dt.datetime | None = None,
) -> Randomization:
    """Give an eligible patient an arm, once, in the stratum of their regimen, site and status.

    Raises NotScreened / NotEligible / RandomizationRefused (with field errors) when the
    patient may not be randomized, and AlreadyRandomized when they already were.
    `randomized_at` is for loading demo data only; pages and the API always randomize now.
    """
    if not user_can_enter_data_at(user, patient.site):
        raise PermissionDenied(
            _("%(user)s may not randomize at site %(site)s.")
            % {"user": user, "site": patient.site.code}
        )
    if regimen not in protocol.Regimen.values:
        raise RandomizationRefused(
            {
                "regimen": [
                    _(
                        "Choose the salvage regimen: intensive (amsacrine-cytarabine) or "
                        "azacitidine."
                    )
                ]
            }
        )
    # Lock the patient first: simultaneous presses for one patient queue here, and all but
    # the first then find the randomization and are refused. Only the patient's row
    # (`of=("self",)`): a plain FOR UPDATE would lock the joined site row too, and every
    # randomization and screening at the site would wait for this one.
    patient = (
        Patient.objects.select_for_update(of=("self",)).select_related("site").get(pk=patient.pk)
    )
    ensure_unlocked(patient)
    existing = Randomization.objects.filter(patient=patient).first()
    if existing is not None:
        raise AlreadyRandomized(existing)
    screening = Screening.objects.filter(patient=patient).first()
    if screening is None:
        raise NotScreened(
            {"patient": [_("Patient %(study_id)s has not been screened.") % {"study_id": patient}]}
        )
    if not screening.is_eligible:
        raise NotEligible(
            {
                "patient": [
                    _(
                        "Patient %(study_id)s is a screen failure and cannot be randomized: "
                        "%(reason)s"
                    )
                    % {"study_id": patient, "reason": screening.failure_text}
                ]
            }
        )
    status = _checked_disease_status(screening, disease_status)
    randomized_at = randomized_at or timezone.now()
    if randomized_at > timezone.now():
        raise RandomizationRefused(
            {"randomized_at": [_("A randomization cannot be in the future.")]}
        )
    if timezone.localtime(randomized_at).date() < screening.screened_on:
        raise RandomizationRefused(
            {
                "patient": [
                    _("Randomization must follow consent and screening (%(date)s).")
                    % {"date": f"{screening.screened_on:%d/%m/%Y}"}
                ]
            }
        )

    design = current_design()
    levels = patient_levels(patient, regimen, status)
    key = stratum_key(design, levels)
    stratum, _created = Stratum.objects.get_or_create(
        key=key, defaults={"levels": {} if key == "all" else {f: levels[f] for f in design.factors}}
    )
    # Lock the stratum: allocations within one stratum happen strictly one after another,
    # so no slot is used twice and no position is skipped. Different strata do not wait.
    stratum = Stratum.objects.select_for_update().get(pk=stratum.pk)
    if design.method == protocol.RandomizationMethod.BLOCKS:
        slot = _allocate_by_block(stratum, design)
        arm = slot.arm
    else:
        slot = None
        arm = _allocate_by_minimization(levels, design)
    stratum.allocations_used += 1
    stratum.save(update_fields=["allocations_used"])
    try:
        # Savepoint: a unique constraint firing (the last line of defence) leaves the
        # outer transaction usable, so the refusal can be answered cleanly.
        with transaction.atomic(), pghistory.context(user=user.pk, reason="Randomization"):
            return Randomization.objects.create(
                patient=patient,
                regimen=regimen,
                stratum=stratum,
                stratum_levels=levels,
                sequence=stratum.allocations_used,
                slot=slot,
                method=design.method.value,
                arm=arm,
                randomized_by=user,
                randomized_at=randomized_at,
            )
    except IntegrityError:
        existing = Randomization.objects.filter(patient=patient).first()
        if existing is None:
            raise  # a slot or position clash: a defect in the locking, never to be hidden
        raise AlreadyRandomized(existing) from None


def allocation_sequence_view_record(*, user: User, what: str) -> SequenceViewing:
    """Record that an unblinded statistician looked at the used allocation sequence."""
    if not user_can_view_randomization_sequence(user):
        raise PermissionDenied(_("Only the trial statistician may see the allocation sequence."))
    return SequenceViewing.objects.create(viewed_by=user, what=what)


def arms_viewing_record(*, user: User, what: str) -> SequenceViewing:
    """Record that an account read the arms given in a list or an export (the randomization
    list, a dataset or ODM with the arms), as viewings of the allocation sequence are."""
    if not arms_visible_to(user):
        raise PermissionDenied(_("Results by arm are confidential while the trial runs."))
    return SequenceViewing.objects.create(viewed_by=user, what=what)


class UnblindingRefused(Refused):
    """The trial cannot be unblinded as asked; the message says why."""


class AlreadyUnblinded(Conflict):
    """The trial is unblinded once; an unblinding is never repeated nor undone."""

    def __init__(self, unblinding: TrialUnblinding):
        super().__init__(
            _("The trial was already unblinded on %(when)s UTC by %(user)s.")
            % {
                "when": f"{unblinding.unblinded_at:%d/%m/%Y %H:%M}",
                "user": unblinding.unblinded_by,
            },
            existing=unblinding,
        )


def trial_unblind(
    *, user: User, reason: str, password: str, request: HttpRequest
) -> TrialUnblinding:
    """The statistician unblinds the trial for its final analysis, once and for good.

    As for the casebook signature, the password is re-entered and checked by authenticate()
    outside any transaction, so a failed attempt is logged and counts towards the account
    lockout. The row records who, when and why; a trigger refuses to change or delete it,
    and from then on the sponsor reads results by arm (randomization.blinding).
    """
    if not user_can_unblind_trial(user):
        raise PermissionDenied(_("Only the trial statistician unblinds the trial."))
    reason = reason_for_change(
        reason, missing=_("Give the reason for unblinding the trial, e.g. the final analysis.")
    )
    existing = TrialUnblinding.objects.select_related("unblinded_by").first()
    if existing is not None:
        raise AlreadyUnblinded(existing)
    if authenticate(request, username=user.get_username(), password=password) != user:
        raise UnblindingRefused({"password": [_("Wrong password: the trial was not unblinded.")]})
    try:
        # Savepoint: two statisticians unblinding at once meet the unique constraint, and
        # the second is answered with the first's unblinding.
        with transaction.atomic(), pghistory.context(user=user.pk, reason=reason):
            return TrialUnblinding.objects.create(unblinded_by=user, reason=reason)
    except IntegrityError:
        raise AlreadyUnblinded(
            TrialUnblinding.objects.select_related("unblinded_by").get()
        ) from None
