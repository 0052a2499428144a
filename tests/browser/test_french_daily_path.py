"""A coordinator of a French site's day, in French, in Chromium: screen a patient, randomize
them, then for a patient on treatment record a cycle, a response, an adverse event and, from
the worklist, the month-3 follow-up visit. Dates are typed dd/mm/yyyy into the text date
inputs. Each page is asserted in French (headings, labels, choices, messages); the same path
runs on a phone (390 px) where no page may scroll sideways.

Real time, as every browser test (see conftest.py): the patient on treatment was randomized
190 days ago and ended treatment 85 days ago, which opens the month-3 visit's window today.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

import protocol
from accounts.models import Role
from patients.models import Patient
from randomization.models import Randomization
from randomization.services import patient_randomize
from tests.browser.conftest import TIMEOUT_MS
from tests.factories import PASSWORD, SiteFactory, UserFactory, screen_patient
from visits import services
from visits.models import AdverseEvent, FollowUpVisit, ResponseAssessment, TreatmentCycle

pytestmark = pytest.mark.browser

DAY = dt.timedelta(days=1)
NBSP = "\u00a0"
PHONE_WIDTH = 390
# The treated patient's course, in days before today.
CYCLE_STARTED, CYCLE_ENDED, ASSESSED, TREATMENT_ENDED = 185 * DAY, 150 * DAY, 148 * DAY, 85 * DAY
AE_ONSET = 175 * DAY
FRENCH_ARMS = {
    protocol.Arm.DEX: "Traitement de rattrapage + dexaméthasone",
    protocol.Arm.CONTROL: "Traitement de rattrapage seul",
}


def _dmy(day: dt.date) -> str:
    """A date as a French coordinator types it and the pages show it."""
    return f"{day:%d/%m/%Y}"


@pytest.fixture
def french_site(db):
    return SiteFactory(number=31, name="CHU Purpan", language="fr")


@pytest.fixture
def french_coordinator(french_site):
    return UserFactory(username="coord_fr", role=Role.COORDINATOR, sites=[french_site])


@pytest.fixture
def on_treatment(french_site, french_coordinator, today) -> Patient:
    """The site's patient randomized 190 days ago to intensive salvage, nothing recorded since."""
    consent_on = today - 200 * DAY
    patient = screen_patient(
        site=french_site,
        user=french_coordinator,
        year_of_birth=consent_on.year - 65,
        age_at_consent=64,
        consent_on=consent_on,
        screened_on=today - 199 * DAY,
        diagnosis_on=today - 600 * DAY,
        disease_status_on=today - 205 * DAY,
    )
    patient_randomize(
        patient=patient,
        user=french_coordinator,
        regimen=protocol.Regimen.INTENSIVE,
        randomized_at=timezone.now() - 190 * DAY,
    )
    return patient


@pytest.fixture(params=[1280, PHONE_WIDTH], ids=["desktop", "phone"])
def french_page(request, browser, live_server, settings) -> Iterator[Page]:
    """A tab in a French Chromium at the given width; the log-in page in French too."""
    settings.LANGUAGE_CODE = "fr"  # the trial's language, for the anonymous log-in page
    context = browser.new_context(
        base_url=live_server.url,
        locale="fr-FR",
        timezone_id="Europe/Paris",
        viewport={"width": request.param, "height": 900},
    )
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


class Path:
    """The steps of the day, each checking the page is French and, on a phone, narrow."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.page, self.base_url = page, base_url
        self.phone = page.viewport_size is not None and page.viewport_size["width"] <= 390
        self.measured: list[str] = []

    def fits(self, where: str) -> None:
        """On a phone, the page never scrolls sideways."""
        if not self.phone:
            return
        width = self.page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE_WIDTH, f"{where} is {width} px wide on a {PHONE_WIDTH} px phone"
        self.measured.append(where)

    def french_page(self, where: str) -> None:
        expect(self.page.locator("html")).to_have_attribute("lang", "fr")
        expect(self.page.locator(".skip-link")).to_have_text("Aller au contenu de la page")
        self.fits(where)

    def saved(self, message: str) -> None:
        expect(self.page.get_by_role("status")).to_have_text(message)


def _log_in(path: Path) -> None:
    page = path.page
    page.goto("/login/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Se connecter")
    path.french_page("log-in page")
    expect(page.locator("label[for='id_password']")).to_have_text("Mot de passe")
    page.locator("#id_username").fill("coord_fr")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("/")
    path.french_page("dashboard")


def _screen(path: Path, today: dt.date) -> str:
    """Screen an eligible woman of 64 in first relapse; return her study ID."""
    page = path.page
    page.get_by_role("link", name="Sélectionner un patient").first.click()
    page.wait_for_url("**/screening/new/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sélectionner un patient")
    expect(page.locator("form.crf legend")).to_have_text(
        [
            "Patient et consentement",
            "Critères d'éligibilité",
            "Maladie à l'inclusion (obligatoire si éligible)",
            "Mutations à la rechute",
        ]
    )
    expect(page.locator("label[for='id_consent_on']")).to_have_text(
        "Consentement éclairé signé le *"
    )
    expect(page.locator("label[for='id_sex']")).to_have_text("Sexe *")
    expect(page.locator("#id_sex option")).to_have_text(["---------", "Femme", "Homme"])
    expect(page.locator("table.checklist")).to_contain_text(
        "Leucémie aiguë myéloïde en rechute ou réfractaire (classification OMS)"
    )
    expect(page.locator("table.checklist td.kind").first).to_have_text("inclusion")
    expect(page.locator("table.checklist td.kind").last).to_have_text("non-inclusion")
    path.fits("screening form")

    consent_on, screened_on = today - 4 * DAY, today - 3 * DAY
    page.locator("#id_sex").select_option("F")
    page.locator("#id_year_of_birth").fill(str(consent_on.year - 64))
    page.locator("#id_consent_on").press_sequentially(_dmy(consent_on))
    page.locator("#id_age_at_consent").fill("64")
    page.locator("#id_screened_on").press_sequentially(_dmy(screened_on))
    for item in protocol.ELIGIBILITY_CRITERIA:
        met = item.kind is protocol.CriterionKind.INCLUSION
        page.locator(
            f"input[name='criterion_{item.code}'][value='{'yes' if met else 'no'}']"
        ).check()
    page.locator("#id_diagnosis_on").press_sequentially(_dmy(today - 400 * DAY))
    page.locator("#id_disease_status").select_option(label="Première rechute")
    page.locator("#id_disease_status_on").press_sequentially(_dmy(today - 10 * DAY))
    page.locator("#id_ecog").fill("1")
    page.locator("#id_wbc").fill("4.20")
    page.locator("#id_marrow_blasts_pct").fill("32.0")
    page.locator("#id_cytogenetic_risk").select_option(label="Intermédiaire")
    page.locator("#id_eln_risk").select_option(label="Intermédiaire")
    page.locator("#id_prior_lines").fill("1")
    page.locator("#id_prior_allo_hsct").select_option("false")
    page.locator("select[name='mutation_FLT3-ITD']").select_option(label="Détectée")
    page.get_by_role("button", name="Enregistrer la sélection").click()

    page.wait_for_url("**/patients/31-002/")
    study_id = "31-002"
    path.saved(f"Patient {study_id} sélectionné{NBSP}: éligible.")
    expect(page.locator("h1")).to_contain_text(f"Patient {study_id}")
    expect(page.locator("h1 .badge")).to_have_text("Éligible")
    expect(page.locator(".cards")).to_contain_text("Première rechute")
    expect(page.locator(".chip.detected")).to_have_text("FLT3-ITD: Détectée")
    expect(page.get_by_role("heading", name="Critères d'éligibilité")).to_be_visible()
    path.french_page("patient page after screening")
    screening = Patient.objects.get(study_id=study_id).screening
    assert (screening.consent_on, screening.screened_on) == (consent_on, screened_on)
    return study_id


def _randomize(path: Path, study_id: str) -> None:
    page = path.page
    page.get_by_role("link", name="Randomiser", exact=True).click()
    page.wait_for_url(f"**/patients/{study_id}/randomize/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Randomiser le patient {study_id}")
    expect(page.locator("#randomize-form legend")).to_have_text("Avant la randomisation")
    expect(page.locator("#randomize-form label.choice")).to_have_text(
        [
            f"Intensif{NBSP}: amsacrine + cytarabine",
            "Azacitidine",
            "Je confirme que le patient est éligible et a signé le consentement éclairé.",
        ]
    )
    path.french_page("randomize page")
    page.locator("input[name='regimen'][value='azacitidine']").check()
    page.locator("#id_confirm_eligible").check()
    page.get_by_role("button", name="Randomiser").click()

    page.wait_for_url(f"**/patients/{study_id}/randomization/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirmation de randomisation")
    arm = Randomization.objects.get(patient__study_id=study_id).arm
    expect(page.locator("#arm")).to_have_text(FRENCH_ARMS[arm])
    expect(page.locator("#randomization-confirmation")).to_contain_text("Schéma de rattrapage")
    expect(page.locator("#randomization-confirmation")).to_contain_text(
        "Azacitidine · centre 31 · en rechute"
    )
    expect(page.get_by_role("button", name="Imprimer")).to_be_visible()
    path.french_page("randomization confirmation")


def _record_cycle(path: Path, patient: Patient, today: dt.date) -> None:
    page, study_id = path.page, patient.study_id
    page.goto(f"/patients/{study_id}/")
    path.french_page("patient page on treatment")
    page.get_by_role("link", name="Saisir le cycle 1").click()
    page.wait_for_url(f"**/patients/{study_id}/cycles/new/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Cycle de traitement · patient {study_id}"
    )
    expect(page.locator("label[for='id_started_on']")).to_contain_text("Début du cycle")
    path.french_page("cycle form")
    page.locator("#id_started_on").press_sequentially(_dmy(today - CYCLE_STARTED))
    page.locator("#id_ended_on").press_sequentially(_dmy(today - CYCLE_ENDED))
    page.locator("#id_amsacrine_mg_m2").fill("450")
    page.locator("#id_cytarabine_mg_m2").fill("3000")
    dex = patient.randomization.arm == protocol.DEXAMETHASONE_ARM
    if dex:
        page.locator("#id_dexamethasone_given").check()
        page.locator("#id_dexamethasone_mg").fill("160")
    page.get_by_role("button", name="Enregistrer", exact=True).click()

    page.wait_for_url(f"**/patients/{study_id}/")
    path.saved(f"Cycle de traitement{NBSP}: saisie enregistrée pour {study_id}.")
    expect(page.locator("#timeline-cycles tbody tr").first).to_contain_text("Induction")
    cycle = TreatmentCycle.objects.get(patient=patient)
    assert (cycle.started_on, cycle.ended_on) == (today - CYCLE_STARTED, today - CYCLE_ENDED)
    assert cycle.dexamethasone_mg == (Decimal(160) if dex else None)


def _record_response(path: Path, patient: Patient, today: dt.date) -> None:
    page, study_id = path.page, patient.study_id
    page.get_by_role("link", name="Saisir une réponse").click()
    page.wait_for_url(f"**/patients/{study_id}/responses/new/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Évaluation de la réponse · patient {study_id}"
    )
    expect(page.locator("#id_category option")).to_contain_text(
        [
            "Rémission complète (RC)",
            "RC avec récupération hématologique incomplète (RCi)",
            "État morphologique sans leucémie (MLFS)",
        ]
    )
    path.french_page("response form")
    page.locator("#id_assessed_on").press_sequentially(_dmy(today - ASSESSED))
    page.locator("#id_category").select_option(label="Rémission complète (RC)")
    page.locator("#id_marrow_blasts_pct").fill("2.5")
    page.locator("#id_anc").fill("1.80")
    page.locator("#id_platelets").fill("180")
    page.get_by_role("button", name="Enregistrer", exact=True).click()

    page.wait_for_url(f"**/patients/{study_id}/")
    path.saved(f"Évaluation de la réponse{NBSP}: saisie enregistrée pour {study_id}.")
    expect(page.locator("#timeline-responses")).to_contain_text("Rémission complète (RC)")
    response = ResponseAssessment.objects.get(patient=patient)
    assert (response.assessed_on, response.category) == (today - ASSESSED, "CR")


def _record_adverse_event(path: Path, patient: Patient, today: dt.date) -> None:
    page, study_id = path.page, patient.study_id
    page.get_by_role("link", name="Saisir un événement indésirable").click()
    page.wait_for_url(f"**/patients/{study_id}/adverse-events/new/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Événement indésirable · patient {study_id}"
    )
    path.french_page("adverse event form")
    dex = patient.randomization.arm == protocol.DEXAMETHASONE_ARM
    page.locator("#id_term").select_option("Febrile neutropenia")
    page.locator("#id_grade").fill("3")
    page.locator("#id_onset_on").press_sequentially(_dmy(today - AE_ONSET))
    if dex:  # the control arm's form does not ask (the field is hidden there)
        page.locator("#id_related_to_dexamethasone").select_option(protocol.Relatedness.POSSIBLE)
    page.locator("#id_related_to_salvage").select_option(label="Probable")
    page.get_by_role("button", name="Enregistrer", exact=True).click()

    page.wait_for_url(f"**/patients/{study_id}/")
    path.saved(f"Événement indésirable{NBSP}: saisie enregistrée pour {study_id}.")
    expect(page.locator("#adverse-events")).to_contain_text("Neutropénie fébrile")
    event = AdverseEvent.objects.get(patient=patient)
    assert (event.term, event.grade, event.onset_on) == (
        "Febrile neutropenia",
        3,
        today - AE_ONSET,
    )


def _record_visit(path: Path, patient: Patient, today: dt.date) -> None:
    page, study_id = path.page, patient.study_id
    page.get_by_role("link", name="Liste de travail").first.click()
    page.wait_for_url("**/worklist/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Liste de travail")
    path.french_page("worklist")
    row = page.locator("#worklist tbody tr", has_text=study_id)
    row.get_by_role("link", name="Saisir").click()
    page.wait_for_url(f"**/patients/{study_id}/visits/M3/?next=%2Fworklist%2F")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Visite de suivi M3 · patient {study_id}"
    )
    path.french_page("follow-up visit form")
    page.locator("#id_performed_on").press_sequentially(_dmy(today))
    page.locator("#id_vital_status").select_option(label="Vivant")
    page.locator("#id_disease_status").select_option(label="Rémission persistante")
    page.locator("#id_transplant_since_last").select_option("false")
    page.get_by_role("button", name="Enregistrer la visite").click()

    page.wait_for_url("**/worklist/")
    path.saved(f"Visite M3 de {study_id} enregistrée.")
    path.french_page("worklist after the visit")
    visit = FollowUpVisit.objects.get(patient=patient, month=3)
    assert (visit.performed_on, visit.vital_status) == (today, protocol.VitalStatus.ALIVE)


def test_a_french_coordinator_s_day_in_french(
    french_page, live_server, french_coordinator, on_treatment, today
):
    path = Path(french_page, live_server.url)

    _log_in(path)
    study_id = _screen(path, today)
    _randomize(path, study_id)
    _record_cycle(path, on_treatment, today)
    _record_response(path, on_treatment, today)
    _record_adverse_event(path, on_treatment, today)
    # The end of treatment 85 days ago (recorded as the day goes), which puts the month-3
    # visit on today's worklist.
    services.end_of_treatment_record(
        patient=on_treatment,
        user=french_coordinator,
        values={
            "ended_on": today - TREATMENT_ENDED,
            "reason": protocol.EndOfTreatmentReason.INVESTIGATOR,
        },
    )
    _record_visit(path, on_treatment, today)

    if path.phone:
        assert len(path.measured) >= 12, path.measured
