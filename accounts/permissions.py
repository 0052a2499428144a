"""Who may do what: one function per question, asked by services, views, APIs and templates.

The roles (accounts.models.Role) are compared here and nowhere else, so a change to who may
do something is one reviewed change in this module. Site-bound roles act only at the sites
they are assigned to; another site's patients do not even exist for them (selectors).

    coordinator    screens, randomizes and enters data at their sites; answers queries
    investigator   reviews SAEs and signs the casebooks of their sites
    monitor        verifies records against the source documents at their sites; raises
                   queries there
    data manager   raises, closes and re-opens queries; locks data; reviews SAEs anywhere
    statistician   unblinded: results by arm, the allocation sequence; unblinds the trial
    dmc            the data monitoring committee: unblinded, reads everything, changes nothing
    sponsor        reads everything pooled, changes nothing; by arm once the trial is unblinded
    pharmacovigilance  the sponsor's safety desk: receives every SAE, assesses causality and
                   expectedness, reports SUSARs; sees each case's treatment, pooled tables only

Results by arm: while the trial runs, only the unblinded roles see arms joined to outcomes
(exports, lists, ODM, analyses); the coordinator sees each of their patients' arms one patient
at a time (open label: they give the drug). `randomization.blinding.arms_visible_to` asks
`user_can_see_results_by_arm` with the trial's unblinding state, for every reader.

Templates ask the role-level questions through `{% load permissions %}`
(accounts/templatetags/permissions.py); questions about one site are answered in the view.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from accounts.models import (
    DATA_ENTRY_ROLES,
    SITE_BOUND_ROLES,
    UNBLINDED_AFTER_TRIAL_UNBLINDING,
    UNBLINDED_ROLES,
    Role,
    Site,
    User,
)

Account = User | AnonymousUser


def _role(user: Account) -> str:
    """The account's role; none for an anonymous visitor or an account without one."""
    return user.role if user.is_authenticated else ""


def _works_at(user: Account, site: Site) -> bool:
    return user.is_authenticated and user.sites.filter(pk=site.pk).exists()


# --- Scope: whose patients the account sees ---------------------------------------------


def user_is_site_bound(user: Account) -> bool:
    """Return True for the roles that see only their own sites' patients."""
    return _role(user) in SITE_BOUND_ROLES


def user_sees_every_site(user: Account) -> bool:
    """Return True for the all-sites roles (data manager, sponsor, statistician)."""
    return bool(_role(user)) and not user_is_site_bound(user)


# --- Clinical data ----------------------------------------------------------------------


def user_can_enter_data(user: Account) -> bool:
    """Return True for the role that screens, randomizes and enters data (at its sites)."""
    return _role(user) in DATA_ENTRY_ROLES


def user_can_enter_data_at(user: Account, site: Site) -> bool:
    """Return True when this account may screen, randomize and enter data at this site."""
    return user_can_enter_data(user) and _works_at(user, site)


# --- Data review ------------------------------------------------------------------------


def user_can_raise_queries(user: Account) -> bool:
    """Return True for the roles that raise queries on the data: the data manager (anywhere)
    and the monitor (at their sites, see user_can_raise_queries_at)."""
    return _role(user) in (Role.DATA_MANAGER, Role.MONITOR)


def user_can_raise_queries_at(user: Account, site: Site) -> bool:
    """Return True for the data manager, or a monitor assigned to this site: a monitor
    queries what source verification finds doubtful at the sites they visit."""
    return _role(user) == Role.DATA_MANAGER or (
        _role(user) == Role.MONITOR and _works_at(user, site)
    )


def user_can_close_queries(user: Account) -> bool:
    """Return True for the data manager, who closes and re-opens queries."""
    return _role(user) == Role.DATA_MANAGER


def user_can_answer_queries(user: Account) -> bool:
    """Return True for the role that answers queries (a coordinator, at their sites)."""
    return user_can_enter_data(user)


def user_can_answer_queries_at(user: Account, site: Site) -> bool:
    """Return True for a coordinator of the site: the site answers its queries."""
    return user_can_enter_data_at(user, site)


def user_can_verify_source(user: Account) -> bool:
    """Return True for the monitor, who verifies records against the source documents."""
    return _role(user) == Role.MONITOR


def user_can_verify_source_at(user: Account, site: Site) -> bool:
    """Return True for a monitor assigned to this site."""
    return user_can_verify_source(user) and _works_at(user, site)


def user_can_sign_casebooks(user: Account) -> bool:
    """Return True for the investigator, who signs the casebooks of their sites."""
    return _role(user) == Role.INVESTIGATOR


def user_can_sign_casebook(user: Account, site: Site) -> bool:
    """Return True for an investigator of the site, who signs its patients' casebooks."""
    return _role(user) == Role.INVESTIGATOR and _works_at(user, site)


def user_can_review_saes(user: Account) -> bool:
    """Return True for the roles that review serious adverse events (at some site)."""
    return _role(user) in (Role.INVESTIGATOR, Role.DATA_MANAGER)


def user_can_review_sae(user: Account, site: Site) -> bool:
    """Return True for a data manager, or an investigator of the site where the SAE happened."""
    return _role(user) == Role.DATA_MANAGER or (
        _role(user) == Role.INVESTIGATOR and _works_at(user, site)
    )


# --- Safety: serious adverse events on the regulatory clock -------------------------------


def user_can_report_saes(user: Account) -> bool:
    """Return True for the roles that write SAE reports (at their own sites): coordinator
    and investigator."""
    return _role(user) in (Role.COORDINATOR, Role.INVESTIGATOR)


def user_can_submit_saes(user: Account) -> bool:
    """Return True for the role that signs and submits SAE reports (at its own sites)."""
    return _role(user) == Role.INVESTIGATOR


def user_can_report_sae_at(user: Account, site: Site) -> bool:
    """Return True for a coordinator or an investigator of the site: they write the SAE
    report (the coordinator drafts, the investigator completes it)."""
    return _role(user) in (Role.COORDINATOR, Role.INVESTIGATOR) and _works_at(user, site)


def user_can_submit_sae(user: Account, site: Site) -> bool:
    """Return True for an investigator of the site, who signs and submits the SAE report."""
    return _role(user) == Role.INVESTIGATOR and _works_at(user, site)


def user_can_assess_saes(user: Account) -> bool:
    """Return True for the sponsor's pharmacovigilance, who assesses causality and
    expectedness of every SAE and reports SUSARs to the regulators."""
    return _role(user) == Role.PHARMACOVIGILANCE


def user_can_view_sponsor_safety(user: Account) -> bool:
    """Return True for the all-sites roles that follow SAEs across the trial (the sponsor's
    safety page): pharmacovigilance, sponsor, data manager, statistician, DMC."""
    return _role(user) in (
        Role.PHARMACOVIGILANCE,
        Role.SPONSOR,
        Role.DATA_MANAGER,
        Role.STATISTICIAN,
        Role.DMC,
    )


def user_can_lock_data(user: Account) -> bool:
    """Return True for the data manager, who locks and unlocks data before a cut-off."""
    return _role(user) == Role.DATA_MANAGER


# --- Randomization and analyses ---------------------------------------------------------


def user_can_see_arms(user: Account) -> bool:
    """Return True for the unblinded roles (statistician, data monitoring committee): results
    compared by arm and arms joined to outcomes, while the trial runs."""
    return _role(user) in UNBLINDED_ROLES


def user_can_see_results_by_arm(user: Account, *, trial_unblinded: bool) -> bool:
    """Return True when this account may see arms joined to outcomes: the unblinded roles
    always, the sponsor once the trial is unblinded (the final analysis). Ask it through
    randomization.blinding.arms_visible_to, which knows whether the trial is unblinded."""
    return user_can_see_arms(user) or (
        trial_unblinded and _role(user) in UNBLINDED_AFTER_TRIAL_UNBLINDING
    )


def user_can_see_allocation_position(user: Account) -> bool:
    """Return True for the unblinded roles: a patient's position in their stratum. Sites
    never see it: in a small stratum it helps guess the next arm."""
    return user_can_see_arms(user)


def user_can_view_randomization_sequence(user: Account) -> bool:
    """Return True for the trial statistician (every viewing is recorded)."""
    return _role(user) == Role.STATISTICIAN


def user_can_unblind_trial(user: Account) -> bool:
    """Return True for the trial statistician, who unblinds the trial for the final analysis."""
    return _role(user) == Role.STATISTICIAN


def user_can_view_balance_report(user: Account) -> bool:
    """Return True for the statistician and the data manager (counts by arm per stratum)."""
    return _role(user) in (Role.STATISTICIAN, Role.DATA_MANAGER)


def user_can_recompute_analyses(user: Account) -> bool:
    """Return True for the roles that may start an analysis run."""
    return _role(user) in (Role.INVESTIGATOR, Role.DATA_MANAGER, Role.STATISTICIAN)


def user_can_freeze_data_cuts(user: Account) -> bool:
    """Return True for the statistician and the data manager, who freeze a data cut-off
    into a package (the data manager without reading it: it holds results by arm)."""
    return _role(user) in (Role.STATISTICIAN, Role.DATA_MANAGER)


def user_can_list_data_cuts(user: Account) -> bool:
    """Return True for the all-sites roles that follow the trial's data cuts (label, cut-off,
    fingerprint, hash); downloading a package also needs randomization.blinding's
    arms_visible_to, since it holds results by arm."""
    return _role(user) in (Role.STATISTICIAN, Role.DMC, Role.DATA_MANAGER, Role.SPONSOR)


def user_can_plan_interim_analyses(user: Account) -> bool:
    """Return True for the trial statistician, who declares the interim analysis plan
    (looks, alpha spending) and takes its looks."""
    return _role(user) == Role.STATISTICIAN


def user_can_view_interim_analyses(user: Account) -> bool:
    """Return True for the unblinded roles (statistician, DMC): an interim look's observed
    log-rank z compares the arms, so its page and API are theirs alone while the trial runs."""
    return user_can_see_arms(user)


# --- Oversight: the steering and data-monitoring committees --------------------------------


def user_can_view_consort(user: Account) -> bool:
    """Return True for the roles that read the trial's CONSORT flow (the steering committee's
    page): investigators, sponsor, data manager, statistician, DMC. The diagram's counts are
    trial-wide; the lists behind them keep each account to its own sites' patients."""
    return _role(user) in (
        Role.INVESTIGATOR,
        Role.SPONSOR,
        Role.DATA_MANAGER,
        Role.STATISTICIAN,
        Role.DMC,
    )


def user_can_view_dmc_open_report(user: Account) -> bool:
    """Return True for the readers of the DMC report's open (pooled) part: the DMC, the
    sponsor, the statistician, the data manager and the investigators (steering committee).
    The closed part, by arm, is for `user_can_see_arms` only."""
    return user_can_view_consort(user)


# --- Administration ---------------------------------------------------------------------


def user_can_open_admin(user: Account) -> bool:
    """Return True for the trial's system administrators, as Django's admin site decides."""
    return user.is_active and user.is_staff


def user_can_release_lockouts(user: Account) -> bool:
    """Return True for the data manager and the trial's administrators, who may end a log-in
    lockout early (the people the lockout message sends a locked-out colleague to)."""
    return _role(user) == Role.DATA_MANAGER or user_can_open_admin(user)
