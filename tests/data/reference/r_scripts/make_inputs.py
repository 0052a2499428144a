"""Write the input data sets that reference_figures.R reads (run once; outputs are committed).

Hand-made cases name the situation they check; the larger trial is drawn with a fixed seed so
that it is the same on every run:  python tests/data/reference/r_scripts/make_inputs.py
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
SEED = 20240630

# Competing risks: status 0 censored, 1 relapse, 2 death in remission (the competing event).
CIF_HAND = {
    # A death on day 0; relapse, competing death and a censoring on one day; two relapses on
    # one day; a censoring on an event day; the last patient relapses.
    "ties": [
        (0, 2),
        (5, 1),
        (5, 2),
        (5, 0),
        (8, 1),
        (8, 1),
        (10, 0),
        (12, 2),
        (15, 1),
        (15, 0),
        (20, 2),
        (20, 2),
        (25, 0),
        (30, 1),
        (30, 0),
        (40, 0),
        (45, 1),
    ],
    # No competing event: the incidence of relapse is 1 - Kaplan-Meier.
    "no_competing": [(3, 1), (3, 0), (7, 1), (9, 0), (9, 1), (14, 1), (20, 0), (21, 1)],
    # No relapse at all: the incidence of relapse stays 0 and deaths take the whole mass.
    "only_competing": [(2, 2), (4, 0), (4, 2), (6, 2), (11, 0), (13, 2)],
    # Everyone censored: no event, the curve never leaves 0.
    "all_censored": [(1, 0), (5, 0), (5, 0), (9, 0)],
}

# Response rates: responders / patients in arm a (dexamethasone) and arm b (control).
FISHER = [
    ("zero_cell_a", 0, 10, 5, 10),
    ("zero_cell_b", 6, 12, 0, 9),
    ("no_responder", 0, 8, 0, 11),
    ("all_responders", 8, 8, 11, 11),
    ("all_vs_none", 7, 7, 0, 6),
    ("one_each", 1, 1, 0, 1),
    ("equal_rates", 5, 10, 5, 10),
    ("mirror_tables_equal_probability", 3, 10, 7, 10),
    ("mirror_tables_larger", 20, 50, 30, 50),
    ("small", 2, 3, 1, 4),
    ("unbalanced_arms", 3, 4, 12, 40),
    ("moderate", 18, 40, 9, 41),
    ("trial_size", 61, 150, 48, 150),
    ("large", 45, 150, 30, 150),
    ("empty_arm", 0, 0, 3, 7),
]

BINOMIAL = [
    (0, 1, 0.95),
    (1, 1, 0.95),
    (0, 2, 0.95),
    (1, 2, 0.95),
    (2, 2, 0.95),
    (0, 5, 0.95),
    (5, 5, 0.95),
    (0, 30, 0.95),
    (1, 30, 0.95),
    (29, 30, 0.95),
    (30, 30, 0.95),
    (7, 19, 0.95),
    (50, 100, 0.95),
    (61, 150, 0.95),
    (150, 300, 0.95),
    (0, 300, 0.95),
    (300, 300, 0.95),
    (0, 10, 0.90),
    (3, 10, 0.90),
    (10, 10, 0.90),
    (0, 10, 0.99),
    (3, 10, 0.99),
    (10, 10, 0.99),
]

# Follow-up: status 1 died, 0 alive at last contact (reverse Kaplan-Meier swaps them).
FOLLOW_UP_HAND = {
    # Deaths and censorings on the same days, a death on day 0.
    "ties": [
        (0, 1),
        (30, 0),
        (30, 1),
        (60, 1),
        (60, 0),
        (60, 0),
        (90, 0),
        (120, 1),
        (150, 0),
        (150, 0),
        (180, 1),
        (200, 0),
        (240, 0),
        (240, 1),
        (300, 0),
    ],
    # No death: reverse KM steps 0.75, 0.5, 0.25, 0 and the median is the plateau's midpoint.
    "plateau": [(1, 0), (2, 0), (3, 0), (4, 0)],
    # The last patient dies: the reverse curve ends on a censoring above one half.
    "death_last": [(10, 0), (20, 1), (30, 1), (40, 1)],
    # Everyone died: nobody was censored, so no median potential follow-up (R: NA).
    "all_died": [(5, 1), (8, 1), (13, 1)],
}


def _trial_competing_risks(rng: random.Random, n: int) -> list[tuple[str, int, int]]:
    """Relapse and death in remission on whole days, with many ties and censoring on event days."""
    rows = []
    for _ in range(n):
        arm = rng.choice(("dex", "control"))
        relapse = rng.expovariate(1 / (260 if arm == "dex" else 200))
        death = rng.expovariate(1 / 900)
        censor = rng.uniform(30, 730)
        # Round to weeks for most patients, so that events tie across kinds.
        day = min(relapse, death, censor)
        day = max(1, int(day // 7 * 7) if rng.random() < 0.6 else int(day))
        if relapse <= min(death, censor):
            status = 1
        elif death <= censor:
            status = 2
        else:
            status = 0
        rows.append((arm, day, status))
    return rows


def main() -> None:
    rng = random.Random(SEED)
    with (HERE / "competing_risks_inputs.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["dataset", "arm", "time", "status"])
        for dataset, rows in CIF_HAND.items():
            writer.writerows((dataset, "", time, status) for time, status in rows)
        writer.writerows(
            ("trial_n240", arm, time, status)
            for arm, time, status in _trial_competing_risks(rng, 240)
        )
    with (HERE / "fisher_inputs.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["case", "responders_a", "n_a", "responders_b", "n_b"])
        writer.writerows(FISHER)
    with (HERE / "binomial_inputs.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["responders", "n", "conf_level"])
        writer.writerows(BINOMIAL)
    with (HERE / "follow_up_inputs.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["dataset", "time", "status"])
        for dataset, rows in FOLLOW_UP_HAND.items():
            writer.writerows((dataset, time, status) for time, status in rows)


if __name__ == "__main__":
    main()
