"""The system administrator changes a staff account's role in the admin only with a reason,
and the audit trail keeps it: the role decides what the account may see and do."""

from __future__ import annotations

import lxml.html
import pytest
from django.test import Client

from accounts.models import Role, User
from audit.selectors import history_of


@pytest.fixture
def admin_client(db) -> Client:
    administrator = User.objects.create_superuser("sysadmin", password="not-used-in-this-test")
    client = Client()
    client.force_login(administrator)
    return client


def _change_form(client: Client, user: User) -> tuple[str, dict[str, str]]:
    """The change form as the admin page renders it, with the values a browser would post."""
    url = f"/admin/accounts/user/{user.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    form = lxml.html.fromstring(page.content).get_element_by_id("user_form")
    values = {name: value for name, value in form.form_values() if name != "_addanother"}
    return url, values


def test_it_refuses_a_role_change_without_a_reason(admin_client, coordinator):
    url, values = _change_form(admin_client, coordinator)

    response = admin_client.post(url, {**values, "role": Role.INVESTIGATOR})

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "role_change_reason": ["Give the reason for the role change: the audit trail keeps it."]
    }
    coordinator.refresh_from_db()
    assert coordinator.role == Role.COORDINATOR


def test_it_changes_the_role_through_the_service_and_keeps_the_reason(admin_client, coordinator):
    url, values = _change_form(admin_client, coordinator)

    response = admin_client.post(
        url,
        {
            **values,
            "role": Role.INVESTIGATOR,
            "role_change_reason": "Promoted to sub-investigator",
            "first_name": "Anne",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    coordinator.refresh_from_db()
    assert (coordinator.role, coordinator.first_name) == (Role.INVESTIGATOR, "Anne")
    role_change = [e for e in history_of(coordinator) if "role" in e.changes][-1]
    assert role_change.changes == {"role": ("coordinator", "investigator")}
    assert role_change.reason == "Promoted to sub-investigator"
    assert role_change.username == "sysadmin"


def test_it_needs_no_reason_when_the_role_stays(admin_client, coordinator):
    url, values = _change_form(admin_client, coordinator)

    response = admin_client.post(url, {**values, "last_name": "Martin"})

    assert response.status_code == 302
    coordinator.refresh_from_db()
    assert (coordinator.role, coordinator.last_name) == (Role.COORDINATOR, "Martin")
