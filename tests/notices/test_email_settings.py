"""The mail settings come from the environment (trialsite/settings.py): SMTP when a mail host
is named, the console otherwise; a malformed port or site address stops the process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHOW = (
    "from django.conf import settings as s; "
    "print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS, s.SITE_URL)"
)
MAIL_VARIABLES = {"EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_USE_TLS", "SITE_URL"}


def _settings(**env: str) -> subprocess.CompletedProcess:
    keep = {k: v for k, v in os.environ.items() if k not in MAIL_VARIABLES}
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {SHOW}"],
        cwd=ROOT,
        env={**keep, "DJANGO_SETTINGS_MODULE": "trialsite.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_it_sends_by_smtp_with_tls_when_a_mail_host_is_named():
    shown = _settings(EMAIL_HOST="smtp.chu.example", SITE_URL="https://trial.example.org")

    assert shown.stdout.split() == [
        "django.core.mail.backends.smtp.EmailBackend",
        "smtp.chu.example",
        "587",
        "True",
        "https://trial.example.org",
    ], shown.stderr


def test_it_prints_the_emails_when_no_mail_host_is_named():
    shown = _settings()

    assert shown.stdout.split()[0] == "django.core.mail.backends.console.EmailBackend"
    assert shown.stdout.split()[-1] == "http://127.0.0.1:8000"


def test_it_refuses_a_malformed_port_or_site_address():
    port = _settings(EMAIL_HOST="smtp.chu.example", EMAIL_PORT="smtp")
    address = _settings(SITE_URL="trial.example.org")

    assert port.returncode != 0 and "EMAIL_PORT='smtp' is not an integer" in port.stderr
    assert address.returncode != 0 and "SITE_URL must be a URL starting with" in address.stderr
