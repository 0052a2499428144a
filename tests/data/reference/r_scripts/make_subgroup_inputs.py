"""Write subgroups_inputs.csv, the trial the subgroup analysis of OS is checked on.

Run once (outputs are committed): python tests/data/reference/r_scripts/make_subgroup_inputs.py
Deterministic (fixed seed). 360 patients, 1:1; DEX lowers the hazard of death in NPM1-mutated
disease (HR 0.35) and not in NPM1 wild type (HR 1), so the NPM1 interaction is large; the other
factors have no built-in interaction. Days are rounded to weeks so that deaths tie. Mutation
results "not_tested" and an empty ELN risk leave a patient out of that factor only.
"""

from __future__ import annotations

import csv
import math
import random
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
SEED = 20261202
N = 360


def _pick(rng: random.Random, table: list[tuple[str, float]]) -> str:
    u, total = rng.random(), 0.0
    for value, share in table:
        total += share
        if u < total:
            return value
    return table[-1][0]


def main() -> None:
    rng = random.Random(SEED)
    mutation = [("detected", 0.3), ("not_detected", 0.62), ("not_tested", 0.08)]
    rows = []
    for i in range(N):
        arm = "dex" if i % 2 == 0 else "control"
        npm1 = _pick(rng, mutation)
        runx1 = _pick(rng, [("detected", 0.15), ("not_detected", 0.8), ("not_tested", 0.05)])
        flt3 = _pick(rng, [("detected", 0.22), ("not_detected", 0.73), ("not_tested", 0.05)])
        eln = _pick(
            rng, [("favourable", 0.2), ("intermediate", 0.35), ("adverse", 0.4), ("", 0.05)]
        )
        regimen = _pick(rng, [("intensive", 0.6), ("azacitidine", 0.4)])
        status = _pick(rng, [("relapsed", 0.65), ("refractory", 0.35)])
        log_hazard = math.log(1 / 300)
        log_hazard += {"favourable": -0.4, "intermediate": 0.0, "adverse": 0.5, "": 0.0}[eln]
        log_hazard += 0.3 if regimen == "azacitidine" else 0.0
        if arm == "dex" and npm1 == "detected":
            log_hazard += math.log(0.35)
        death = rng.expovariate(math.exp(log_hazard))
        censoring = rng.uniform(60, 900)
        days = max(0, 7 * round(min(death, censoring) / 7))
        rows.append(
            {
                "patient_id": f"S{i + 1:03d}",
                "arm": arm,
                "npm1": npm1,
                "runx1": runx1,
                "flt3_itd": flt3,
                "eln_risk": eln,
                "regimen": regimen,
                "disease_status": status,
                "os_days": days,
                "os_event": int(death <= censoring),
            }
        )
    with (HERE / "subgroups_inputs.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    main()
