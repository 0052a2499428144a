"""Treatment-emergent adverse events (TEAE): derived when read, never typed nor stored.

An adverse event is treatment-emergent when its onset is on or after the first study dose
(the start of cycle 1) and no later than N days after the last dose (the end of the last
cycle), N being the setting TRIAL_TEAE_WINDOW_DAYS (30 by default). While a cycle is still
open the last dose is not known yet: any onset from cycle 1 on counts. Before any cycle,
no event does.

The rule is one database expression (declared with the adverse-event form, visits/crfs.py),
so the timeline, the API and the export read the same answer, with the window in force when
they are read; a cycle keyed in or corrected later changes it at once.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import BooleanField, Case, Exists, OuterRef, Q, Subquery, Value, When
from django.utils.translation import gettext_lazy as _

from visits.models import TreatmentCycle

HELP_TEXT = _(
    "Onset on or after the first study dose (start of cycle 1) and at most "
    "TRIAL_TEAE_WINDOW_DAYS days (30 by default) after the last dose (end of the last "
    "cycle); while a cycle is open, any onset from cycle 1 on. Derived, never typed."
)


def treatment_emergent() -> Case:
    """Return the TEAE flag of an adverse event as a query expression (true or false)."""
    cycles = TreatmentCycle.objects.filter(patient=OuterRef("patient_id"))
    first_dose_on = Subquery(cycles.order_by("started_on").values("started_on")[:1])
    last_dose_on = Subquery(
        cycles.filter(ended_on__isnull=False).order_by("-ended_on").values("ended_on")[:1]
    )
    window = dt.timedelta(days=settings.TRIAL_TEAE_WINDOW_DAYS)
    return Case(
        When(
            Q(onset_on__gte=first_dose_on)
            & (
                Q(Exists(cycles.filter(ended_on__isnull=True)))
                | Q(onset_on__lte=last_dose_on + window)
            ),
            then=Value(True),
        ),
        default=Value(False),
        output_field=BooleanField(),
    )
