"""The demo has one account per role, the monitor included, and `seed_demo` prints them.

The administrator has no role, so no patients: the landing page links to the Django admin,
which only staff accounts see.
"""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from accounts.models import Role, User
from demo.trial import DEMO_PASSWORD, demo_trial_seed


def test_it_has_a_monitor_for_two_sites(db):
    demo_trial_seed(patients=0, seed=1)

    monitor = User.objects.get(username="mon01")
    assert monitor.role == Role.MONITOR
    assert [s.code for s in monitor.sites.order_by("number")] == ["01", "02"]
    assert monitor.check_password(DEMO_PASSWORD)


def test_it_prints_every_login_with_its_role(db):
    out = StringIO()

    call_command("seed_demo", patients=8, seed=3, stdout=out)
    call_command("seed_demo", stdout=out)  # a second run loads nothing, prints the logins

    printed = out.getvalue()
    assert "Loaded 8 screened patients (seed 3)." in printed
    assert "Demo data already present; nothing loaded." in printed
    for username in (
        "coord01",
        "coord02",
        "coord03",
        "coord04",
        "inv01",
        "mon01",
        "dm",
        "sponsor",
        "stat",
        "pv",
        "admin",
    ):
        assert printed.count(f"\n  {username} ") == 2, username
    assert "mon01      Clinical research monitor   01, 02" in printed


def test_the_administrator_lands_on_a_page_linking_to_the_admin(db, client):
    demo_trial_seed(patients=0, seed=1)

    client.force_login(User.objects.get(username="admin"))
    assert 'href="/admin/"' in client.get("/").content.decode()
    assert client.get("/admin/").status_code == 200

    client.force_login(User.objects.get(username="coord01"))
    assert 'href="/admin/"' not in client.get("/").content.decode()
