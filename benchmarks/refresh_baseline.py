"""Rewrite the regression baseline ``tests/baseline/summary_baseline.yaml`` -- on purpose.

Runs both bundled scenarios (Kranichstein-Süd and Eberstadt-Süd) at 1:1 scale for 120 months
with seeds 1, 2 and 3 and stores every number of ``RunResult.summary`` (rounded to 6
decimals; NaN stored as null). ``tests/test_regression.py`` recomputes the same numbers and
fails when any of them moves.

Run it after a model change whose effect on the results is intended, look at the changes it
prints, and commit the YAML file together with the model change:

    .venv/bin/python benchmarks/refresh_baseline.py            # rewrite the baseline
    .venv/bin/python benchmarks/refresh_baseline.py --check    # only show what would change
"""

from __future__ import annotations

import argparse
import math
import os
import tempfile
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "tests" / "baseline" / "summary_baseline.yaml"
SCENARIOS = ("kranichstein_sued", "eberstadt_sued")
SEEDS = (1, 2, 3)
MONTHS = 120
SCALE = 1.0
DECIMALS = 6
SKIP_KEYS = {"seed"}  # the run's key, not a result


def normalise(value: Any) -> Any:
    """A summary value as stored: floats rounded to 6 decimals, NaN as None, ints and bools kept."""
    if isinstance(value, bool) or value is None:
        return value
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return None
        rounded = round(value, DECIMALS)
        return 0.0 if rounded == 0 else rounded  # no -0.0
    raise TypeError(f"unexpected summary value {value!r} of type {type(value).__name__}")


def run_key(seed: int) -> str:
    return f"seed_{seed}"


def compute_one(scenario: str, seed: int) -> dict[str, Any]:
    """The normalised summary of one baseline run."""
    import stadtteil_sim

    result = stadtteil_sim.run(
        ROOT / "scenarios" / f"{scenario}.yaml", seed=seed, overrides={"run.scale": SCALE}, months=MONTHS
    )
    return {k: normalise(v) for k, v in result.summary.items() if k not in SKIP_KEYS}


def compute_all() -> dict[str, dict[str, dict[str, Any]]]:
    return {name: {run_key(seed): compute_one(name, seed) for seed in SEEDS} for name in SCENARIOS}


def load_baseline(path: Path = BASELINE) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def differences(old: dict[str, Any], new: dict[str, Any], tol: float = 1e-9) -> list[str]:
    """Lines naming every metric that differs between two normalised summaries."""
    lines = []
    for key in sorted(old.keys() | new.keys()):
        if key not in new:
            lines.append(f"{key}: in the baseline but no longer in the summary")
        elif key not in old:
            lines.append(f"{key}: new in the summary (= {new[key]!r}), not in the baseline")
        elif not same(old[key], new[key], tol):
            lines.append(f"{key}: baseline {old[key]!r}, now {new[key]!r}")
    return lines


def same(a: Any, b: Any, tol: float = 1e-9) -> bool:
    if a is None or b is None or isinstance(a, bool) or isinstance(b, bool):
        return a is b or (type(a) is type(b) and a == b)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(a - b) <= tol
    return a == b


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only report differences, do not write")
    parser.add_argument("--out", type=Path, default=BASELINE, help=f"baseline file (default: {BASELINE.relative_to(ROOT)})")
    args = parser.parse_args(argv)

    import stadtteil_sim

    runs = compute_all()
    old = load_baseline(args.out)["runs"] if args.out.exists() else {}
    changed = 0
    for name, by_seed in runs.items():
        for key, summary in by_seed.items():
            if key not in old.get(name, {}):
                print(f"{name} {key}: not in the previous baseline ({len(summary)} metrics)")
                changed += len(summary)
                continue
            lines = differences(old[name][key], summary)
            changed += len(lines)
            for line in lines:
                print(f"{name} {key}: {line}")
    if args.check:
        print(f"{changed} value(s) differ from {args.out}")
        return 1 if changed else 0

    document = {
        "meta": {
            "generated_by": "benchmarks/refresh_baseline.py",
            "stadtteil_sim_version": stadtteil_sim.__version__,
            "scenarios": list(SCENARIOS),
            "seeds": list(SEEDS),
            "months": MONTHS,
            "scale": SCALE,
            "decimals": DECIMALS,
        },
        "runs": runs,
    }
    header = (
        "# Regression baseline: RunResult.summary of the bundled scenarios (1:1, 120 months,\n"
        "# seeds 1-3), rounded to 6 decimals, NaN as null. Checked by tests/test_regression.py.\n"
        "# Do not edit by hand: after an intended model change run\n"
        "#   .venv/bin/python benchmarks/refresh_baseline.py\n"
    )
    text = header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=args.out.parent, prefix=".baseline-", suffix=".yaml")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, args.out)
    print(f"wrote {args.out} ({changed} value(s) changed)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
