"""New versions of the reference safety information, entered by pharmacovigilance."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pghistory
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from pharmacovigilance.models import ExpectedReaction, ReferenceSafetyInformation
from pharmacovigilance.services.desk import Errors, add_error, require_pharmacovigilance
from protocol.safety import SuspectDrug
from refusals import Refused
from refusals.text import has_visible_text, text_checked
from visits.ctcae import CTCAE_TERM_NAMES, CTCAE_TERMS, OTHER_SPECIFY

SYSTEM_ORGAN_CLASSES = frozenset(t.system_organ_class for t in CTCAE_TERMS)


@transaction.atomic
def rsi_version_enter(
    *,
    user: User,
    drug: str,
    document: str,
    effective_from: dt.date | None,
    terms: Iterable[str] = (),
    system_organ_classes: Iterable[str] = (),
    today: dt.date | None = None,
) -> ReferenceSafetyInformation:
    """Enter a new version of a drug's reference safety information with its expected
    reactions (CTCAE v5.0 terms, or whole system organ classes).

    Never retroactive: it takes effect today at the earliest, so the RSI in force on any past
    day, and every assessment judged against it, stays as it was.
    """
    require_pharmacovigilance(user)
    today = today or timezone.localdate()
    terms, classes = sorted(set(terms)), sorted(set(system_organ_classes))
    errors: Errors = {}
    if drug not in SuspectDrug.values:
        add_error(errors, "drug", _("Choose a suspect drug of the trial."))
    if not has_visible_text(document or ""):
        add_error(
            errors,
            "document",
            _('Name the document, e.g. "SmPC Dexamethasone Mylan 4 mg, rev. 2024-03".'),
        )
    if effective_from is None:
        add_error(errors, "effective_from", _("Give the date it takes effect."))
    elif effective_from < today:
        add_error(
            errors,
            "effective_from",
            _(
                "An RSI takes effect today (%(today)s) at the earliest: assessments already "
                "made keep the version they were judged against."
            )
            % {"today": f"{today:%d/%m/%Y}"},
        )
    elif ReferenceSafetyInformation.objects.filter(
        drug=drug, effective_from=effective_from
    ).exists():
        add_error(
            errors, "effective_from", _("This drug already has an RSI version from that day.")
        )
    unknown_terms = [t for t in terms if t not in CTCAE_TERM_NAMES or t == OTHER_SPECIFY]
    if unknown_terms:
        add_error(
            errors,
            "terms",
            _("Not CTCAE v5.0 terms of the trial: %(terms)s.")
            % {"terms": ", ".join(unknown_terms)},
        )
    unknown_classes = [c for c in classes if c not in SYSTEM_ORGAN_CLASSES]
    if unknown_classes:
        add_error(
            errors,
            "system_organ_classes",
            _("Unknown classes: %(classes)s.") % {"classes": ", ".join(unknown_classes)},
        )
    if not terms and not classes:
        add_error(
            errors, "terms", _("List at least one expected reaction (a term or a whole class).")
        )
    if errors or effective_from is None:
        raise Refused(errors)
    document = text_checked(ReferenceSafetyInformation, "document", document.strip())
    with pghistory.context(user=user.pk, reason=f"RSI version entered: {document}"):
        rsi = ReferenceSafetyInformation.objects.create(
            drug=drug, document=document, effective_from=effective_from
        )
        ExpectedReaction.objects.bulk_create(
            [ExpectedReaction(rsi=rsi, term=term) for term in terms]
            + [ExpectedReaction(rsi=rsi, system_organ_class=soc) for soc in classes]
        )
    return rsi
