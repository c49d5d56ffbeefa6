"""Nothing a user owns is lost: a command writes a new folder, or updates one it wrote itself;
any other non-empty folder is refused (exit 2, naming the folder and --force) and with --force
only the command's own files are replaced. Impossible --out paths fail cleanly with nothing
written. A file is never replaced unless the command wrote it (or --force); the dashboard picks
a new name instead.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from samples import SMALL
from stadtteil_sim.app.animate import SIGNATURE
from stadtteil_sim.cli import app
from stadtteil_sim.experiments.batch import run_batch
from stadtteil_sim.experiments.executors import ExecutorSpec
from stadtteil_sim.experiments.ownership import MARKER, OutputError, result_folder

ROOT = Path(__file__).resolve().parent.parent
KS = ROOT / "scenarios" / "kranichstein_sued.yaml"
runner = CliRunner()


def invoke(*args: str | Path):
    result = runner.invoke(app, [str(a) for a in args])
    assert "Traceback" not in result.output
    return result


def user_files(folder: Path) -> dict[str, bytes]:
    """Someone's files in ``folder``: a note and a file in a subfolder."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "notes.txt").write_text("meine Notizen")
    (folder / "sub").mkdir(exist_ok=True)
    (folder / "sub" / "data.csv").write_text("a,b\n1,2\n")
    return snapshot(folder)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_refused(result, *parts: str) -> None:
    assert result.exit_code == 2, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.output
    for part in parts:
        assert part in errors[0], (part, errors[0])


@pytest.fixture
def inputs(tmp_path, monkeypatch):
    """A small district, an experiment, a target file and a sensitivity spec on it, with the
    test's folder as the current folder."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "small.yaml").write_text(SMALL)
    (tmp_path / "exp.yaml").write_text(
        "name: tiny\nscenarios: [small.yaml]\noverrides: {run.months: 3}\ngrid: {office.handover_month: [1, 2]}\n"
        "replicates: 1\nseed: 1\n"
    )
    (tmp_path / "targets.yaml").write_text(yaml.safe_dump({
        "name": "tiny",
        "conditions": {"small": {"scenario": "small.yaml", "overrides": {"run.months": 3}}},
        "targets": [{"name": "p", "condition": "small", "metric": "migrant_participation_rate@3", "observed": 0.02, "tolerance": 0.01}],
        "parameters": {"behaviour.activation.weight_office": {"low": 0.2, "high": 0.8}},
        "settings": {"population_size": 10, "max_generations": 1, "seed": 7, "predictive_draws": 2},
    }))  # fmt: skip
    (tmp_path / "spec.yaml").write_text(
        "name: tiny\nscenarios: [small.yaml]\noverrides: {run.months: 3}\n"
        "parameters: {behaviour.dependency.strength: [0.0, 1.0]}\noutputs: [native_recognition@3]\n"
        "replicates: 1\nseed: 4\nmorris: {trajectories: 2, levels: 4}\n"
    )
    return tmp_path


FOLDER_COMMANDS = {
    "run": ["run", "small.yaml", "--months", "3"],
    "batch": ["batch", "exp.yaml", "--workers", "1"],
    "calibrate": ["calibrate", "targets.yaml", "--workers", "1"],
    "sensitivity": ["sensitivity", "spec.yaml", "--method", "morris", "--workers", "1"],
}


# ------------------------------------------------------------------ folders of others
def test_run_refuses_a_folder_of_others_and_with_force_keeps_their_files(tmp_path):
    """The issue's example, as a user types it (a subprocess)."""
    (tmp_path / "small.yaml").write_text(SMALL)
    mine = user_files(tmp_path / "DIR")

    def run(*extra: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "stadtteil_sim", "run", "small.yaml", "--months", "3", "--out", "DIR", *extra],
                              cwd=tmp_path, capture_output=True, text=True, timeout=120)  # fmt: skip

    refused = run()
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert refused.stderr.startswith("error: --out DIR:") and "--force" in refused.stderr
    assert snapshot(tmp_path / "DIR") == mine
    forced = run("--force")
    assert forced.returncode == 0, forced.stderr
    after = snapshot(tmp_path / "DIR")
    assert {k: after[k] for k in mine} == mine  # every file of theirs stays, unchanged
    assert {"summary.json", "timeseries.csv", "indicators.png", MARKER} <= set(after)
    again = run()  # the folder now holds a run: updating it needs no --force
    assert again.returncode == 0, again.stderr
    assert {k: snapshot(tmp_path / "DIR")[k] for k in mine} == mine


@pytest.mark.parametrize("command", sorted(FOLDER_COMMANDS))
def test_every_folder_command_refuses_a_folder_of_others(inputs, command):
    mine = user_files(inputs / "theirs")
    assert_refused(invoke(*FOLDER_COMMANDS[command], "--out", "theirs"), "--out theirs", "--force")
    assert snapshot(inputs / "theirs") == mine


@pytest.mark.parametrize("command", sorted(FOLDER_COMMANDS))
def test_impossible_out_paths_fail_cleanly_with_nothing_written(inputs, command):
    (inputs / "f.txt").write_text("kein Ordner")
    before = snapshot(inputs)
    cases = {".": "the current folder", "..": "the current folder or one above it",
             "f.txt": "is a file, not a folder", "f.txt/sub": "cannot be created"}  # fmt: skip
    for out, message in cases.items():
        assert_refused(invoke(*FOLDER_COMMANDS[command], "--out", out), f"--out {out}", message)
        assert_refused(invoke(*FOLDER_COMMANDS[command], "--out", out, "--force"), f"--out {out}", message)
    assert snapshot(inputs) == before
    assert sorted(p.name for p in inputs.iterdir()) == sorted(["exp.yaml", "f.txt", "small.yaml", "spec.yaml", "targets.yaml"])


def test_batch_with_force_keeps_the_users_files_and_then_resumes_as_its_own(inputs):
    mine = user_files(inputs / "theirs")
    result = invoke("batch", "exp.yaml", "--workers", "1", "--out", "theirs", "--force")
    assert result.exit_code == 0, result.output
    assert {k: v for k, v in snapshot(inputs / "theirs").items() if k in mine} == mine
    again = invoke("batch", "exp.yaml", "--workers", "1", "--out", "theirs")
    assert again.exit_code == 0 and "2 were already there" in again.output


def test_report_updates_only_its_own_files(inputs):
    run_batch(inputs / "exp.yaml", inputs / "batch", ExecutorSpec("serial"), progress=False)
    mine = user_files(inputs / "batch" / "report")
    assert_refused(invoke("report", "batch"), "report", "--force")
    assert snapshot(inputs / "batch" / "report") == mine
    result = invoke("report", "batch", "--force")
    assert result.exit_code == 0, result.output
    written = snapshot(inputs / "batch" / "report")
    assert {k: written[k] for k in mine} == mine and "report.md" in written
    # a file the report wrote last time and not now goes; the user's files stay
    marker = json.loads((inputs / "batch" / "report" / MARKER).read_text())
    assert marker["command"] == "report" and "report.md" in marker["files"] and "notes.txt" not in marker["files"]
    (inputs / "batch" / "report" / "old_figure.png").write_bytes(b"old")
    marker["files"].append("old_figure.png")
    (inputs / "batch" / "report" / MARKER).write_text(json.dumps(marker))
    assert invoke("report", "batch").exit_code == 0
    assert not (inputs / "batch" / "report" / "old_figure.png").exists()
    assert {k: snapshot(inputs / "batch" / "report")[k] for k in mine} == mine


def test_calibrate_never_deletes_a_history_it_did_not_write(inputs):
    (inputs / "cal").mkdir()
    (inputs / "cal" / "history.db").write_bytes(b"someone's pyabc history")
    assert_refused(invoke(*FOLDER_COMMANDS["calibrate"], "--out", "cal"), "--out cal", "--force")
    assert_refused(invoke(*FOLDER_COMMANDS["calibrate"], "--out", "cal", "--force"), "history.db", "did not start")
    assert (inputs / "cal" / "history.db").read_bytes() == b"someone's pyabc history"


def test_a_folder_result_is_all_or_nothing(tmp_path):
    """An error while a result is written leaves the folder as it was."""
    folder = tmp_path / "out"
    with result_folder(folder, "run") as stage:
        (stage / "a.txt").write_text("1")
    with pytest.raises(RuntimeError), result_folder(folder, "run") as stage:
        (stage / "a.txt").write_text("2")
        raise RuntimeError("disk full")
    assert (folder / "a.txt").read_text() == "1"
    assert sorted(p.name for p in folder.iterdir()) == [MARKER, "a.txt"]  # no staging folder left
    with pytest.raises(OutputError, match="was written by 'stadtteil-sim run'"):
        with result_folder(folder, "report"):
            pass


# ------------------------------------------------------------------ files
def test_animate_never_replaces_a_file_it_did_not_write(tmp_path):
    small = tmp_path / "ks.yaml"
    small.write_text(f"include: {KS}\nrun: {{scale: 0.05, months: 2}}\n")
    slides = tmp_path / "talk.gif"
    slides.write_bytes(b"GIF89a someone's animation")
    args = ["animate", small, "--out", slides, "--months", "1"]
    assert_refused(invoke(*args), f"--out {slides}", "--force")
    assert slides.read_bytes() == b"GIF89a someone's animation"
    assert invoke(*args, "--force").exit_code == 0
    assert SIGNATURE.encode() in slides.read_bytes()
    first = slides.stat().st_mtime_ns
    assert invoke(*args).exit_code == 0  # its own file: replaced without --force
    assert slides.stat().st_mtime_ns >= first and SIGNATURE.encode() in slides.read_bytes()
    assert_refused(invoke(*args[:-4], "--out", tmp_path, "--months", "1"), "is a folder")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ks.yaml", "talk.gif"]


def test_saved_levers_take_a_new_name_instead_of_replacing_a_file(tmp_path):
    from stadtteil_sim.app.workshop import WorkshopModel, save_levers

    small = tmp_path / "ks.yaml"
    small.write_text(f"include: {KS}\nrun: {{scale: 0.05, months: 2}}\n")
    workshop = WorkshopModel(small, seed=3)
    saved = tmp_path / "saved"
    saved.mkdir()
    taken = saved / f"{workshop.base.name}_workshop_t_A.yaml"
    taken.write_text("# someone's file\n")
    first = save_levers(workshop, saved, stamp="t")
    second = save_levers(workshop, saved, stamp="t")
    assert taken.read_text() == "# someone's file\n"
    assert [p.name for p in first + second] == [f"{workshop.base.name}_workshop_t_A-2.yaml", f"{workshop.base.name}_workshop_t_A-3.yaml"]
    assert sorted(p.name for p in saved.iterdir()) == sorted([taken.name, *(p.name for p in first + second)])
