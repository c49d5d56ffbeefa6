"""What a late handover in one district costs the others: Darmstadt (scenarios/darmstadt.yaml),
Kranichstein-Süd handing over after 36 months of moderation (documented) or later, paired seeds,
each district's migrant participation at the last month, late minus documented, with 95 % t
intervals over the seeds. A stop-gap until the city experiment (a batch with its report) exists.

    .venv/bin/python scripts/city_late_handover.py                       # 1:1, seeds 1-4, handover 60
    .venv/bin/python scripts/city_late_handover.py --seeds 8 --late 48 --scale 0.5
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from scipy import stats

from stadtteil_sim.model.runner import run_city

CITY = Path(__file__).resolve().parent.parent / "scenarios" / "darmstadt.yaml"
DISTRICT = "Kranichstein-Süd"


def one(job: tuple[int, int, float]) -> tuple[int, int, dict, dict, float]:
    seed, handover, scale = job
    overrides = {f"districts.{DISTRICT}.office.handover_month": handover, "run.scale": scale}
    result = run_city(CITY, seed=seed, overrides=overrides)
    table = result.districts.set_index("district")
    return (seed, handover, table["migrant_participation_at_end"].to_dict(), table["office_started_month"].to_dict(),
            result.summary["final_migrant_participation_city"])


def interval(values: list[float]) -> str:
    d = np.asarray(values)
    half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
    return f"{d.mean():+.3f} [{d.mean() - half:+.3f}, {d.mean() + half:+.3f}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--documented", type=int, default=36)
    parser.add_argument("--late", type=int, default=60)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    seeds = range(1, args.seeds + 1)
    jobs = [(s, h, args.scale) for s in seeds for h in (args.documented, args.late)]
    with ProcessPoolExecutor(args.workers) as pool:
        runs = {(s, h): (p, st, c) for s, h, p, st, c in pool.map(one, jobs)}
    names = list(runs[(1, args.documented)][0])
    print(f"{DISTRICT} hands over at {args.late} instead of {args.documented}; seeds 1-{args.seeds}, scale {args.scale}")
    print("office started (documented -> late):",
          {n: (runs[(1, args.documented)][1][n], runs[(1, args.late)][1][n]) for n in names})
    for n in names:
        diff = [runs[(s, args.late)][0][n] - runs[(s, args.documented)][0][n] for s in seeds]
        print(f"  {n:<25} participation at the end, late - documented: {interval(diff)}")
    print(f"  {'the city':<25} {interval([runs[(s, args.late)][2] - runs[(s, args.documented)][2] for s in seeds])}")


if __name__ == "__main__":
    main()
