"""Wall time of one 1:1 Kranichstein-Süd run (6,926 residents, 120 months) on one core.

Measures, separately, building ``StadtteilModel`` (population, ties, groups and the burn-in
months before the office starts) and the 120 monthly steps, and reports the best of N repeats
(the repeat with the shortest total). BLAS/OpenMP thread pools are limited to one thread before
numpy is imported, and the process is pinned to one CPU where the OS allows it.

    .venv/bin/python benchmarks/run_wall_time.py              # best of 3
    .venv/bin/python benchmarks/run_wall_time.py --repeats 5
"""

from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path

from one_core import pin_to_one_cpu  # first: limits thread pools before numpy loads

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "kranichstein_sued.yaml"
MONTHS = 120
TARGET_SECONDS = 5.0


def one_run(scenario, seed: int) -> tuple[float, float, int]:
    from stadtteil_sim.model.district import StadtteilModel

    t0 = time.perf_counter()
    model = StadtteilModel(scenario, seed=seed)
    t1 = time.perf_counter()
    for _ in range(MONTHS):
        model.step()
    t2 = time.perf_counter()
    assert model.month == MONTHS
    return t1 - t0, t2 - t1, model.state.pop.size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Wall time of a 1:1 Kranichstein-Süd run, 120 months, one core.")
    parser.add_argument("--repeats", type=int, default=3, help="timed repeats; the best is reported (default 3)")
    parser.add_argument("--seed", type=int, default=1, help="root seed (default 1)")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")

    pinned = pin_to_one_cpu()
    import mesa
    import numpy as np

    from stadtteil_sim.config.loading import load_scenario
    from stadtteil_sim.model.district import StadtteilModel

    scenario = load_scenario(SCENARIO, {"run.scale": 1.0, "run.months": MONTHS})
    # Warm-up (imports, first-call caches) outside the timed repeats.
    warm = StadtteilModel(load_scenario(scenario, {"run.scale": 0.05}), seed=args.seed)
    warm.step()

    print(
        f"python {platform.python_version()}, numpy {np.__version__}, mesa {mesa.__version__}; "
        f"{pinned}; {args.repeats} repeat(s)"
    )
    runs = []
    for i in range(args.repeats):
        build, steps, residents = one_run(scenario, args.seed)
        runs.append((build + steps, build, steps))
        print(f"  repeat {i + 1}: {build + steps:.2f} s (build {build:.2f} s, steps {steps:.2f} s)")
    total, build, steps = min(runs)
    verdict = "OK" if total < TARGET_SECONDS else "OVER TARGET"
    print(
        f"kranichstein_sued 1:1 ({residents:,} residents), {MONTHS} months: {total:.2f} s "
        f"(build {build:.2f} s, steps {steps:.2f} s); target < {TARGET_SECONDS:g} s -- {verdict}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
