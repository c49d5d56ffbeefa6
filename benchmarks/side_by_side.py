"""Our model against Mesa's BoltzmannWealth and Starsim, side by side in one process, one core.

Why: the speed targets are relative (per agent-step against Starsim and Mesa) or per core, so
the comparison has to run in one sitting, interleaved, on the same core, with medians; a timed
test could not hold that. Prints agent-steps per second, the 1:1 city run's CPU seconds, memory
per resident (RSS slope, fresh subprocesses), runs per minute per core at the calibration
lengths and a city batch's 1 -> 2 worker scaling, each next to its target.

    .venv/bin/python benchmarks/side_by_side.py                 # 3 repeats, about 5 min
    .venv/bin/python benchmarks/side_by_side.py --quick         # smoke check
    .venv/bin/python benchmarks/side_by_side.py --repeats 5 --skip-batch

Set PYTHONPATH to the tree whose ``src`` should be measured; the scenario files are this tree's.
Needs the ``bench`` extra (Starsim).
"""

from __future__ import annotations

import os

os.environ["NUMBA_NUM_THREADS"] = "1"  # before anything loads numba (Starsim does; so may we)

import argparse
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from one_core import pin_to_one_cpu  # first: limits the BLAS/OpenMP pools before numpy loads

ROOT = Path(__file__).resolve().parent.parent
KS = ROOT / "scenarios" / "kranichstein_sued.yaml"
CITY = ROOT / "scenarios" / "darmstadt.yaml"
CITY_EXPERIMENT = ROOT / "experiments" / "city_rollout.yaml"
MONTHS = 120
MESA_AGENTS, MESA_SIDE, MESA_STEPS = 7000, 84, 30
STARSIM_SIZES = (6926, 135547)
CALIBRATION_MONTHS = (36, 60)
BASELINE_RATE = 0.8e6  # resident-steps/s of a KS 1:1 run when the speed issue was written

# Targets of the speed issue.
CITY_CPU_TARGET = 3.0  # s
STARSIM_TARGET = {6926: 0.5, 135547: 0.8}  # ours/Starsim per agent-step
MESA_TARGET = 8.0
CALIBRATION_TARGET = 3.0  # x the baseline's runs/min per core
BYTES_PER_RESIDENT_TARGET = 1024
SCALING_TARGET = 1.8
# Starsim sis/random at 135,547 agents took this many CPU seconds in this script on 2026-12-02 on an
# idle machine of this kind (benchmarks/README.md): the absolute targets (city CPU, runs/min against
# BASELINE_RATE) were read at that speed, and a shared machine's speed varies from day to day.
REFERENCE_STARSIM_CPU = 3.04  # s


# --------------------------------------------------------------------------- the three models

# FROM_SCRATCH: every timed run of ours burns its districts in itself. The process keeps burned-in
# districts for runs that differ only in the office's levers or length (model/burn_in.py), and
# the two calibration lengths share seeds (the first of them the first repetition's): a later
# run would skip its burn-in (a calibration's runs differ in behaviour parameters, so none of
# them could). The reuse is a batch's, and the batch below measures it.

def ours_district(months: int = MONTHS, seed: int = 1, scale: float = 1.0) -> tuple[int, int]:
    """One ``stadtteil_sim.run`` of Kranichstein-Süd from scratch; returns (residents, months incl. burn-in)."""
    import stadtteil_sim
    from stadtteil_sim.model import burn_in

    with burn_in.reuse(False):  # see FROM_SCRATCH
        result = stadtteil_sim.run(KS, seed=seed, overrides={"run.scale": scale}, months=months)
    sc = result.scenario
    return round(sc.district.population * sc.run.scale), sc.run.months + sc.behaviour.burn_in_months


def ours_city(months: int = MONTHS, seed: int = 1, scale: float = 1.0) -> tuple[int, int]:
    """One ``stadtteil_sim.run_city`` of Darmstadt from scratch; returns (residents, resident-months / residents)."""
    import stadtteil_sim
    from stadtteil_sim.model import burn_in

    with burn_in.reuse(False):  # see FROM_SCRATCH
        result = stadtteil_sim.run_city(CITY, seed=seed, overrides={"run.scale": scale}, months=months)
    districts = result.scenario.districts
    residents = [round(d.district.population * d.run.scale) for d in districts]
    steps = sum(n * (d.run.months + d.behaviour.burn_in_months) for n, d in zip(residents, districts, strict=True))
    return sum(residents), round(steps / sum(residents))


def mesa_boltzmann(agents: int = MESA_AGENTS, side: int = MESA_SIDE, steps: int = MESA_STEPS, seed: int = 1):
    """Mesa's own example as installed (build, then ``steps`` steps with its DataCollector)."""
    from mesa.examples.basic.boltzmann_wealth_model.model import BoltzmannScenario, BoltzmannWealth

    model = BoltzmannWealth(BoltzmannScenario(n=agents, width=side, height=side, rng=seed))
    for _ in range(steps):
        model.step()
    assert len(model.agents) == agents
    return agents, steps


def starsim_sis(agents: int, seed: int = 1, stop: int = 2010):
    """Starsim's SIS on its random network, defaults otherwise, monthly steps 2000 -> ``stop``
    (Starsim 3: start/stop in years, ``dt=ss.month``; the timeline holds both ends)."""
    import starsim as ss

    sim = ss.Sim(n_agents=agents, diseases="sis", networks="random", start=2000, stop=stop,
                 dt=ss.month, rand_seed=seed, verbose=0)
    sim.run()
    return agents, sim.t.npts - 1


def timed(fn, *args, **kwargs) -> dict:
    wall, cpu = time.perf_counter(), time.process_time()
    agents, steps = fn(*args, **kwargs)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {"agents": agents, "steps": steps, "wall": wall, "cpu": cpu}


class OtherLoad:
    """Cores kept busy by other processes over an interval: the machine's busy time (/proc/stat)
    minus this process's and its reaped children's CPU time, per wall second."""

    def __init__(self) -> None:
        self.start = self._read()

    @staticmethod
    def _read() -> tuple[float, float, float]:
        try:
            with open("/proc/stat") as f:
                fields = [int(v) for v in f.readline().split()[1:]]
        except OSError:
            return time.perf_counter(), float("nan"), 0.0
        busy = (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")  # all but idle, iowait
        t = os.times()
        return time.perf_counter(), busy, t.user + t.system + t.children_user + t.children_system

    def cores(self) -> float:
        now = self._read()
        return ((now[1] - self.start[1]) - (now[2] - self.start[2])) / (now[0] - self.start[0])


# --------------------------------------------------------------------------- child processes

def rss_child(which: str) -> None:
    """Fresh process: build a model, step 12 months, print RSS (bytes) before and after as JSON."""
    from stadtteil_sim.config.city import load_city
    from stadtteil_sim.config.loading import load_scenario
    from stadtteil_sim.model.city import CityModel
    from stadtteil_sim.model.district import StadtteilModel

    page = os.sysconf("SC_PAGE_SIZE")

    def rss() -> int:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * page

    if which == "ks":
        loaded = load_scenario(KS, {"run.scale": 1.0})
        before = rss()
        model = StadtteilModel(loaded, seed=1)
        residents = model.state.pop.size
    else:
        scale = 1.0 if which == "city" else float(which.removeprefix("city@"))
        loaded = load_city(CITY, {"run.scale": scale})
        before = rss()
        model = CityModel(loaded, seed=1)
        residents = sum(d.state.pop.size for d in model.districts.values())
    built = rss()
    for _ in range(12):
        model.step()
    stepped = rss()
    # VmHWM, not ru_maxrss: Linux keeps the latter across exec, so it would be the parent's peak.
    with open("/proc/self/status") as f:
        peak = next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmHWM:"))
    print(json.dumps({"residents": int(residents), "before": before, "built": built, "stepped": stepped, "peak": peak}))


def batch_child(rounds: int, runs_per_variant: int, months: int, scale: float) -> None:
    """Fresh, unpinned process: the same small city experiment with 1 worker, then 2, ``rounds``
    times interleaved, each as the command an analyst types (``stadtteil-sim batch --workers N``)
    in a process of its own, timed from its start to its end; prints the runs/min as JSON."""
    import yaml

    spec = yaml.safe_load(CITY_EXPERIMENT.read_text(encoding="utf-8"))
    grid = spec["grid"]
    spec["scenarios"] = [str(CITY)]
    spec["overrides"] = {"run.scale": scale, "run.months": months}
    spec["grid"] = {"plan": grid["plan"], "pool": grid["pool"]}  # 3 plans x 2 pools, the city file's handover
    spec["reference"] = "plan=rollout pool=200"
    spec["replicates"] = runs_per_variant
    spec["objectives"] = {k.replace(f"@{MONTHS}", f"@{months}"): v for k, v in spec["objectives"].items()}
    runs = len(grid["plan"]) * len(grid["pool"]) * runs_per_variant
    rates: dict[int, list[float]] = {1: [], 2: []}
    others: dict[int, list[float]] = {1: [], 2: []}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "city_small.yaml"
        path.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
        for i in range(rounds):
            for workers in (1, 2):
                # A fresh command each time: both pay the imports (1 worker runs in the command's
                # own process, 2 in spawned ones) and nothing is burned in yet.
                command = [sys.executable, "-m", "stadtteil_sim", "batch", str(path), "--workers", str(workers),
                           "--out", str(Path(tmp) / f"out_{i}_{workers}")]
                started, load = time.perf_counter(), OtherLoad()
                done = subprocess.run(command, capture_output=True, text=True, env=os.environ.copy())
                seconds = time.perf_counter() - started
                assert done.returncode == 0 and f"{runs} runs stored" in done.stdout, done.stdout + done.stderr
                rates[workers].append(runs / seconds * 60)
                others[workers].append(load.cores())
    print(json.dumps({"runs": runs, "replicates": runs_per_variant, "months": months,
                      "cpus": len(os.sched_getaffinity(0)), "rates": rates, "others": others}))


def child(*args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True, text=True,
                         env=os.environ.copy())
    return json.loads(out.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- the report

def verdict(ok: bool) -> str:
    return "met" if ok else "NOT MET"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="interleaved repetitions; medians are reported (default 3)")
    parser.add_argument("--quick", action="store_true", help="one repetition, fewer runs: a smoke check, not figures")
    parser.add_argument("--skip-batch", action="store_true", help="leave out the 1 -> 2 worker city batch")
    parser.add_argument("--baseline", type=float, default=BASELINE_RATE,
                        help="baseline resident-steps/s of a KS 1:1 run (default 0.8e6, the issue's figure)")
    parser.add_argument("--rss-child", help=argparse.SUPPRESS)
    parser.add_argument("--batch-child", nargs=4, type=float, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.rss_child:
        rss_child(args.rss_child)
        return 0
    if args.batch_child:
        rounds, replicates, months, scale = args.batch_child
        batch_child(int(rounds), int(replicates), int(months), scale)
        return 0
    repeats = 1 if args.quick else args.repeats
    if repeats < 1:
        parser.error("--repeats must be at least 1")
    calibration_runs = 2 if args.quick else 5

    load = os.getloadavg()[0]
    # The batch first, in its own process started before this one is pinned: its workers need both cores.
    batch = None
    if not args.skip_batch:
        batch = child("--batch-child", str(repeats), *(("1", "24") if args.quick else ("4", "120")), "0.25")

    pinned = pin_to_one_cpu()
    import mesa
    import numba
    import numpy as np
    import starsim as ss

    import stadtteil_sim

    print(f"python {platform.python_version()}, numpy {np.__version__}, numba {numba.__version__} "
          f"(NUMBA_NUM_THREADS={os.environ['NUMBA_NUM_THREADS']}), mesa {mesa.__version__}, starsim {ss.__version__}")
    print(f"stadtteil_sim {stadtteil_sim.__version__} from {Path(stadtteil_sim.__file__).parent}")
    print(f"{pinned}; {repeats} interleaved repetition(s), medians; load average at start {load:.2f}")

    # Warm-up outside the timings: imports, caches, numba compilation (ours if any, Starsim's).
    ours_district(months=2, scale=0.05)
    ours_city(months=2, scale=0.05)
    mesa_boltzmann(agents=200, side=10, steps=2)
    starsim_sis(500, stop=2001)

    # Side by side, A B A B: every repetition runs each model once, in the same order.
    cases = {
        "ours Kranichstein-Süd 1:1": (ours_district, ()),
        "Mesa BoltzmannWealth 84x84": (mesa_boltzmann, ()),
        f"Starsim sis/random {STARSIM_SIZES[0]:,}": (starsim_sis, (STARSIM_SIZES[0],)),
        "ours Darmstadt city 1:1": (ours_city, ()),
        f"Starsim sis/random {STARSIM_SIZES[1]:,}": (starsim_sis, (STARSIM_SIZES[1],)),
    }
    samples: dict[str, list[dict]] = {name: [] for name in cases}
    others = OtherLoad()
    for i in range(repeats):
        for name, (fn, fargs) in cases.items():
            samples[name].append(timed(fn, *fargs, seed=i + 1))
    rate, wall, cpu = {}, {}, {}
    print("\nagent-steps per second, end to end (build, burn-in, steps, indicators)")
    print(f"  {'':<32}{'agents':>9}{'steps':>7}{'wall s':>9}{'CPU s':>8}{'agent-steps/s':>15}")
    for name, runs in samples.items():
        wall[name] = statistics.median(r["wall"] for r in runs)
        cpu[name] = statistics.median(r["cpu"] for r in runs)
        rate[name] = statistics.median(r["agents"] * r["steps"] / r["wall"] for r in runs)
        r = runs[0]
        print(f"  {name:<32}{r['agents']:>9,}{r['steps']:>7}{wall[name]:>9.2f}{cpu[name]:>8.2f}{rate[name]:>15,.0f}")
    ks, city, boltz = rate["ours Kranichstein-Süd 1:1"], rate["ours Darmstadt city 1:1"], rate["Mesa BoltzmannWealth 84x84"]
    star = {n: rate[f"Starsim sis/random {n:,}"] for n in STARSIM_SIZES}
    ours = {STARSIM_SIZES[0]: ks, STARSIM_SIZES[1]: city}
    print("  (ours: residents x (months + 12 burn-in months); Mesa: agents x steps; Starsim: agents x timesteps)")
    print(f"  other processes kept {others.cores():.2f} of {os.cpu_count()} cores busy meanwhile")

    # Runs per minute per core at the calibration lengths, interleaved 36 / 60.
    per_length: dict[int, list[float]] = {m: [] for m in CALIBRATION_MONTHS}
    residents = 6926
    for i in range(repeats):
        for months in CALIBRATION_MONTHS:
            started = time.perf_counter()
            for seed in range(calibration_runs):
                residents, _ = ours_district(months=months, seed=100 * i + seed + 1)
            per_length[months].append(calibration_runs / (time.perf_counter() - started) * 60)
    runs_per_min = {m: statistics.median(v) for m, v in per_length.items()}
    baseline = {m: args.baseline * 60 / (residents * (m + 12)) for m in CALIBRATION_MONTHS}

    # Memory per resident: RSS in fresh processes, one model each.
    rss = {w: child("--rss-child", w) for w in ("ks", "city@0.25", "city")}

    def slope(a: dict, b: dict, key: str) -> float:
        return (b[key] - a[key]) / (b["residents"] - a["residents"])

    per_resident = slope(rss["ks"], rss["city"], "stepped")
    print("\nmemory: RSS of a fresh process after building the model and 12 months (MB)")
    for w, label in (("ks", "StadtteilModel Kranichstein-Süd 1:1"), ("city@0.25", "CityModel Darmstadt 0.25"),
                     ("city", "CityModel Darmstadt 1:1")):
        r = rss[w]
        print(f"  {label:<36}{r['residents']:>9,} residents  before build {r['before'] / 2**20:6.1f}  "
              f"built {r['built'] / 2**20:6.1f}  after 12 months {r['stepped'] / 2**20:6.1f}  peak {r['peak'] / 2**20:6.1f}")
    print(f"  slope KS 1:1 -> city 1:1: {per_resident:,.0f} B/resident after 12 months "
          f"({slope(rss['ks'], rss['city'], 'built'):,.0f} built, {slope(rss['ks'], rss['city'], 'peak'):,.0f} peak); "
          f"city 0.25 -> 1:1: {slope(rss['city@0.25'], rss['city'], 'stepped'):,.0f}")

    print("\nruns per minute per core, Kranichstein-Süd 1:1 (stadtteil_sim.run, "
          f"{calibration_runs} runs per repetition)")
    for m in CALIBRATION_MONTHS:
        print(f"  {m} months: {runs_per_min[m]:6.1f} runs/min; baseline {baseline[m]:6.1f} "
              f"({args.baseline:,.0f} resident-steps/s over {m}+12 months): {runs_per_min[m] / baseline[m]:.2f}x")

    if batch:
        one, two = statistics.median(batch["rates"]["1"]), statistics.median(batch["rates"]["2"])
        print(f"\ncity batch: {batch['runs']} runs of a reduced city_rollout (3 plans x 2 pools x "
              f"{batch['replicates']} replicates, scale 0.25, {batch['months']} months, the city file's handover), "
              f"not pinned ({batch['cpus']} CPUs); each the command `stadtteil-sim batch --workers N` in a fresh "
              f"process, timed from its start to its end (imports and the pool's start-up included)")
        print(f"  1 worker  {one:6.1f} runs/min   2 workers {two:6.1f} runs/min   (medians)")
        for i, (a, b) in enumerate(zip(batch["rates"]["1"], batch["rates"]["2"], strict=True)):
            print(f"    repetition {i + 1}: {a:6.1f} / {b:6.1f} runs/min = {b / a:.2f}x; other processes kept "
                  f"{batch['others']['1'][i]:.2f} / {batch['others']['2'][i]:.2f} cores busy")
        if max(batch["others"]["1"] + batch["others"]["2"]) > 0.3:
            print("  other processes were busy: the scaling is understated (with the kernel's autogroup "
                  "scheduling another busy session keeps its share of the cores however many workers we "
                  "start); rerun on an idle machine for this figure")

    print("\ntargets")
    city_cpu = cpu["ours Darmstadt city 1:1"]
    print(f"  city 1:1 x {MONTHS} months, CPU              {city_cpu:8.2f} s     <= {CITY_CPU_TARGET:g} s     "
          f"{verdict(city_cpu <= CITY_CPU_TARGET)}")
    for n in STARSIM_SIZES:
        ratio = ours[n] / star[n]
        print(f"  ours/Starsim per agent-step, {n:>7,}    {ratio:8.2f}x     >= {STARSIM_TARGET[n]:g}x    "
              f"{verdict(ratio >= STARSIM_TARGET[n])}")
    for n in STARSIM_SIZES:
        ratio = ours[n] / boltz
        print(f"  ours ({n:>7,})/Mesa BoltzmannWealth      {ratio:8.2f}x     >= {MESA_TARGET:g}x      "
              f"{verdict(ratio >= MESA_TARGET)}")
    for m in CALIBRATION_MONTHS:
        ratio = runs_per_min[m] / baseline[m]
        print(f"  {m}-month runs/min per core vs baseline   {ratio:8.2f}x     >= {CALIBRATION_TARGET:g}x      "
              f"{verdict(ratio >= CALIBRATION_TARGET)}")
    print(f"  memory per resident                     {per_resident:8,.0f} B     <= {BYTES_PER_RESIDENT_TARGET} B  "
          f"{verdict(per_resident <= BYTES_PER_RESIDENT_TARGET)}")
    if batch:
        print(f"  city batch 2 workers / 1                {two / one:8.2f}x     >= {SCALING_TARGET:g}x    "
              f"{verdict(two / one >= SCALING_TARGET)}")
    speed = REFERENCE_STARSIM_CPU / cpu[f"Starsim sis/random {STARSIM_SIZES[1]:,}"]
    print(f"\nthis machine's speed against the reference day's (Starsim {STARSIM_SIZES[1]:,}: "
          f"{REFERENCE_STARSIM_CPU:g} s CPU on 2026-12-02): {speed:.2f}; at that speed the city run takes "
          f"{city_cpu * speed:.2f} s CPU and the runs per minute are "
          + ", ".join(f"{runs_per_min[m] / baseline[m] / speed:.2f}x ({m} months)" for m in CALIBRATION_MONTHS))
    print(f"load average at the end {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
