"""A good Python citizen: Mesa's conventions (seed= or rng=, fresh seeds for batch_run's unseeded
replicates, the README's Mesa example executed), the command line (--version, fixed choices,
params PREFIX, objectives past the runs' end), the JSON Schema for editors, optional extras
that say what to install, and the package's licence, py.typed and version.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from importlib import metadata, resources
from pathlib import Path

import jsonschema
import mesa
import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

import stadtteil_sim
from samples import SMALL
from stadtteil_sim.cli import app
from stadtteil_sim.config.errors import ScenarioError
from stadtteil_sim.experiments.design import load_experiment
from stadtteil_sim.model.district import StadtteilModel

ROOT = Path(__file__).resolve().parent.parent
KS = ROOT / "scenarios" / "kranichstein_sued.yaml"
SMALL_KS = {"run.scale": 0.05}
runner = CliRunner()


def indicators(model: StadtteilModel) -> pd.DataFrame:
    return model.datacollector.get_model_vars_dataframe()


# ------------------------------------------------------------------ Mesa
def test_rng_is_seed_and_an_omitted_seed_is_the_scenarios():
    by_rng = StadtteilModel(KS, rng=5, overrides=SMALL_KS)
    by_seed = StadtteilModel(KS, seed=5, overrides=SMALL_KS)
    by_scenario = StadtteilModel(KS, overrides={**SMALL_KS, "run.seed": 5})
    for model in (by_rng, by_seed, by_scenario):
        for _ in range(3):
            model.step()
    assert by_rng.seed == by_seed.seed == by_scenario.seed == 5
    pd.testing.assert_frame_equal(indicators(by_rng), indicators(by_seed))
    pd.testing.assert_frame_equal(indicators(by_rng), indicators(by_scenario))
    with pytest.raises(TypeError, match="not both"):
        StadtteilModel(KS, seed=1, rng=1, overrides=SMALL_KS)


def test_an_explicit_none_draws_a_fresh_seed_that_reruns_the_model():
    fresh = [StadtteilModel(KS, seed=None, overrides=SMALL_KS) for _ in range(2)] + [StadtteilModel(KS, rng=None, overrides=SMALL_KS)]
    assert len({m.seed for m in fresh}) == 3
    assert (indicators(fresh[0])["seed"] == fresh[0].seed).all()
    rerun = StadtteilModel(KS, seed=fresh[0].seed, overrides=SMALL_KS)
    for model in (fresh[0], rerun):
        for _ in range(6):
            model.step()
    pd.testing.assert_frame_equal(indicators(fresh[0]), indicators(rerun))
    generator = StadtteilModel(KS, rng=np.random.default_rng(3), overrides=SMALL_KS).seed
    assert generator == StadtteilModel(KS, rng=np.random.default_rng(3), overrides=SMALL_KS).seed


def test_mesa_batch_run_replicates_differ_and_each_can_be_rerun():
    runs = pd.DataFrame(mesa.batch_run(
        StadtteilModel, parameters={"scenario": str(KS), "overrides": [{"run.scale": 0.1}]},
        rng=[None] * 3, max_steps=24, number_processes=1, data_collection_period=-1, display_progress=False,
    ))  # fmt: skip
    assert runs["seed"].nunique() == 3
    assert runs["migrant_participation_rate"].nunique() > 1
    first = runs.iloc[0]
    again = StadtteilModel(KS, seed=int(first["seed"]), overrides={"run.scale": 0.1})
    for _ in range(24):
        again.step()
    assert again.indicators["migrant_participation_rate"] == first["migrant_participation_rate"]


def test_the_readme_mesa_example_runs(monkeypatch):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- mesa-example.*?-->\n```python\n(.*?)```", readme, re.S)
    assert block, "the README's Mesa example is missing its marker"
    monkeypatch.chdir(ROOT)
    namespace: dict = {}
    exec(compile(block.group(1), "README.md", "exec"), namespace)
    frame = namespace["frame"]
    assert len(frame) == 6 and frame["seed"].tolist() == [1, 1, 2, 2, 3, 3]
    assert len(namespace["monthly"]) == 13 and len(namespace["residents"]) > 0


# ------------------------------------------------------------------ command line
def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"stadtteil-sim {metadata.version('stadtteil_sim')}"
    assert stadtteil_sim.__version__ == metadata.version("stadtteil_sim")


@pytest.mark.parametrize(("command", "option", "values"), [
    ("sensitivity", "--method", ["morris", "sobol", "both"]),
    ("live", "--lang", ["de", "en"]),
    ("animate", "--lang", ["de", "en"]),
])  # fmt: skip
def test_options_with_fixed_values_list_them_and_refuse_others(command, option, values):
    help_text = runner.invoke(app, [command, "--help"], terminal_width=200).output
    assert all(value in help_text for value in values), help_text
    result = runner.invoke(app, [command, str(KS), option, "xx"])
    shown = " ".join(re.sub("[│╭╮╰╯─]", " ", result.output).split())  # typer's error box, unwrapped
    assert result.exit_code == 2 and f"Invalid value for '{option}'" in shown


def test_params_filters_by_a_dotted_prefix():
    result = runner.invoke(app, ["params", str(KS), "behaviour.linking"])
    assert result.exit_code == 0, result.output
    paths = [line.split()[0] for line in result.output.splitlines() if line.strip()]
    assert paths and all(p.startswith("behaviour.linking.") for p in paths)
    office = runner.invoke(app, ["params", str(KS), "office", "--json"])
    assert {row["path"].split(".")[0] for row in json.loads(office.output)} == {"office"}
    wrong = runner.invoke(app, ["params", str(KS), "ofice"])
    assert wrong.exit_code == 2 and "did you mean 'office'" in wrong.output


def experiment(tmp_path: Path, objectives: str) -> Path:
    (tmp_path / "small.yaml").write_text(SMALL)
    path = tmp_path / "exp.yaml"
    path.write_text(textwrap.dedent(f"""\
        name: short
        scenarios: [small.yaml]
        overrides: {{run.months: 60}}
        grid: {{office.handover_month: [12, 24]}}
        objectives: {objectives}
        """))
    return path


def test_an_objective_at_a_fixed_month_past_the_runs_end_is_refused(tmp_path):
    with pytest.raises(ScenarioError, match=r"objectives.participation_month_84: month 84 is past the runs' end; allowed: 0..60"):
        load_experiment(experiment(tmp_path, "{participation_month_84: maximise}"))
    # values relative to the handover may be missing in some runs: allowed
    load_experiment(experiment(tmp_path, "{sustainability_ratio_24m: maximise, participation_36m_after_handover: maximise}"))


# ------------------------------------------------------------------ editors
def test_the_exported_schema_checks_both_district_files(tmp_path):
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert "include" in schema["properties"]
    validator = jsonschema.Draft202012Validator(schema)
    for name in ("kranichstein_sued.yaml", "eberstadt_sued.yaml"):
        data = yaml.safe_load((ROOT / "scenarios" / name).read_text(encoding="utf-8"))
        assert "include" in data
        errors = [e.message for e in validator.iter_errors(data)]
        assert errors == [], (name, errors)
    wrong = {"office": {"handover_month": "soon"}, "ofice": {}}
    messages = [e.message for e in validator.iter_errors(wrong)]
    assert any("'soon' is not of type 'integer'" in m for m in messages)
    assert any("'ofice' was unexpected" in m for m in messages)


# ------------------------------------------------------------------ extras
BLOCKED = """\
import sys
for name in sys.argv[1].split(","):
    sys.modules[name] = None  # as if the extra were not installed: importing it fails
sys.argv = ["stadtteil-sim", *sys.argv[2:]]
from stadtteil_sim.cli import main
main()
"""


@pytest.mark.parametrize(("blocked", "args", "extra"), [
    ("pyabc", ["calibrate", "calibration/targets.yaml"], "calibrate"),
    ("SALib", ["sensitivity", "calibration/sensitivity.yaml"], "calibrate"),
    ("distributed", ["batch", "experiments/handover_timing.yaml", "--dask-workers", "1", "--out", "{tmp}/x"], "dask"),
    ("solara", ["live", "scenarios/kranichstein_sued.yaml"], "live"),
    ("PIL", ["animate", "scenarios/kranichstein_sued.yaml", "--out", "{tmp}/a.gif"], "live"),
])  # fmt: skip
def test_a_missing_extra_is_named_in_one_line(tmp_path, blocked, args, extra):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    proc = subprocess.run([sys.executable, "-c", BLOCKED, blocked, *args], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and f"needs the '{extra}' extra" in lines[0] and f"stadtteil_sim[{extra}]" in lines[0], lines
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------ housekeeping
def test_licence_typing_marker_and_one_version():
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("MIT License") and "the stadtteil_sim contributors" in licence
    assert metadata.metadata("stadtteil_sim")["License-Expression"] == "MIT"
    assert resources.files("stadtteil_sim").joinpath("py.typed").is_file()
    source = (ROOT / "src" / "stadtteil_sim" / "__init__.py").read_text(encoding="utf-8")
    assert "0.1.0" not in source  # the version is declared once, in pyproject.toml
