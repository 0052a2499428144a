"""Who is told: the notification rules, per role and site (the defaults a new trial starts with).

A site-bound role hears only of the sites its account works at; an all-sites role hears of
every site unless its rule names one; inactive accounts hear nothing; an account without an
address gets the in-app notice only.
"""

from __future__ import annotations

import pytest

from accounts.models import Role
from notices.models import Notice, NoticeKind, NotificationRule, OutgoingEmail
from notices.selectors import notice_recipients
from notices.services import notify
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _told(kind, site):
    return sorted(user.username for user in notice_recipients(kind=kind, site=site))


def test_it_tells_the_site_investigators_and_coordinators_of_an_opened_sae(staff, site_a):
    # Site B's coordinator and investigator hear nothing about site A; nor does the monitor.
    assert _told(NoticeKind.SAE_OPENED, site_a) == ["coordinator_a", "investigator_a"]


def test_it_tells_the_safety_desk_and_the_data_manager_of_a_submitted_report(staff, site_b):
    for kind in (NoticeKind.SAE_SUBMITTED, NoticeKind.SAE_FOLLOW_UP_SUBMITTED):
        assert _told(kind, site_b) == ["data_manager", "safety_desk"]


def test_it_tells_the_site_investigators_and_the_safety_desk_of_an_overdue_report(staff, site_b):
    assert _told(NoticeKind.SAE_OVERDUE, site_b) == ["investigator_b", "safety_desk"]


def test_it_tells_the_safety_desk_of_every_susar_and_the_sponsor_of_its_classification(
    staff, site_a
):
    assert _told(NoticeKind.SUSAR_CLASSIFIED, site_a) == ["safety_desk", "sponsor_desk"]
    assert _told(NoticeKind.SUSAR_DUE_SOON, site_a) == ["safety_desk"]
    assert _told(NoticeKind.SUSAR_OVERDUE, site_a) == ["safety_desk"]


def test_a_notice_without_a_site_reaches_no_site_bound_account(staff):
    assert _told(NoticeKind.SAE_OPENED, None) == []
    assert _told(NoticeKind.SAE_OVERDUE, None) == ["safety_desk"]


def test_a_rule_naming_a_site_tells_its_role_about_that_site_only(staff, site_a, site_b):
    NotificationRule.objects.create(kind=NoticeKind.SAE_OPENED, role=Role.STATISTICIAN, site=site_b)

    assert "statistician_x" not in _told(NoticeKind.SAE_OPENED, site_a)
    assert "statistician_x" in _told(NoticeKind.SAE_OPENED, site_b)


def test_an_inactive_rule_tells_nobody(staff, site_a):
    NotificationRule.objects.filter(kind=NoticeKind.SAE_OPENED, role=Role.COORDINATOR).update(
        active=False
    )

    assert _told(NoticeKind.SAE_OPENED, site_a) == ["investigator_a"]


def test_an_account_named_by_two_rules_is_told_once(staff, site_a):
    NotificationRule.objects.create(kind=NoticeKind.SAE_OPENED, role=Role.COORDINATOR, site=site_a)

    assert _told(NoticeKind.SAE_OPENED, site_a) == ["coordinator_a", "investigator_a"]


def test_an_inactive_account_is_told_nothing_and_one_without_address_in_app_only(
    staff, site_a, django_capture_on_commit_callbacks
):
    staff["investigator_a"].is_active = False
    staff["investigator_a"].save(update_fields=["is_active"])
    no_address = UserFactory(username="coordinator_a2", role=Role.COORDINATOR, sites=[site_a])

    with django_capture_on_commit_callbacks() as sends:
        notify(NoticeKind.SAE_OPENED, site=site_a, study_id="03-001", link="/safety/saes/1/")

    assert sorted(Notice.objects.values_list("recipient__username", flat=True)) == [
        "coordinator_a",
        "coordinator_a2",
    ]
    assert list(OutgoingEmail.objects.values_list("recipient", "user", "status")) == [
        ("coordinator_a@chu.example", staff["coordinator_a"].pk, OutgoingEmail.Status.QUEUED)
    ]
    assert len(sends) == 1  # one e-mail handed to the worker once committed
    assert not no_address.outgoing_emails.exists()
