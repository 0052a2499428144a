"""Who sees the arms: the one question every export, list, API, ODM and page asks.

While the trial runs, results by arm are confidential: only the unblinded roles (the trial
statistician, the data monitoring committee) may read arms joined to outcomes. Everyone else
reads the datasets, lists and ODM with the arm and what reveals it withheld (the treatment
columns, the dexamethasone items, the allocation position): one group-by of a blinded export
must never give outcomes by arm. Once the statistician has unblinded the trial for the final
analysis (`services.trial_unblind`), the sponsor reads them too.

Which columns reveal the arm is declared with them: `reveals_arm` on a casebook item
(visits/crfs.py), on an export column and on an ODM item. The coordinator still sees the arm
of each of their patients on the patient page and the randomization confirmation (open label:
they give the drug), one patient at a time, never in a list.
"""

from __future__ import annotations

from accounts.permissions import (
    Account,
    user_can_see_allocation_position,
    user_can_see_results_by_arm,
)
from randomization.models import Randomization, TrialUnblinding

# What tells a patient's position in their stratum, in the randomization's audit trail.
POSITION_FIELDS = frozenset({"sequence", "slot"})


def trial_unblinding() -> TrialUnblinding | None:
    """Return the unblinding of the trial (who, when, why), or None while it is blinded."""
    return TrialUnblinding.objects.select_related("unblinded_by").first()


def arms_visible_to(user: Account) -> bool:
    """Return True when this account may read arms joined to outcomes (exports, lists, ODM,
    analyses by arm): the unblinded roles always, the sponsor once the trial is unblinded."""
    if user_can_see_results_by_arm(user, trial_unblinded=False):
        return True
    if not user_can_see_results_by_arm(user, trial_unblinded=True):
        return False  # blinded whatever the state of the trial: no need to read it
    return user_can_see_results_by_arm(user, trial_unblinded=TrialUnblinding.objects.exists())


def allocation_position_visible_to(user: Account) -> bool:
    """Return True when this account may see a patient's position in their stratum (never
    a site: in a small stratum the position helps guess the next arm)."""
    return user_can_see_allocation_position(user)


def audit_fields_withheld_from(user: Account) -> dict[str, frozenset[str]]:
    """Return, by model label, the audited fields this account may not read in a patient's
    audit trail: the allocation position, for every account but the unblinded roles (the
    trail showed a site the number it had taken in its stratum)."""
    if allocation_position_visible_to(user):
        return {}
    return {Randomization._meta.label: POSITION_FIELDS}
