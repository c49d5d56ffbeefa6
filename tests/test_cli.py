"""The command line, run as a user runs it (a subprocess): bad input gives a clear message, no
traceback, exit status 2 and no output; a good run writes its folder.

Only one model run happens here (3 months of a 1,000-inhabitant district, module-scoped); every
other call stops at validation.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from samples import SMALL, write

EXIT_INPUT = 2


def cli(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "stadtteil_sim", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )




def assert_clean_failure(proc: subprocess.CompletedProcess, *expected: str) -> None:
    assert proc.returncode == EXIT_INPUT, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    for part in expected:
        assert part in proc.stderr, (part, proc.stderr)


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.rglob("*"))}


@pytest.fixture(scope="module")
def good_run(tmp_path_factory):
    """One real run through the CLI with an override by community name."""
    work = tmp_path_factory.mktemp("good")
    write(work / "small.yaml", SMALL)
    proc = cli("run", "small.yaml", "--months", "3", "--seed", "5", "--set", "district.communities.C.size=120",
               "--out", "out/small", cwd=work)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    return work, proc


# --------------------------------------------------------------------------- a good run
def test_good_run_writes_its_folder_with_the_overrides_applied(good_run):
    work, proc = good_run
    out = work / "out" / "small"
    assert {"timeseries.csv", "summary.json", "scenario.yaml", "events.txt"} <= {p.name for p in out.iterdir()}
    resolved = (out / "scenario.yaml").read_text(encoding="utf-8")
    assert "size: 120" in resolved and "months: 3" in resolved and "seed: 5" in resolved
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["seed"] == 5
    assert f"results: {out.resolve()}" in proc.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(["--set", "office.handover_mont=12"], ["--set: office.handover_mont", "did you mean 'handover_month'?"], id="bad-set-key"),
        pytest.param(["--set", "office.handover_month"], ["--set 'office.handover_month'", "KEY=VALUE"], id="set-without-equals"),
        pytest.param(["--set", "district.communities.Bee.size=3"], ["no list item 'Bee'"], id="unknown-community"),
        pytest.param(["--set", "district.foreign_share=.nan"], ["district.foreign_share = NaN"], id="set-nan"),
        pytest.param(["--months", "0"], ["--months: run.months = 0", "int in [1, 1200]"], id="months-zero"),
        pytest.param(["--seed", "-1"], ["--seed: run.seed = -1"], id="negative-seed"),
    ],
)  # fmt: skip
def test_bad_run_leaves_an_earlier_result_intact(good_run, args, expected):
    work, _ = good_run
    out = work / "out" / "small"
    before = snapshot(out)
    siblings = sorted(p.name for p in out.parent.iterdir())
    proc = cli("run", "small.yaml", "--months", "3", "--out", "out/small", *args, cwd=work)
    assert_clean_failure(proc, "error: ", *expected)
    assert snapshot(out) == before
    assert sorted(p.name for p in out.parent.iterdir()) == siblings  # no temporary folder left either


# --------------------------------------------------------------------------- bad files
BAD_FILES = {
    "broken.yaml": ("name: x\noffice:\n  handover_month: [1, 2\nrun: {}\n", "not valid YAML at line 4"),
    "toplist.yaml": ("- office\n- district\n", "top level is a list"),
    "unknown.yaml": ("office:\n  handover_mont: 12\n", "office.handover_mont: unknown key (did you mean 'handover_month'?)"),
    "soon.yaml": ('office:\n  handover_month: "soon"\n', "office.handover_month = 'soon'"),
    "boolstr.yaml": ('office:\n  enabled: "false"\n', "office.enabled = 'false'"),
    "nan.yaml": ("district:\n  foreign_share: .nan\n", "district.foreign_share = NaN"),
    "range.yaml": ("district:\n  foreign_share: 1.5\n", "allowed: float in [0, 1]"),
    "enum.yaml": ("office:\n  handover_rule: sometimes\n", "allowed: fixed | stable"),
    "missinc.yaml": ("include: shared/none.yaml\n", "include = 'shared/none.yaml': file not found"),
    "cycle.yaml": ("include: cycle.yaml\n", "include cycle"),
    "empty.yaml": ("# to be filled in\n", "the file is empty"),
    "timing.yaml": ("office:\n  start_month: 24\n  handover_month: 12\n", "handover_month=12 is before start_month=24"),
    "crowded.yaml": (SMALL.replace("population: 1000", "population: 250"), "communities add up to 300"),
    "foreign.yaml": (SMALL.replace("foreign_share: 0.2", "foreign_share: 0.3"), "foreign-national communities add up to 200"),
    "incbad.yaml": ("include: shared/bad.yaml\n", "shared/bad.yaml: behaviour.dependency.strenght"),
}  # fmt: skip


def test_validate_reports_every_bad_file_and_accepts_the_good_one(tmp_path):
    for name, (text, _) in BAD_FILES.items():
        write(tmp_path / name, text)
    write(tmp_path / "shared" / "bad.yaml", "behaviour:\n  dependency:\n    strenght: 0.3\n")
    write(tmp_path / "small.yaml", SMALL)
    proc = cli("validate", "small.yaml", *BAD_FILES, "nope.yaml", cwd=tmp_path)
    assert_clean_failure(proc, "nope.yaml: file not found")
    assert "ok: small.yaml" in proc.stdout
    lines = proc.stderr.splitlines()
    assert all(line.startswith("error: ") for line in lines), proc.stderr
    for name, (_, expected) in BAD_FILES.items():
        mine = [line for line in lines if name in line or (name == "incbad.yaml" and "shared/bad.yaml" in line)]
        assert any(expected in line for line in mine), (name, expected, proc.stderr)


def test_validate_good_file_exits_zero(tmp_path):
    write(tmp_path / "small.yaml", SMALL)
    proc = cli("validate", "small.yaml", cwd=tmp_path)
    assert proc.returncode == 0 and "ok: small.yaml" in proc.stdout and proc.stderr == ""


def test_failed_run_creates_no_results_folder(tmp_path):
    write(tmp_path / "unknown.yaml", "office:\n  handover_mont: 12\n")
    proc = cli("run", "unknown.yaml", "--months", "3", cwd=tmp_path)  # default target: results/<name>
    assert_clean_failure(proc, "did you mean 'handover_month'?")
    proc = cli("run", "unknown.yaml", "--months", "3", "--out", "fresh/out", cwd=tmp_path)
    assert_clean_failure(proc)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["unknown.yaml"]


def test_missing_scenario_file(tmp_path):
    proc = cli("run", "nope.yaml", "--months", "3", cwd=tmp_path)
    assert_clean_failure(proc, "error: nope.yaml: file not found")
    assert list(tmp_path.iterdir()) == []


def test_yaml_tag_does_not_execute(tmp_path):
    target = tmp_path / "pwned"
    write(tmp_path / "evil.yaml", f'!!python/object/apply:os.system ["touch {target}"]\n')
    for command in ("validate", "run", "params"):
        proc = cli(command, "evil.yaml", cwd=tmp_path)
        assert_clean_failure(proc, "evil.yaml: not valid YAML", "python/object/apply")
    assert not target.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["evil.yaml"]


def test_console_script_behaves_the_same(tmp_path):
    script = Path(sys.executable).with_name("stadtteil-sim")
    if not script.exists():
        pytest.skip("console script not installed next to this Python")
    write(tmp_path / "soon.yaml", 'office:\n  handover_month: "soon"\n')
    proc = subprocess.run([script, "run", "soon.yaml", "--months", "3"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert_clean_failure(proc, "soon.yaml: office.handover_month = 'soon'", "int in [0, 600]")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["soon.yaml"]


def test_usage_error_has_no_traceback(tmp_path):
    proc = cli("run", "x.yaml", "--no-such-option", cwd=tmp_path)
    assert proc.returncode == EXIT_INPUT and "Traceback" not in proc.stderr
    assert "stadtteil-sim" in proc.stderr  # usage names the command, also under `python -m`


# --------------------------------------------------------------------------- params
def test_params_lists_every_settable_path(tmp_path):
    write(tmp_path / "small.yaml", SMALL)
    proc = cli("params", "small.yaml", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = {line.split()[0]: line for line in proc.stdout.splitlines() if line.strip()}
    assert "int in [0, 600]" in lines["office.handover_month"] and "default=36" in lines["office.handover_month"]
    assert "float in [0, 1]" in lines["behaviour.dependency.strength"]
    assert "[literature]" in lines["behaviour.dependency.strength"]
    assert "value=50" in lines["district.communities.B.size"]
    assert "default=required" in lines["district.communities.B.language"]
    assert "fixed | stable" in lines["office.handover_rule"]
    # The role column, as the schema declares it, before the source.
    assert " lever       [text] month of the switch" in lines["office.handover_month"]
    assert " uncertainty [literature] how much the moderator" in lines["behaviour.dependency.strength"]
    assert lines["mechanisms.outreach"].endswith(" mechanism   M1 outreach through bilingual mediators and city-wide associations")
    assert " input       [text] inhabitants" in lines["district.population"]


def test_params_json_is_valid_json(tmp_path):
    write(tmp_path / "small.yaml", SMALL)
    proc = cli("params", "small.yaml", "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    rows = {row["path"]: row for row in json.loads(proc.stdout)}
    assert {"type", "allowed", "default", "value", "source", "role", "plausible", "description"} <= set(rows["office.handover_month"])
    assert rows["office.handover_month"]["default"] == 36
    assert rows["behaviour.dependency.strength"]["source"] == "literature"
    assert rows["behaviour.dependency.strength"]["plausible"] == [0.0, 1.0]
    assert rows["district.communities.A.size"]["value"] == 150
    # A source is a provenance only (a switch has none); lever and input are roles now.
    assert {r["source"] for r in rows.values()} == {"text", "literature", "assumption", "calibrated", None}
    assert {r["role"] for r in rows.values()} == {"lever", "uncertainty", "mechanism", "input"}
    assert (rows["office.enabled"]["source"], rows["office.enabled"]["role"]) == (None, "lever")


def test_params_bad_file_fails_cleanly(tmp_path):
    write(tmp_path / "nan.yaml", "district:\n  foreign_share: .nan\n")
    assert_clean_failure(cli("params", "nan.yaml", "--json", cwd=tmp_path), "district.foreign_share = NaN")
