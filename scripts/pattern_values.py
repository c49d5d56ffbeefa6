"""Print the numbers behind the pattern tests (tests/test_patterns.py): means over seeds at 1:1.

    .venv/bin/python scripts/pattern_values.py [--seeds 10] [--workers 2]

The tests assert the patterns; this prints the values so notes and docs can quote them.
"""

from __future__ import annotations

import argparse
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

import stadtteil_sim

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
KS, ES = str(SCENARIOS / "kranichstein_sued.yaml"), str(SCENARIOS / "eberstadt_sued.yaml")
VARIANTS = {
    "ks": (KS, {}),
    "es": (ES, {}),
    "ks_no_office": (KS, {"office.enabled": False}),
    "es_no_office": (ES, {"office.enabled": False}),
    "ks_no_office_no_barriers": (KS, {"office.enabled": False, "mechanisms.barriers": False}),
    "ks_stable": (KS, {"office.handover_rule": "stable"}),
    "es_stable": (ES, {"office.handover_rule": "stable"}),
    "ks_link0": (KS, {"office.link_month": 0}),
    "ks_link60": (KS, {"office.link_month": 60}),
    "ks_handover12": (KS, {"office.handover_month": 12}),
    "ks_handover72": (KS, {"office.handover_month": 72}),
}


def _one(job):
    path, overrides, seed = job
    result = stadtteil_sim.run(path, seed=seed, overrides=overrides)
    return result.timeseries, result.summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=multiprocessing.cpu_count())
    args = parser.parse_args()
    jobs = [(name, (path, over, seed)) for name, (path, over) in VARIANTS.items() for seed in range(1, args.seeds + 1)]
    with ProcessPoolExecutor(args.workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        outputs = list(pool.map(_one, [job for _, job in jobs]))
    runs: dict[str, list] = {}
    for (name, _), out in zip(jobs, outputs, strict=True):
        runs.setdefault(name, []).append(out)

    def ts(name, column, month):
        return float(np.mean([t[column].iloc[month] for t, _ in runs[name]]))

    def sm(name, key):
        return float(np.nanmean([s[key] for _, s in runs[name]]))

    rows = [
        ("communities in working group @36 (KS 6±1, ES 5±1)", ts("ks", "communities_in_working_group", 36), ts("es", "communities_in_working_group", 36)),
        ("associations founded @48", ts("ks", "associations_founded", 48), ts("es", "associations_founded", 48)),
        ("associations founded @60 (4±1, 2±1 in 36..60)", ts("ks", "associations_founded", 60), ts("es", "associations_founded", 60)),
        ("women's associations founded @60", ts("ks", "womens_associations_founded", 60), ts("es", "womens_associations_founded", 60)),
        ("self-organised groups @60", ts("ks", "self_organised_groups", 60), ts("es", "self_organised_groups", 60)),
        ("migrants reached @0 (< 0.05)", ts("ks", "migrants_reached_share", 0), ts("es", "migrants_reached_share", 0)),
        ("migrant participation @36", ts("ks", "migrant_participation_rate", 36), ts("es", "migrant_participation_rate", 36)),
        ("... without the office", ts("ks_no_office", "migrant_participation_rate", 36), ts("es_no_office", "migrant_participation_rate", 36)),
        ("sustainability_ratio_24m (> 0.7)", sm("ks", "sustainability_ratio_24m"), sm("es", "sustainability_ratio_24m")),
        ("'stable' handover month (36±6)", sm("ks_stable", "handover_month"), sm("es_stable", "handover_month")),
    ]
    print(f"{'pattern':<52} {'Kranichstein-Süd':>17} {'Eberstadt-Süd':>14}")
    for label, ks, es in rows:
        print(f"{label:<52} {ks:>17.3f} {es:>14.3f}")
    print("Kranichstein-Süd timing and procedures:")
    print(f"  no office, M2 barriers off: participation @36 {ts('ks_no_office_no_barriers', 'migrant_participation_rate', 36):.3f}")
    print(f"  token_index @36: link 0 {ts('ks_link0', 'token_index', 36):.3f} vs link 18 {ts('ks', 'token_index', 36):.3f}")
    print(f"  detachment_index @72: link 60 {ts('ks_link60', 'detachment_index', 72):.3f} vs link 18 {ts('ks', 'detachment_index', 72):.3f}")
    print(f"  participation @84: handover 12 {ts('ks_handover12', 'migrant_participation_rate', 84):.3f} vs 36 {ts('ks', 'migrant_participation_rate', 84):.3f}")
    print(f"  staff hours: handover 72 {sm('ks_handover72', 'office_staff_hours_total'):.0f} vs 36 {sm('ks', 'office_staff_hours_total'):.0f}")
    print(f"  capacity @handover+12: handover 72 {ts('ks_handover72', 'working_group_capacity', 84):.3f} vs 36 {ts('ks', 'working_group_capacity', 48):.3f}")


if __name__ == "__main__":
    main()
