"""python manage.py seed_demo [--patients N] [--seed S]"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from accounts.models import Site
from demo.trial import DEMO_PASSWORD, demo_logins, demo_trial_seed
from endpoints.services import analysis_run_request


class Command(BaseCommand):
    help = "Load demo sites, one account per role and screened patients (deterministic)."

    def add_arguments(self, parser):
        parser.add_argument("--patients", type=int, default=60)
        parser.add_argument("--seed", type=int, default=2018)

    def handle(self, *args, patients: int, seed: int, **options):
        if patients < 0:
            self.stderr.write("--patients must be 0 or more.")
            raise SystemExit(2)
        if Site.objects.exists():
            self.stdout.write("Demo data already present; nothing loaded.")
        else:
            created = demo_trial_seed(patients=patients, seed=seed)
            self.stdout.write(
                self.style.SUCCESS(f"Loaded {len(created)} screened patients (seed {seed}).")
            )
            run = analysis_run_request()
            self.stdout.write(f"Analysis at cut-off {run.cutoff} requested ({run.status}).")
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
        for login in demo_logins():
            self.stdout.write(f"  {login.username:10} {login.role:20} {login.sites}")
        self.stdout.write("\nOpen http://127.0.0.1:8000/ and log in.")
