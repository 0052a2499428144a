"""python manage.py randomization_simulate --patients N --seed S"""

from __future__ import annotations

import random

from django.core.management.base import BaseCommand, CommandError

from protocol import RandomizationMethod
from randomization.design import current_design
from randomization.simulation import SIMPLE, simulate, simulated_patients


class Command(BaseCommand):
    help = (
        "Simulate a trial in memory with the real allocation code and print balance and "
        "predictability for permuted blocks, minimization and simple randomization."
    )

    def add_arguments(self, parser):
        parser.add_argument("--patients", type=int, default=300)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--sites", type=int, default=6)

    def handle(self, *args, patients: int, seed: int, sites: int, **options):
        if patients < 1 or sites < 1:
            raise CommandError("--patients and --sites must be at least 1.")
        design = current_design()
        cohort = simulated_patients(random.Random(seed), patients, sites=sites)
        self.stdout.write(
            f"{patients} simulated patients, {sites} sites, seed {seed}; strata: "
            f"{' × '.join(design.factors)}; blocks of {list(design.block_sizes)}; "
            f"minimization p={design.minimization_probability}\n"
        )
        header = (
            f"{'method':14}{'dex':>6}{'control':>9}{'max stratum':>13}"
            f"{'mean stratum':>14}{'max level':>11}{'guessable':>11}"
        )
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for method in (RandomizationMethod.BLOCKS, RandomizationMethod.MINIMIZATION, SIMPLE):
            r = simulate(cohort, design, method, seed)
            self.stdout.write(
                f"{r.method:14}{r.arms['dex']:>6}{r.arms['control']:>9}"
                f"{r.largest_stratum_imbalance:>13}{r.mean_stratum_imbalance:>14.2f}"
                f"{r.largest_factor_level_imbalance:>11}{r.predictability:>10.1%}"
            )
        self.stdout.write(
            "\nmax/mean stratum: |dex - control| within regimen × site × status strata; "
            "max level: within one level of one factor;\nguessable: share of allocations a "
            "coordinator guessing the least-given arm would predict (50% = none)."
        )
