"""The trial's vocabulary for serious adverse event reports (issue 14): the suspect drugs,
the investigator's causality for each, the outcome, and the 24-hour reporting clock.

ICH E2A / EU CT Regulation 536/2014: the site reports every SAE to the sponsor within 24 hours
of becoming aware of it; follow-up reports add what is learned later.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _

from protocol import Drug, Relatedness

# Every drug of the trial may be suspected: the salvage regimens' and dexamethasone.
SuspectDrug = Drug
SUSPECT_DRUGS: tuple[Drug, ...] = (
    Drug.DEXAMETHASONE,
    Drug.AMSACRINE,
    Drug.CYTARABINE,
    Drug.AZACITIDINE,
)

# The site's initial report is due this long after the site became aware of the event.
SAE_INITIAL_REPORT_WITHIN = dt.timedelta(hours=24)


class SaeCausality(models.TextChoices):
    """The investigator's causality for one suspect drug: judged for a drug the patient
    received, 'not given' (and only that) for one they did not."""

    NOT_RELATED = Relatedness.NOT_RELATED.value, Relatedness.NOT_RELATED.label
    UNLIKELY = Relatedness.UNLIKELY.value, Relatedness.UNLIKELY.label
    POSSIBLE = Relatedness.POSSIBLE.value, Relatedness.POSSIBLE.label
    PROBABLE = Relatedness.PROBABLE.value, Relatedness.PROBABLE.label
    DEFINITE = Relatedness.DEFINITE.value, Relatedness.DEFINITE.label
    NOT_GIVEN = "not_given", _("Not given to this patient")


SAE_CAUSALITY_JUDGED = tuple(c for c in SaeCausality if c is not SaeCausality.NOT_GIVEN)


class SaeOutcome(models.TextChoices):
    RECOVERED = "recovered", _("Recovered / resolved")
    RECOVERING = "recovering", _("Recovering / resolving")
    NOT_RECOVERED = "not_recovered", _("Not recovered / not resolved")
    RECOVERED_WITH_SEQUELAE = "recovered_with_sequelae", _("Recovered with sequelae")
    FATAL = "fatal", _("Fatal")
    UNKNOWN = "unknown", _("Unknown")


class SeriousnessCriterion(models.TextChoices):
    """Why the event is serious (ICH E2A); the report ticks at least one."""

    RESULTS_IN_DEATH = "results_in_death", _("Results in death")
    LIFE_THREATENING = "life_threatening", _("Life-threatening")
    HOSPITALISATION = "hospitalisation", _("Requires or prolongs hospitalisation")
    DISABILITY = "disability", _("Persistent or significant disability / incapacity")
    CONGENITAL_ANOMALY = "congenital_anomaly", _("Congenital anomaly / birth defect")
    OTHER_MEDICALLY_IMPORTANT = "other_medically_important", _("Other medically important event")
