"""Command line: each subcommand calls one library function.

Errors in the input (a broken YAML file, a wrong type, an impossible combination) are printed
without a traceback, exit with status 2 and leave no output behind. An output folder or file
holding what the program did not write is refused the same way unless ``--force`` is given
(see :mod:`stadtteil_sim.experiments.ownership`). Ctrl-C exits with status 130 and SIGTERM (a job
scheduler's stop) with 143; the long commands then keep what they finished and resume.
"""

from __future__ import annotations

import difflib
import importlib
import json
import math
import os
import signal
import sys
import textwrap
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from stadtteil_sim._version import __version__
from stadtteil_sim.app.texts import LANGS
from stadtteil_sim.config.city import load_city
from stadtteil_sim.config.errors import ScenarioError
from stadtteil_sim.config.loading import load_scenario, parse_override
from stadtteil_sim.config.schema import iter_parameters
from stadtteil_sim.experiments.ownership import OutputError, check_file, check_folder

app = typer.Typer(add_completion=False, no_args_is_help=True, help="stadtteil_sim: migrant participation in district renewal.")

# Options with a fixed set of values: typer lists them in --help and refuses others.
Language = Enum("Language", {lang: lang for lang in LANGS}, type=str)
Method = Enum("Method", {name: name for name in ("morris", "sobol", "both")}, type=str)

# What each optional part needs (the extras of pyproject.toml), checked before it is imported.
EXTRAS = {
    "calibrate": ("pyabc", "SALib"),
    "dask": ("distributed",),
    "live": ("solara", "PIL"),
}

EXIT_INPUT = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports Ctrl-C
EXIT_TERMINATED = 143  # 128 + SIGTERM


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main process so it takes the same way out as Ctrl-C."""


Force = Annotated[bool, typer.Option("--force", help="write into an output that holds files stadtteil-sim did not write: "
                                     "only the command's own files are replaced, every other file stays")]


def _report(message: str) -> None:
    """One ``error:`` line per problem (a scenario error can list several)."""
    for line in message.splitlines() or [message]:
        typer.echo(f"error: {line}", err=True)


def _fail(message: str) -> None:
    _report(message)
    raise typer.Exit(EXIT_INPUT)


def _require(extra: str, command: str) -> None:
    """One line naming the extra to install when a command's optional packages are missing."""
    for module in EXTRAS[extra]:
        try:
            importlib.import_module(module)
        except ImportError:
            _fail(f"'stadtteil-sim {command}' needs the '{extra}' extra ({module} is not installed); "
                  f"allowed: install it with pip install 'stadtteil_sim[{extra}]'")


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"stadtteil-sim {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_show_version, is_eager=True, help="print the version and exit")] = False,
) -> None:
    """stadtteil_sim: migrant participation in district renewal."""


def _overrides(items: list[str] | None) -> dict:
    out = {}
    for item in items or []:
        key, value = parse_override(item)
        out[key] = value
    return out


@app.command()
def run(
    scenario: Annotated[Path, typer.Argument(help="scenario YAML file")],
    seed: Annotated[int | None, typer.Option(help="root seed (default: the scenario's run.seed)")] = None,
    months: Annotated[int | None, typer.Option(help="months to simulate (default: run.months)")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="override by dotted path, e.g. office.handover_month=24")] = None,
    out: Annotated[Path | None, typer.Option(help="output folder (default: results/<scenario name>)")] = None,
    force: Force = False,
) -> None:
    """Run one scenario (a district, or a city of districts sharing one office) and write its
    timeseries, summary, resolved scenario and a figure."""
    try:
        overrides = _overrides(set_)
        # --months and --seed go through the schema too, so they get its range checks.
        labels = {}
        for key, value, flag in (("run.months", months, "--months"), ("run.seed", seed, "--seed")):
            if value is not None:
                overrides[key], labels[key] = value, flag
        city = load_city(scenario, overrides, labels=labels)
    except ScenarioError as exc:
        _fail(str(exc))
    # The model and plotting are imported only once the scenario and the folder are fine: failing is quick.
    from stadtteil_sim.experiments.run_folder import is_run_folder, write_city_run, write_run

    loaded = city.districts[0] if city.one_district else city
    target = out or Path("results") / loaded.name
    _check_output(check_folder, target, "run", force, recognise=is_run_folder)
    from stadtteil_sim.model.runner import run as run_scenario
    from stadtteil_sim.model.runner import run_city

    result = run_scenario(loaded) if city.one_district else run_city(city)
    try:
        if city.one_district:  # a district file: its run folder as ever
            write_run(result, target, force=force)  # each file atomically; a new folder appears whole
        else:
            write_city_run(result, target, force=force)
    except OutputError as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"cannot write the results to {target}: {exc}")
    typer.echo(_summary_table(result.summary))
    if not city.one_district:
        typer.echo(_district_table(result.districts))
    typer.echo(f"results: {target.resolve()}")


def _district_table(districts) -> str:
    """Each district of a city's run in one line: when the office started, how long it waited,
    what it reached (the weakest first)."""
    rows = districts.sort_values("migrant_participation_at_end")
    width = max(len(str(n)) for n in rows["district"])
    lines = [f"  {'district':<{width}}  started  waited  handover  participation at end  staff hours"]
    for row in rows.itertuples():
        started = "-" if math.isnan(row.office_started_month) else f"{row.office_started_month:.0f}"
        handover = "-" if math.isnan(row.handover_month) else f"{row.handover_month:.0f}"
        lines.append(f"  {row.district:<{width}}  {started:>7}  {row.months_waited:>6}  {handover:>8}  "
                     f"{row.migrant_participation_at_end:>20.1%}  {row.office_staff_hours_total:>11,.0f}")
    return "\n".join(lines)


def _check_output(check, path: Path, command: str, force: bool, **kwargs) -> None:
    """Refuse an output path before any work is done (the writers check again)."""
    try:
        check(path, command, force=force, **kwargs)
    except OutputError as exc:
        _fail(str(exc))


def _summary_table(summary: dict) -> str:
    width = max(len(k) for k in summary)
    lines = []
    for key, value in summary.items():
        if isinstance(value, float):
            shown = "n/a" if math.isnan(value) else f"{value:.3f}".rstrip("0").rstrip(".")
        else:
            shown = str(value)
        lines.append(f"  {key:<{width}}  {shown}")
    return "\n".join(lines)


@app.command()
def validate(files: Annotated[list[Path], typer.Argument(help="scenario YAML files")]) -> None:
    """Check scenario files (districts or cities); print every problem with its file, key, value
    and what is allowed."""
    failed = 0
    for file in files:
        try:
            city = load_city(file)
            kind = "" if city.one_district else f" (a city of {len(city.districts)} districts)"
            typer.echo(f"ok: {file}{kind}")
        except ScenarioError as exc:
            failed += 1
            _report(str(exc))
    if failed:
        raise typer.Exit(EXIT_INPUT)


@app.command()
def params(
    scenario: Annotated[Path | None, typer.Argument(help="scenario YAML file (default: built-in defaults)")] = None,
    prefix: Annotated[str | None, typer.Argument(help="only paths under this dotted prefix, e.g. office or behaviour.linking")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print as JSON")] = False,
) -> None:
    """List every settable path with its type, allowed range, default, value, role (lever,
    uncertainty, mechanism or input, as the schema declares it) and source; for a city file, the
    city's paths and each district's as ``districts.NAME.PATH`` (the paths ``--set`` takes)."""
    from stadtteil_sim.config.schema import Scenario

    try:
        city = load_city(scenario) if scenario else None
    except ScenarioError as exc:
        _fail(str(exc))
    if city is None or city.one_district:
        rows = iter_parameters(city.districts[0] if city else Scenario())
    else:
        rows = [r for r in iter_parameters(city) if not r["path"].startswith("districts.")]
        rows += [{**r, "path": f"districts.{d.district.name}.{r['path']}"} for d in city.districts for r in iter_parameters(d)]
    if prefix:
        prefix = prefix.strip(".")
        selected = [r for r in rows if r["path"] == prefix or r["path"].startswith(prefix + ".")]
        if not selected:
            sections = sorted({".".join(r["path"].split(".")[:depth]) for r in rows for depth in (1, 2)})
            close = difflib.get_close_matches(prefix, sections, n=1, cutoff=0.5)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            _fail(f"params {prefix}: no settable path starts with it{hint}; allowed: a dotted prefix such as "
                  "office, behaviour.linking or district.communities")
        rows = selected
    if as_json:
        typer.echo(json.dumps(rows, indent=1, default=str, ensure_ascii=False))
        return
    width = max(len(r["path"]) for r in rows)
    for r in rows:
        typer.echo((
            f"{r['path']:<{width}}  {r['allowed']:<24}  default={'required' if r['required'] else r['default']!s:<8} value={r['value']!s:<8} "
            f"{r['role']:<11} " + (f"[{r['source']}] " if r["source"] else "") + r["description"]
        ).rstrip())


@app.command()
def schema() -> None:
    """Print the scenario schema as JSON Schema, for YAML editors that complete and check files."""
    from stadtteil_sim.config.schema import json_schema

    typer.echo(json.dumps(json_schema(), indent=1, ensure_ascii=False))


def _executor(command: str, workers: int | None, scheduler: str | None, dask_workers: int | None):
    """The executor the flags ask for (at most one of them; default: a pool on all cores)."""
    from stadtteil_sim.experiments.executors import ExecutorSpec

    chosen = [flag for flag, value in (("--workers", workers), ("--scheduler", scheduler), ("--dask-workers", dask_workers)) if value is not None]
    if len(chosen) > 1:
        _fail(f"{' and '.join(chosen)} given together; allowed: one of --workers, --scheduler, --dask-workers")
    if scheduler is not None or dask_workers is not None:
        _require("dask", command)
        return ExecutorSpec("dask", scheduler=scheduler, dask_workers=dask_workers)
    return ExecutorSpec("serial" if workers == 1 else "pool", workers=workers)


@contextmanager
def _resumable(folder: Path, stored: str):
    """A long job that resumes: a failing executor exits 1 and Ctrl-C exits 130, each saying
    what is kept and how to go on, without a traceback."""
    from stadtteil_sim.experiments.executors import ExecutorError

    try:
        yield
    except ExecutorError as exc:
        _report(str(exc))
        typer.echo(f"finished {stored} are stored in {folder}; run the same command again to resume", err=True)
        raise typer.Exit(1) from None
    except KeyboardInterrupt as exc:
        what, status = ("terminated (SIGTERM)", EXIT_TERMINATED) if isinstance(exc, Terminated) else ("interrupted", EXIT_INTERRUPTED)
        typer.echo(f"{what}; finished {stored} are stored in {folder}; run the same command again to resume", err=True)
        raise typer.Exit(status) from None


@app.command()
def batch(
    experiment: Annotated[Path, typer.Argument(help="experiment YAML file, e.g. experiments/handover_timing.yaml")],
    workers: Annotated[int | None, typer.Option(min=1, help="local worker processes (default: all cores; 1 = serial)")] = None,
    scheduler: Annotated[str | None, typer.Option(help="address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786")] = None,
    dask_workers: Annotated[int | None, typer.Option(min=1, help="start a local Dask cluster with this many worker processes")] = None,
    out: Annotated[Path | None, typer.Option(help="results folder (default: results/<experiment name>)")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="override in every run by dotted path, e.g. run.scale=1.0")] = None,
    force: Force = False,
) -> None:
    """Run every variant x replicate of an experiment; rerun the same command to resume."""
    from stadtteil_sim.experiments.batch import run_batch
    from stadtteil_sim.experiments.design import load_experiment
    from stadtteil_sim.experiments.store import StoreError, is_batch_folder

    spec = _executor("batch", workers, scheduler, dask_workers)
    try:
        design = load_experiment(experiment, _overrides(set_))
    except ScenarioError as exc:
        _fail(str(exc))
    target = out or Path("results") / design.experiment.name
    _check_output(check_folder, target, "batch", force, recognise=is_batch_folder)
    typer.echo(f"{design.experiment.name}: {len(design.tasks)} runs ({len(design.bases)} scenarios x "
               f"{len(design.variants)} variants x {design.experiment.replicates} replicates) on {spec.describe()}")
    with _resumable(target, "runs"):
        try:
            summary = run_batch(design, target, spec, force=force)
        except (StoreError, OutputError) as exc:
            _fail(str(exc))
    typer.echo(f"{summary.completed} runs stored, {summary.skipped} were already there, "
               f"{len(summary.failures)} failed ({summary.seconds:.0f} s); results: {target.resolve()}")
    if summary.failures:
        for failure in summary.failures[:10]:
            last = failure["traceback"].strip().splitlines()[-1]
            typer.echo(f"failed: {failure['base']} / {failure['variant']} / replicate {failure['replicate']} "
                       f"(seed {failure['seed']}): {last}", err=True)
        typer.echo(f"tracebacks: {target / 'failures'}", err=True)
        raise typer.Exit(1)


@app.command()
def report(
    folder: Annotated[Path, typer.Argument(help="results folder of a batch, e.g. results/handover_timing")],
    lang: Annotated[Language, typer.Option(help="language of the report")] = Language.de,
    force: Force = False,
) -> None:
    """Write figures, tables, runs.csv and report.md / report.html (one file, figures embedded) into FOLDER/report/."""
    from stadtteil_sim.experiments.report import ReportError, write_report
    from stadtteil_sim.experiments.store import StoreError

    if not folder.is_dir():
        _fail(f"{folder}: no such folder; allowed: a results folder written by 'stadtteil-sim batch'")
    try:
        path, paragraphs = write_report(folder, force=force, lang=lang.value)
    except (StoreError, ReportError, OutputError) as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"cannot write the report into {folder / 'report'}: {exc}")
    for paragraph in paragraphs:
        typer.echo(textwrap.fill(paragraph, width=100) + "\n")
    typer.echo(f"report: {path.resolve()}")


@app.command()
def calibrate(
    targets: Annotated[Path, typer.Argument(help="target file, e.g. calibration/targets.yaml")],
    budget: Annotated[int | None, typer.Option(min=1, help="stop after this many parameter sets tried in total (default: settings.budget)")] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="local worker processes (default: all cores; 1 = reproducible by seed)")] = None,
    scheduler: Annotated[str | None, typer.Option(help="address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786")] = None,
    dask_workers: Annotated[int | None, typer.Option(min=1, help="start a local Dask cluster with this many worker processes")] = None,
    district: Annotated[list[str] | None, typer.Option(help="fit only this district's targets (its name or scenario name, e.g. kranichstein_sued; repeatable); the others are predicted out of sample")] = None,
    out: Annotated[Path | None, typer.Option(help="output folder (default: results/calibration/<name>[_<district>])")] = None,
    install: Annotated[bool, typer.Option(help="replace the shared behaviour file (settings.install) with the posterior medians")] = False,
    force: Force = False,
) -> None:
    """ABC-SMC calibration against the observed patterns; rerun the same command to resume."""
    _require("calibrate", "calibrate")
    from stadtteil_sim.calibration.abc import (
        CalibrationError,
        default_folder,
        describe_sampler,
        district_names,
        is_calibration_folder,
        quiet_pyabc_details,
    )
    from stadtteil_sim.calibration.abc import calibrate as run_calibration
    from stadtteil_sim.calibration.targets import load_targets

    executor = _executor("calibrate", workers, scheduler, dask_workers)
    try:
        spec = load_targets(targets)
    except ScenarioError as exc:
        _fail(str(exc))
    if install and spec.settings.install is None:
        _fail(f"{targets}: --install needs settings.install (the shared behaviour file to replace); allowed: a path relative to the target file")
    try:
        districts = district_names(spec, district)
    except CalibrationError as exc:
        _fail(str(exc))
    fitted = spec.fitted(districts)
    folder = out or default_folder(spec, districts)
    _check_output(check_folder, folder, "calibrate", force, recognise=is_calibration_folder)
    settings = spec.settings
    runs = len(spec.conditions_for(fitted))
    typer.echo(
        f"{spec.targets_file.name}: {len(spec.parameters)} parameters, {len(fitted)} of {len(spec.targets)} targets fitted "
        f"in {runs} conditions; population {settings.population_size}, up to {settings.max_generations} generations, "
        f"budget {budget or settings.budget} parameter sets x {runs} runs; {describe_sampler(executor)}"
    )
    quiet_pyabc_details()
    with _resumable(folder, "generations"):
        try:
            result = run_calibration(spec, folder, executor, budget, districts, log=typer.echo, force=force)
            from stadtteil_sim.calibration.posterior import write_outputs

            report_path, lines = write_outputs(spec, result, executor, [t.name for t in fitted])
        except (CalibrationError, OutputError) as exc:
            _fail(str(exc))
    for line in lines:
        typer.echo(line)
    if install:
        from stadtteil_sim.experiments.atomic import write_bytes

        destination = targets.parent / settings.install
        write_bytes(destination, (folder / "behaviour.yaml").read_bytes())
        typer.echo(f"installed the posterior medians in {destination}")
    typer.echo(f"report: {report_path.resolve()}")


@app.command()
def sensitivity(
    spec: Annotated[Path, typer.Argument(help="sensitivity spec file, e.g. calibration/sensitivity.yaml")],
    method: Annotated[Method, typer.Option(help="which analysis")] = Method.both,
    workers: Annotated[int | None, typer.Option(min=1, help="local worker processes (default: all cores; 1 = serial)")] = None,
    scheduler: Annotated[str | None, typer.Option(help="address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786")] = None,
    dask_workers: Annotated[int | None, typer.Option(min=1, help="start a local Dask cluster with this many worker processes")] = None,
    out: Annotated[Path | None, typer.Option(help="results folder (default: results/sensitivity/<name>)")] = None,
    force: Force = False,
) -> None:
    """Morris screening and/or Sobol indices of the spec's outputs; rerun the same command to resume."""
    _require("calibrate", "sensitivity")
    from stadtteil_sim.calibration.sensitivity import (
        METHODS,
        budget_lines,
        compact_table,
        is_sensitivity_folder,
        measure_run_seconds,
        prepare,
        run_sensitivity,
    )
    from stadtteil_sim.experiments.store import StoreError

    method = method.value
    executor = _executor("sensitivity", workers, scheduler, dask_workers)
    try:
        analysis = prepare(spec, METHODS if method == "both" else (method,))
    except ScenarioError as exc:
        _fail(str(exc))
    target = out or analysis.default_folder()
    _check_output(check_folder, target, "sensitivity", force, recognise=is_sensitivity_folder)
    for line in budget_lines(analysis, target, measure_run_seconds(analysis), executor):
        typer.echo(line)
    with _resumable(target, "runs"):
        try:
            result = run_sensitivity(analysis, target, executor=executor, force=force)
        except (StoreError, OutputError) as exc:
            _fail(str(exc))
    failures = []
    for name, summary in result.batches.items():
        typer.echo(f"{name}: {summary.completed} runs stored, {summary.skipped} were already there, "
                   f"{len(summary.failures)} failed ({summary.seconds:.0f} s)")
        failures += summary.failures
    for name, table in result.tables.items():
        typer.echo("\n" + compact_table(table, name))
    typer.echo("")
    for path in result.files:
        typer.echo(f"written: {path.resolve()}")
    if failures:
        for failure in failures[:10]:
            last = failure["traceback"].strip().splitlines()[-1]
            typer.echo(f"failed: {failure['run_id']} (seed {failure['seed']}): {last}", err=True)
        typer.echo(f"no indices for a method with failed runs; tracebacks in {target}/<method>/failures; "
                   "run the same command again to retry them", err=True)
        raise typer.Exit(1)


def _check_scenario(scenario: Path) -> None:
    """Fail fast, before the dashboard's heavy imports, on a scenario that does not load."""
    try:
        load_scenario(scenario)
    except ScenarioError as exc:
        _fail(str(exc))


@app.command()
def live(
    scenario: Annotated[Path, typer.Argument(help="scenario YAML file: a district, or a city")] = Path("scenarios/kranichstein_sued.yaml"),
    port: Annotated[int, typer.Option(min=1, max=65535, help="port on 127.0.0.1")] = 8765,
    lang: Annotated[Language, typer.Option(help="language of the page")] = Language.de,
    save_dir: Annotated[Path | None, typer.Option(help="where 'save levers' writes (default: <scenario folder>/workshop)")] = None,
) -> None:
    """Start the workshop dashboard on 127.0.0.1 and print its address (a city file opens the city)."""
    lang = lang.value
    try:
        load_city(scenario)  # a district file is a city of one
    except ScenarioError as exc:
        _fail(str(exc))
    _require("live", "live")
    from stadtteil_sim.app.server import ServeError, serve

    try:
        serve(scenario, port, lang, save_dir)
    except ServeError as exc:
        _fail(str(exc))


@app.command()
def animate(
    scenario: Annotated[Path, typer.Argument(help="scenario YAML file")],
    out: Annotated[Path, typer.Option(help="output file: .gif, or .mp4 where ffmpeg is installed")] = Path("run.gif"),
    seed: Annotated[int | None, typer.Option(help="root seed (default: the scenario's run.seed)")] = None,
    months: Annotated[int | None, typer.Option(min=0, help="months to show (default: run.months)")] = None,
    every: Annotated[int, typer.Option(help="one frame every N months")] = 1,
    fps: Annotated[float, typer.Option(help="frames per second")] = 4.0,
    lang: Annotated[Language, typer.Option(help="language of the labels")] = Language.de,
    compare: Annotated[str | None, typer.Option(help="side by side: the lever that differs in B, e.g. office.handover_month")] = None,
    compare_value: Annotated[str, typer.Option(help="its value in B (default: a clear contrast)")] = "",
    force: Annotated[bool, typer.Option("--force", help="replace an existing file that stadtteil-sim animate did not write")] = False,
) -> None:
    """Render the dashboard's views of a run as an animation (for slides without a server)."""
    lang = lang.value
    _check_scenario(scenario)
    _require("live", "animate")
    from stadtteil_sim.app.animate import AnimateError, written_by_animate
    from stadtteil_sim.app.animate import animate as render

    _check_output(check_file, out, "animate", force, written_here=written_by_animate)
    try:
        written = render(scenario, out, seed=seed, lang=lang, months=months, every=every, fps=fps,
                         compare=compare or "none", compare_value=compare_value, force=force)
    except (AnimateError, ScenarioError, OutputError) as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"cannot write {out}: {exc}")
    typer.echo(f"animation: {written.resolve()}")


def _handle_sigterm() -> None:
    """Make SIGTERM end this process like Ctrl-C (finished work kept, workers stopped). Worker
    processes forked from here inherit the handler; they leave at once, without a traceback."""
    main_pid = os.getpid()

    def on_sigterm(signum, frame):
        if os.getpid() != main_pid:
            os._exit(EXIT_TERMINATED)
        _signals.append(signum)
        raise Terminated

    signal.signal(signal.SIGTERM, on_sigterm)


_signals: list[int] = []  # SIGTERMs this process received


def main() -> None:
    _handle_sigterm()
    try:
        app(prog_name="stadtteil-sim")  # the same name in usage lines for `python -m stadtteil_sim`
    except ScenarioError as exc:  # a scenario error raised deeper than a command caught it
        _report(str(exc))
        sys.exit(EXIT_INPUT)
    except SystemExit as exc:
        # Outside the resumable commands, click turns the interrupt into "Aborted!" and status 1;
        # a job scheduler should still see that the job was terminated.
        if _signals and exc.code != EXIT_TERMINATED:
            sys.exit(EXIT_TERMINATED)
        raise

