"""Who may do what, one question at a time (accounts/permissions.py).

The coordinator screens, randomizes and enters the data of their sites and answers queries;
the investigator reviews SAEs and signs the casebooks of their sites; the monitor verifies
records against the source and raises queries at their sites; the data manager raises and
closes queries, locks data and reviews SAEs anywhere; the statistician and the data
monitoring committee are unblinded (the statistician alone sees the allocation sequence and
unblinds the trial); the sponsor only reads, by arm once the trial is unblinded. Every staff
member below works at site 03 when their role is site-bound.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template

from accounts import permissions
from accounts.models import Role, User
from tests.factories import UserFactory

ROLES = (
    Role.COORDINATOR,
    Role.INVESTIGATOR,
    Role.MONITOR,
    Role.DATA_MANAGER,
    Role.STATISTICIAN,
    Role.SPONSOR,
    Role.DMC,
)
Y, N = True, False

# fmt: off
# Questions about the role alone.
ROLE_QUESTIONS = {
    #                                        coord inv  mon  dm   stat sponsor dmc
    "user_is_site_bound":                   (Y,   Y,   Y,   N,   N,   N,      N),
    "user_sees_every_site":                 (N,   N,   N,   Y,   Y,   Y,      Y),
    "user_can_enter_data":                  (Y,   N,   N,   N,   N,   N,      N),
    "user_can_raise_queries":               (N,   N,   Y,   Y,   N,   N,      N),
    "user_can_close_queries":               (N,   N,   N,   Y,   N,   N,      N),
    "user_can_verify_source":               (N,   N,   Y,   N,   N,   N,      N),
    "user_can_review_saes":                 (N,   Y,   N,   Y,   N,   N,      N),
    "user_can_lock_data":                   (N,   N,   N,   Y,   N,   N,      N),
    "user_can_see_arms":                    (N,   N,   N,   N,   Y,   N,      Y),
    "user_can_see_allocation_position":     (N,   N,   N,   N,   Y,   N,      Y),
    "user_can_view_randomization_sequence": (N,   N,   N,   N,   Y,   N,      N),
    "user_can_unblind_trial":               (N,   N,   N,   N,   Y,   N,      N),
    "user_can_view_balance_report":         (N,   N,   N,   Y,   Y,   N,      N),
    "user_can_recompute_analyses":          (N,   Y,   N,   Y,   Y,   N,      N),
}

# Results by arm (arms joined to outcomes): (while the trial runs, once it is unblinded).
RESULTS_BY_ARM = (
    #   coord inv  mon  dm   stat sponsor dmc
    (N,   N,   N,   N,   Y,   N,      Y),
    (N,   N,   N,   N,   Y,   Y,      Y),
)

# Questions about one site: (at site 03, where the site-bound roles work; at site 07),
# the roles in the same order.
SITE_QUESTIONS = {
    "user_can_enter_data_at":     ((Y, N, N, N, N, N, N), (N, N, N, N, N, N, N)),
    "user_can_answer_queries_at": ((Y, N, N, N, N, N, N), (N, N, N, N, N, N, N)),
    "user_can_verify_source_at":  ((N, N, Y, N, N, N, N), (N, N, N, N, N, N, N)),
    "user_can_raise_queries_at":  ((N, N, Y, Y, N, N, N), (N, N, N, Y, N, N, N)),
    "user_can_sign_casebook":     ((N, Y, N, N, N, N, N), (N, N, N, N, N, N, N)),
    "user_can_review_sae":        ((N, Y, N, Y, N, N, N), (N, N, N, Y, N, N, N)),
}
# fmt: on


@pytest.fixture
def staff(site_a) -> dict[str, object]:
    """One account per role; the site-bound ones work at site 03."""
    return {
        role: UserFactory(
            username=f"{role}_03",
            role=role,
            sites=[site_a] if role in (Role.COORDINATOR, Role.INVESTIGATOR, Role.MONITOR) else [],
        )
        for role in ROLES
    }


@pytest.mark.parametrize("question", ROLE_QUESTIONS)
def test_it_answers_each_role_question_as_the_protocol_assigns_the_work(staff, question):
    ask = getattr(permissions, question)

    answers = tuple(ask(staff[role]) for role in ROLES)

    assert answers == ROLE_QUESTIONS[question]


@pytest.mark.parametrize("question", SITE_QUESTIONS)
def test_it_answers_each_site_question_for_their_own_site_and_another(
    staff, site_a, site_b, question
):
    ask = getattr(permissions, question)
    at_own_site, at_other_site = SITE_QUESTIONS[question]

    assert tuple(ask(staff[role], site_a) for role in ROLES) == at_own_site
    assert tuple(ask(staff[role], site_b) for role in ROLES) == at_other_site


def test_it_shows_results_by_arm_to_the_unblinded_roles_and_the_sponsor_once_unblinded(staff):
    while_blinded, once_unblinded = RESULTS_BY_ARM

    assert (
        tuple(
            permissions.user_can_see_results_by_arm(staff[role], trial_unblinded=False)
            for role in ROLES
        )
        == while_blinded
    )
    assert (
        tuple(
            permissions.user_can_see_results_by_arm(staff[role], trial_unblinded=True)
            for role in ROLES
        )
        == once_unblinded
    )


def test_it_gives_an_account_without_a_role_or_a_visitor_nothing(site_a):
    no_role = User.objects.create_user(username="newcomer")
    no_role.sites.add(site_a)

    for account in (no_role, AnonymousUser()):
        assert not any(getattr(permissions, q)(account) for q in ROLE_QUESTIONS)
        assert not any(getattr(permissions, q)(account, site_a) for q in SITE_QUESTIONS)
        assert not permissions.user_can_open_admin(account)
        assert not permissions.user_can_see_results_by_arm(account, trial_unblinded=True)


def test_it_opens_the_admin_to_active_staff_accounts_only(site_a):
    administrator = User.objects.create_user(username="admin", is_staff=True)
    left = User.objects.create_user(username="former_admin", is_staff=True, is_active=False)
    coordinator = UserFactory(username="coord", role=Role.COORDINATOR, sites=[site_a])

    assert permissions.user_can_open_admin(administrator)
    assert not permissions.user_can_open_admin(left)
    assert not permissions.user_can_open_admin(coordinator)


def test_the_template_filters_give_the_same_answers(staff):
    filters = {
        "can_enter_data": "user_can_enter_data",
        "can_raise_queries": "user_can_raise_queries",
        "can_close_queries": "user_can_close_queries",
        "can_verify_source": "user_can_verify_source",
        "can_review_saes": "user_can_review_saes",
        "can_lock_data": "user_can_lock_data",
        "can_see_arms": "user_can_see_arms",
        "can_view_randomization_sequence": "user_can_view_randomization_sequence",
        "can_view_balance_report": "user_can_view_balance_report",
        "can_unblind_trial": "user_can_unblind_trial",
        "can_recompute_analyses": "user_can_recompute_analyses",
    }
    template = Template(
        "{% load permissions %}"
        + "".join(f"{{% if user|{name} %}}{name} {{% endif %}}" for name in filters)
    )

    for role in ROLES:
        shown = template.render(Context({"user": staff[role]})).split()
        assert shown == [
            name
            for name, question in filters.items()
            if ROLE_QUESTIONS[question][ROLES.index(role)]
        ], role
