"""Darmstadt at half scale against 1:1, paired seeds: does the city experiment's scale keep what
it is judged by? Per district: when the office started, how long it waited, migrant
participation at month 120; for the city: the weakest district and the whole city.

    .venv/bin/python scripts/scale_check.py [--seeds 3] [--scale 0.5] [--workers 2]

tests/test_scale.py checks the text's patterns in the two Soziale Stadt districts at 0.5; this
prints the city's side (a 1:1 Darmstadt run takes about 20 s on one core).
"""

from __future__ import annotations

import argparse
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from stadtteil_sim.model.runner import run_city

DARMSTADT = Path(__file__).resolve().parent.parent / "scenarios" / "darmstadt.yaml"


def _one(job: tuple[float, int]) -> pd.DataFrame:
    scale, seed = job
    result = run_city(DARMSTADT, seed=seed, overrides={"run.scale": scale})
    table = result.districts[["district", "office_started_month", "months_waited", "migrant_participation_at_end"]]
    city = pd.DataFrame([{"district": "(weakest district)", "migrant_participation_at_end": result.summary["final_migrant_participation_min"]},
                         {"district": "(whole city)", "migrant_participation_at_end": result.summary["final_migrant_participation_city"]}])
    return pd.concat([table, city], ignore_index=True).assign(scale=scale, seed=seed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--scale", type=float, default=0.5)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    jobs = [(scale, seed) for seed in range(1, args.seeds + 1) for scale in (1.0, args.scale)]
    with ProcessPoolExecutor(args.workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        frame = pd.concat(pool.map(_one, jobs), ignore_index=True)
    order = list(dict.fromkeys(frame["district"]))
    rows = []
    for district in order:
        part = frame[frame["district"] == district]
        full = part[part["scale"] == 1.0].set_index("seed")
        half = part[part["scale"] == args.scale].set_index("seed")
        diff = half["migrant_participation_at_end"] - full["migrant_participation_at_end"]
        half_width = 1.96 * diff.std(ddof=1) / np.sqrt(len(diff)) if len(diff) > 1 else np.nan
        rows.append({
            "district": district,
            "started 1:1": full["office_started_month"].mean(), f"started {args.scale}": half["office_started_month"].mean(),
            "waited 1:1": full["months_waited"].mean(), f"waited {args.scale}": half["months_waited"].mean(),
            "participation@120 1:1": full["migrant_participation_at_end"].mean(),
            f"participation@120 {args.scale}": half["migrant_participation_at_end"].mean(),
            "paired diff": diff.mean(), "±1.96 se": half_width,
        })
    with pd.option_context("display.width", 200, "display.max_columns", 20, "display.float_format", "{:.3f}".format):
        print(f"Darmstadt, seeds 1-{args.seeds}, run.scale {args.scale} against 1:1 (means; paired difference {args.scale} - 1:1)")
        print(pd.DataFrame(rows).to_string(index=False))


if __name__ == "__main__":
    main()
