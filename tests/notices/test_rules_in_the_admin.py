"""The administrator configures who is told in the Django admin: each change of a rule with its
reason in the audit trail; rules are switched off, not deleted. The e-mail log there is read
only."""

from __future__ import annotations

import pytest
from pghistory.models import Events

from accounts.models import Role
from notices.models import NoticeKind, NotificationRule, OutgoingEmail
from notices.services import notify

pytestmark = pytest.mark.django_db
RULES = "/admin/notices/notificationrule/"


def _rule(kind: str, role: str) -> NotificationRule:
    return NotificationRule.objects.get(kind=kind, role=role, site=None)


def test_it_switches_a_rule_off_with_the_reason_in_the_audit_trail(admin_client, admin_user):
    rule = _rule(NoticeKind.SAE_OPENED, Role.COORDINATOR)
    form = {"kind": rule.kind, "role": rule.role, "site": "", "active": ""}

    refused = admin_client.post(f"{RULES}{rule.pk}/change/", form)
    saved = admin_client.post(
        f"{RULES}{rule.pk}/change/", {**form, "reason": "Investigators report SAEs alone"}
    )

    assert refused.status_code == 200 and "This field is required" in refused.content.decode()
    assert saved.status_code == 302
    rule.refresh_from_db()
    assert rule.active is False
    event = Events.objects.tracks(rule).order_by("-pgh_id").first()
    assert event.pgh_context["reason"] == "Investigators report SAEs alone"
    assert event.pgh_context["user"] == admin_user.pk


def test_it_adds_a_rule_for_one_site(admin_client, site_b, staff):
    response = admin_client.post(
        f"{RULES}add/",
        {
            "kind": NoticeKind.SAE_OPENED,
            "role": Role.MONITOR,
            "site": site_b.pk,
            "active": "on",
            "reason": "The monitor of site 07 follows its SAEs",
        },
    )

    assert response.status_code == 302
    assert NotificationRule.objects.filter(role=Role.MONITOR, site=site_b).exists()


def test_rules_are_not_deleted_and_the_email_log_is_read_only(admin_client, staff, site_a):
    rule = _rule(NoticeKind.SAE_OPENED, Role.COORDINATOR)
    notify(NoticeKind.SAE_OPENED, site=site_a, study_id="03-001", link="/safety/saes/1/")
    logged = OutgoingEmail.objects.first()

    assert admin_client.get(f"{RULES}{rule.pk}/delete/").status_code == 403
    assert admin_client.get("/admin/notices/outgoingemail/").status_code == 200
    page = admin_client.get(f"/admin/notices/outgoingemail/{logged.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert admin_client.get(f"/admin/notices/outgoingemail/{logged.pk}/delete/").status_code == 403
