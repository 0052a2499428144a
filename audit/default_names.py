"""Names the audit trail reads that the code gives no translation of: the verbose names
Django derives from a model or field without one ("year of birth"), and the reasons the
services record in English ("Initial entry"). Marked here for the catalogue; audit/reading.py
passes every name and reason it shows through gettext, so the page reads them in its reader's
language while the audit trail, the API and the exports keep them in English.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop

# Models' default verbose names, as the audit trail's Record column shows them.
RECORD_KINDS = (
    gettext_noop("blood count"),
    gettext_noop("concomitant medication"),
    gettext_noop("criterion answer"),
    gettext_noop("disease history"),
    gettext_noop("end of treatment"),
    gettext_noop("follow up visit"),
    gettext_noop("mrd assessment"),
    gettext_noop("off study"),
    gettext_noop("patient"),
    gettext_noop("prior regimen"),
    gettext_noop("randomization"),
    gettext_noop("response assessment"),
    gettext_noop("sae report"),
    gettext_noop("screening"),
    gettext_noop("source verification"),
    gettext_noop("specimen"),
    gettext_noop("transfusion"),
    gettext_noop("transplant"),
    gettext_noop("treatment cycle"),
)

# Fields' default verbose names, as the audit trail's Changes column shows them.
FIELD_NAMES = (
    gettext_noop("adverse event"),
    gettext_noop("after cycle"),
    gettext_noop("age at consent"),
    gettext_noop("answer"),
    gettext_noop("arm"),
    gettext_noop("best response"),
    gettext_noop("category"),
    gettext_noop("code"),
    gettext_noop("conditioning"),
    gettext_noop("content type"),
    gettext_noop("created at"),
    gettext_noop("created by"),
    gettext_noop("cycle"),
    gettext_noop("cytogenetic risk"),
    gettext_noop("death cause"),
    gettext_noop("deviation"),
    gettext_noop("disease status"),
    gettext_noop("donor type"),
    gettext_noop("dose"),
    gettext_noop("dose unit"),
    gettext_noop("drug"),
    gettext_noop("event on"),
    gettext_noop("extramedullary disease"),
    gettext_noop("failure reason"),
    gettext_noop("fatal adverse event"),
    gettext_noop("field name"),
    gettext_noop("fingerprint"),
    gettext_noop("graft source"),
    gettext_noop("indication"),
    gettext_noop("kind"),
    gettext_noop("method"),
    gettext_noop("missed reason"),
    gettext_noop("month"),
    gettext_noop("mutations"),
    gettext_noop("note"),
    gettext_noop("number"),
    gettext_noop("object id"),
    gettext_noop("ongoing"),
    gettext_noop("opened automatically"),
    gettext_noop("outcome"),
    gettext_noop("overdue notified at"),
    gettext_noop("phase"),
    gettext_noop("product"),
    gettext_noop("randomized at"),
    gettext_noop("randomized by"),
    gettext_noop("reason"),
    gettext_noop("regimen"),
    gettext_noop("result"),
    gettext_noop("route"),
    gettext_noop("sequence"),
    gettext_noop("sex"),
    gettext_noop("site"),
    gettext_noop("slot"),
    gettext_noop("sponsor received at"),
    gettext_noop("stratum"),
    gettext_noop("stratum levels"),
    gettext_noop("study id"),
    gettext_noop("target on"),
    gettext_noop("text"),
    gettext_noop("timepoint"),
    gettext_noop("transfusion dependent"),
    gettext_noop("updated at"),
    gettext_noop("verified at"),
    gettext_noop("verified by"),
    gettext_noop("version"),
    gettext_noop("vital status"),
    gettext_noop("window closes on"),
    gettext_noop("window opens on"),
    gettext_noop("year of birth"),
)

# Reasons the services record themselves (a person's reason is shown as typed).
REASONS = (
    gettext_noop("Cycle of the response recomputed"),
    gettext_noop("Follow-up schedule built"),
    gettext_noop("Initial entry"),
    gettext_noop("Randomization"),
    gettext_noop("Source-data verification"),
    gettext_noop("Visit recorded"),
)

# A stratification factor, as the randomization's stratum levels name it ("Site" and
# "Disease status" are messages of the pages already).
STRATUM_FACTORS = (gettext_noop("Regimen"),)
