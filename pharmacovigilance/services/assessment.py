"""Pharmacovigilance's assessment of an SAE report, suspect drug by suspect drug, and the SUSAR
it may make (created, updated, withdrawn or reinstated)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import pghistory
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.records import reason_for_change, record_create, record_update
from locks.services import ensure_unlocked
from notices.models import NoticeKind
from pharmacovigilance.classification import (
    DrugJudgement,
    Expectedness,
    SponsorCausality,
    investigator_finds_related,
    is_susar,
)
from pharmacovigilance.models import DrugAssessment, SponsorAssessment, Susar
from pharmacovigilance.selectors import (
    expectedness_proposed,
    fatal_or_life_threatening,
    latest_submitted_version,
    rsi_in_force,
    susar_clock,
    suspect_drugs_of,
)
from pharmacovigilance.services.desk import (
    Errors,
    add_error,
    notify_case,
    require_pharmacovigilance,
)
from protocol.safety import SaeCausality, SeriousnessCriterion, SuspectDrug
from refusals import Refused
from refusals.text import has_visible_text, text_checked
from safety.models import SaeReport, SaeReportVersion


@dataclass(frozen=True)
class DrugOpinion:
    """What pharmacovigilance says of one suspect drug. An empty expectedness confirms the
    RSI's proposal; another one needs `expectedness_override`. A 'not related' against the
    investigator's 'related' needs `sponsor_disagreement` (both opinions are kept)."""

    drug: str
    sponsor_causality: str
    expectedness: str = ""
    expectedness_override: str = ""
    sponsor_disagreement: str = ""


def opinion_field(drug: str, name: str) -> str:
    """Return the name a page's form and the refusals give a drug's input, e.g.
    'dexamethasone_sponsor_causality'."""
    return f"{drug}_{name}"


def _drug_label(drug: str) -> str:
    return str(SuspectDrug(drug).label)


def _serious(version: SaeReportVersion) -> bool:
    """Serious when the report ticks at least one ICH E2A seriousness criterion."""
    return any(getattr(version, criterion.value) for criterion in SeriousnessCriterion)


def _drug_rows(
    *,
    report: SaeReport,
    version: SaeReportVersion,
    opinions: Iterable[DrugOpinion],
    on: dt.date,
) -> list[DrugAssessment]:
    """Check every opinion against the report and the RSI in force; return the unsaved rows,
    or refuse them all with the reason beside each drug's input."""
    errors: Errors = {}
    by_drug = {opinion.drug: opinion for opinion in opinions}
    suspects = suspect_drugs_of(version)
    for drug in sorted(set(by_drug) - set(suspects)):
        add_error(
            errors,
            "__all__",
            _(
                "%(drug)s: not a suspect drug of this report (not given to the patient, or not "
                "a drug of the trial): it has no assessment."
            )
            % {"drug": drug},
        )
    rows = []
    for drug, investigator_causality in suspects.items():
        label = _drug_label(drug)
        opinion = by_drug.get(drug)
        rsi = rsi_in_force(drug, on=on)
        if rsi is None:
            add_error(
                errors,
                opinion_field(drug, "expectedness"),
                _(
                    "No reference safety information of %(drug)s is in force on %(date)s: "
                    "enter it before assessing."
                )
                % {"drug": label, "date": f"{on:%d/%m/%Y}"},
            )
            continue
        if opinion is None or opinion.sponsor_causality not in SponsorCausality.values:
            add_error(
                errors,
                opinion_field(drug, "sponsor_causality"),
                _("Give the sponsor's causality for %(drug)s: related or not related.")
                % {"drug": label},
            )
            continue
        proposed = expectedness_proposed(rsi, report.adverse_event)
        expectedness = opinion.expectedness or proposed
        override = opinion.expectedness_override.strip()
        if expectedness not in Expectedness.values:
            add_error(
                errors,
                opinion_field(drug, "expectedness"),
                _("Choose expected or unexpected for %(drug)s.") % {"drug": label},
            )
            continue
        if expectedness == proposed:
            override = ""
        elif not has_visible_text(override):
            # Only two cases: the chosen expectedness is the other one than proposed.
            if proposed == Expectedness.EXPECTED:
                message = _(
                    "The RSI in force (%(document)s) lists this reaction: say why the "
                    "sponsor judges it unexpected."
                )
            else:
                message = _(
                    "The RSI in force (%(document)s) does not list this reaction: say why "
                    "the sponsor judges it expected."
                )
            add_error(
                errors,
                opinion_field(drug, "expectedness_override"),
                message % {"document": rsi.document},
            )
        disagreement = opinion.sponsor_disagreement.strip()
        downgrade = (
            investigator_finds_related(investigator_causality)
            and opinion.sponsor_causality == SponsorCausality.NOT_RELATED
        )
        if not downgrade:
            disagreement = ""
        elif not has_visible_text(disagreement):
            add_error(
                errors,
                opinion_field(drug, "sponsor_disagreement"),
                _(
                    "The investigator finds %(drug)s related (%(causality)s): the sponsor may "
                    "disagree but not downgrade it. Say why; both opinions are kept and "
                    "reported, and the case stays related (ICH E2A)."
                )
                % {
                    "drug": label,
                    "causality": str(SaeCausality(investigator_causality).label).lower(),
                },
            )
        override = text_checked(
            DrugAssessment,
            "expectedness_override",
            override,
            field=opinion_field(drug, "expectedness_override"),
        )
        disagreement = text_checked(
            DrugAssessment,
            "sponsor_disagreement",
            disagreement,
            field=opinion_field(drug, "sponsor_disagreement"),
        )
        rows.append(
            DrugAssessment(
                drug=drug,
                investigator_causality=investigator_causality,
                sponsor_causality=opinion.sponsor_causality,
                sponsor_disagreement=disagreement,
                rsi=rsi,
                proposed_expectedness=proposed,
                expectedness=expectedness,
                expectedness_override=override,
            )
        )
    if errors:
        raise Refused(errors)
    return rows


def _susar_classified(
    assessment: SponsorAssessment, *, report: SaeReport, user: User, now: dt.datetime
) -> None:
    """Create, update, withdraw or reinstate the assessment's SUSAR; notify a new one."""
    susar = Susar.objects.select_for_update().filter(assessment=assessment).first()
    judgements = [
        DrugJudgement(
            drug=row.drug,
            investigator_causality=row.investigator_causality,
            sponsor_causality=row.sponsor_causality,
            expectedness=row.expectedness,
        )
        for row in assessment.drugs.all()
    ]
    version = report.versions.get(number=assessment.assessed_version)
    received = report.sponsor_received_at
    assert received is not None  # sae_assess refuses a report the sponsor has not received
    if is_susar(serious=_serious(version), judgements=judgements):
        if susar is None:
            susar = record_create(
                Susar(
                    assessment=assessment,
                    classified_at=now,
                    sponsor_received_at=received,
                    fatal_or_life_threatening=assessment.fatal_or_life_threatening,
                ),
                user=user,
                reason="SUSAR: serious, related and unexpected",
            )
        elif (
            susar.withdrawn_at is not None
            or susar.fatal_or_life_threatening != assessment.fatal_or_life_threatening
        ):
            reinstated = susar.withdrawn_at is not None
            susar.withdrawn_at = None
            susar.fatal_or_life_threatening = assessment.fatal_or_life_threatening
            record_update(
                susar,
                fields=["withdrawn_at", "fatal_or_life_threatening"],
                expected_version=None,
                user=user,
                reason="SUSAR again on revised assessment"
                if reinstated
                else "SUSAR seriousness revised",
            )
            if not reinstated:
                return
        else:
            return
        clock = susar_clock(susar, now=now)
        notify_case(
            NoticeKind.SUSAR_CLASSIFIED,
            report,
            deadline=clock.open_deadline,
            what=f"SUSAR {susar.pk}",
        )
    elif susar is not None and susar.withdrawn_at is None:
        susar.withdrawn_at = now
        record_update(
            susar,
            fields=["withdrawn_at"],
            expected_version=None,
            user=user,
            reason="No longer a SUSAR on revised assessment",
        )


@transaction.atomic
def sae_assess(
    *,
    report: SaeReport,
    user: User,
    opinions: Iterable[DrugOpinion],
    comment: str = "",
    reason: str = "",
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> SponsorAssessment:
    """Record or revise pharmacovigilance's assessment of the last submitted SAE report:
    per suspect drug, the sponsor's causality beside the investigator's (kept as reported)
    and the expectedness against the RSI in force today; classify the SUSAR.

    A revision needs a reason (audit trail) and starts from the assessment version the
    assessor saw (`expected_version`), so a colleague's revision is never overwritten.
    """
    require_pharmacovigilance(user)
    now = now or timezone.now()
    # One assessment of a case at a time: two assessors saving together take turns here.
    report = (
        SaeReport.objects.select_for_update(of=("self",))
        .select_related("patient__site", "adverse_event")
        .get(pk=report.pk)
    )
    ensure_unlocked(report.patient)
    version = latest_submitted_version(report)
    if version is None or report.sponsor_received_at is None:
        raise Refused(
            {
                "__all__": [
                    _("The site has not submitted the initial report: nothing to assess yet.")
                ]
            }
        )
    rows = _drug_rows(report=report, version=version, opinions=opinions, on=timezone.localdate(now))
    comment = text_checked(SponsorAssessment, "comment", comment.strip())
    existing = SponsorAssessment.objects.filter(report=report).first()
    values = {
        "assessed_version": version.number,
        "fatal_or_life_threatening": fatal_or_life_threatening(version),
        "comment": comment,
        "assessed_at": now,
        "assessed_by": user,
    }
    if existing is None:
        why = f"Sponsor assessment of the {version.label}"
        assessment = record_create(
            SponsorAssessment(report=report, **values), user=user, reason=why
        )
        with pghistory.context(user=user.pk, reason=why):
            for row in rows:
                row.assessment = assessment
            DrugAssessment.objects.bulk_create(rows)
    else:
        why = reason_for_change(reason)
        if expected_version is None:
            # A revision starts from the assessment its author read, never from a guess.
            raise Refused({"version": [_("Give the version of the assessment you revise.")]})
        assessment = existing
        for name, value in values.items():
            setattr(assessment, name, value)
        record_update(
            assessment,
            fields=list(values),
            expected_version=expected_version,
            user=user,
            reason=why,
        )
        _drugs_revised(assessment, rows, user=user, reason=why)
    _susar_classified(assessment, report=report, user=user, now=now)
    # The first assessment too: the site's investigators learn how the sponsor judged it.
    notify_case(
        NoticeKind.ASSESSMENT_CHANGED,
        report,
        deadline=None,
        what=f"{'revised ' if existing else ''}sponsor assessment of the {version.label}",
    )
    return assessment


_DRUG_FIELDS = (
    "investigator_causality",
    "sponsor_causality",
    "sponsor_disagreement",
    "rsi",
    "proposed_expectedness",
    "expectedness",
    "expectedness_override",
)


def _drugs_revised(
    assessment: SponsorAssessment, rows: list[DrugAssessment], *, user: User, reason: str
) -> None:
    """Bring the assessment's drug rows to the revised ones, each change in the audit trail
    (a drug no longer suspect in a follow-up report loses its row)."""
    current = {row.drug: row for row in assessment.drugs.all()}
    with pghistory.context(user=user.pk, reason=reason):
        for row in rows:
            kept = current.pop(row.drug, None)
            if kept is None:
                row.assessment = assessment
                row.save()
                continue
            changed = [f for f in _DRUG_FIELDS if getattr(kept, f) != getattr(row, f)]
            for name in changed:
                setattr(kept, name, getattr(row, name))
            if changed:
                kept.save(update_fields=changed)
        for gone in current.values():
            gone.delete()
