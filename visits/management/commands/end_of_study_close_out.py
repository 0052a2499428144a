"""python manage.py end_of_study_close_out: what the daily task does, run by hand."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone

from visits.services.end_of_study import end_of_study_close_out


class Command(BaseCommand):
    help = (
        "From the end of study (5 years after the first randomization) on, record 'End of "
        "study reached' for every randomized patient still followed, dated the last day "
        "known alive; before it, do nothing. Patients whose data are locked are listed and "
        "left. Running it twice closes nobody twice."
    )

    def handle(self, *args: object, **options: object) -> None:
        done = end_of_study_close_out()
        if done.end_of_study_on is None:
            self.stdout.write("Nobody is randomized yet: the end of study is not known.")
            return
        ends = f"{done.end_of_study_on:%d/%m/%Y}"
        if done.end_of_study_on > timezone.localdate():
            self.stdout.write(f"The study ends on {ends}: nobody is closed out before.")
            return
        lines = [f"End of study {ends}: {len(done.closed)} patient(s) closed out."]
        lines += [
            f"  {off.patient.study_id}: last known alive {off.event_on:%d/%m/%Y}"
            for off in done.closed
        ]
        self.stdout.write(self.style.SUCCESS("\n".join(lines)))
        if done.locked:
            self.stderr.write(
                "Left for the data manager, their data are locked: "
                + ", ".join(p.study_id for p in done.locked)
            )
