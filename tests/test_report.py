"""A report built from a small real batch has its figures and tables, opens with a German answer
a city official can act on (no code names), embeds its figures in report.html and writes one flat
CSV of all runs; ``stadtteil-sim report`` fails cleanly on a folder that is not a batch.

One batch (both districts at 5% scale, 40 months, a 2 x 2 grid, 3 replicates, serially: 24
short runs) is shared by the module; the report is written through the command line.
"""

from __future__ import annotations

import itertools
import json
import re
import shutil
import textwrap
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from stadtteil_sim.cli import app
from stadtteil_sim.experiments.batch import run_batch
from stadtteil_sim.experiments.executors import ExecutorSpec
from stadtteil_sim.experiments.words import code_names

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = "handover=24 link_month=18"
VARIANTS = ["handover=12 link_month=0", "handover=12 link_month=18", "handover=24 link_month=0", REFERENCE]
LABELS = ["handover 12 · linking 0", "handover 12 · linking 18", "handover 24 · linking 0", "handover 24 · linking 18"]
DISTRICTS = ("Kranichstein-Süd", "Eberstadt-Süd")
PNG = b"\x89PNG\r\n\x1a\n"

EXPERIMENT = f"""
name: tiny_report
scenarios:
  - {ROOT / "scenarios/kranichstein_sued.yaml"}
  - {ROOT / "scenarios/eberstadt_sued.yaml"}
overrides:
  run.scale: 0.05
  run.months: 40
grid:
  handover:
    "12": {{office.handover_rule: fixed, office.handover_month: 12}}
    "24": {{office.handover_rule: fixed, office.handover_month: 24}}
  office.link_month: [0, 18]
reference: {REFERENCE}
replicates: 3
seed: 5
keep:
  indicators: [migrant_participation_rate, token_index, office_mode]
objectives:
  migrant_participation_rate@36: maximise
  participation_12m_after_handover: maximise
  token_index@30: minimise
budget:
  office_staff_hours_total: 2000
"""


@pytest.fixture(scope="module")
def batch_folder(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("report")
    experiment = base / "tiny_report.yaml"
    experiment.write_text(textwrap.dedent(EXPERIMENT), encoding="utf-8")
    folder = base / "results"
    summary = run_batch(experiment, folder, ExecutorSpec("serial"), progress=False)
    assert summary.completed == 24 and not summary.failures
    # A failed run, as the batch records it, so the report has one to list.
    failure = {"run_id": "eberstadt_sued__v099__r0000", "base": "eberstadt_sued", "variant": "handover=99",
               "replicate": 0, "seed": 1, "traceback": "Traceback (most recent call last):\nValueError: boom\n"}
    (folder / "failures" / "eberstadt_sued__v099__r0000.json").write_text(json.dumps(failure), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def german(batch_folder, tmp_path_factory) -> Path:
    """The default report (German), copied aside before the English one replaces it."""
    result = CliRunner().invoke(app, ["report", str(batch_folder)])
    assert result.exit_code == 0, result.output
    assert "Kranichstein-Süd" in result.stdout and "Übergabe" in result.stdout  # the answer, on the terminal too
    copy = tmp_path_factory.mktemp("german") / "report"
    shutil.copytree(batch_folder / "report", copy)
    return copy


@pytest.fixture(scope="module")
def report(batch_folder, german) -> Path:
    """In English, written twice through the CLI: the second replaces the first in place."""
    for _ in range(2):
        result = CliRunner().invoke(app, ["report", str(batch_folder), "--lang", "en"])
        assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert Path(lines[-1].removeprefix("report: ")) == (batch_folder / "report" / "report.md").resolve()
    # The answer is printed too, before the path.
    assert result.stdout.startswith("**The answer in short**"), result.stdout
    return batch_folder / "report"


def section(text: str, heading: str) -> str:
    """The text under a Markdown heading, up to the next heading of the same or higher level."""
    level = heading.split(" ")[0]
    start = text.index(heading + "\n")
    rest = text[start + len(heading) + 1:]
    ends = [i for i in (rest.find("\n" + "#" * n + " ") for n in range(1, len(level) + 1)) if i >= 0]
    return rest[: min(ends)] if ends else rest


def first_table(text: str) -> pd.DataFrame:
    """The first Markdown table in ``text``: its consecutive '|' lines, cells as text."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    block = list(itertools.takewhile(lambda line: line.startswith("|"), lines[start:]))
    rows = [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in block]
    return pd.DataFrame(rows[2:], columns=rows[0])


def test_report_has_its_figures(report):
    names = {p.name for p in (report / "figures").glob("*.png")}
    assert {"fan_migrant_participation_rate.png", "fan_token_index.png", "tradeoff.png"} <= names
    assert "fan_office_mode.png" not in names  # a text column is not drawn
    assert {"heatmap_migrant_participation_rate_36.png", "heatmap_token_index_30.png",
            "heatmap_participation_12m_after_handover.png", "heatmap_office_staff_hours_total.png"} <= names
    for path in (report / "figures").glob("*.png"):
        data = path.read_bytes()
        assert data.startswith(PNG) and len(data) > 5_000, path.name
    text = (report / "report.md").read_text(encoding="utf-8")
    for name in names:
        assert f"(figures/{name})" in text
    html = (report / "report.html").read_text(encoding="utf-8")
    assert html.count("<img ") == len(names) and "<table" in html and "In Kranichstein-Süd" in html
    # one file to mail: every figure embedded, none linked
    assert html.count('src="data:image/png;base64,') == len(names) and 'src="figures/' not in html
    # the swap leaves no temporary or old folder behind
    assert not [p.name for p in report.parent.iterdir() if p.name.startswith(".report")]


def test_per_district_tables_have_a_row_per_variant_with_mean_difference_and_ci(report):
    text = (report / "report.md").read_text(encoding="utf-8")
    per_district = section(text, "## Per district: every variant against the reference")
    for district in DISTRICTS:
        table = first_table(section(per_district, f"### {district}")).set_index("timing")
        assert table.index.tolist() == LABELS
        for label in ("Migrant participation at month 36", "Token index at month 30", "Office staff hours"):
            diff = next(c for c in table if c.startswith(label) and "Δ vs documented timing" in c)
            assert any(c.startswith(label) and c.endswith(": mean") for c in table)
            assert table.loc[LABELS[-1], diff].startswith("+0")
            assert table.loc[LABELS[-1], diff].count("[") == 1
        year = 2003 if district == "Kranichstein-Süd" else 2004  # each district's own calendar (month 0: 2000, 2001)
        assert table.loc[LABELS[-1], f"Migrant participation at month 36 (January {year}): mean"].endswith("%")  # a share in %
        assert "reference" in table.loc[LABELS[-1], "notes"]
    numbers = pd.read_csv(report / "variants.csv")
    assert len(numbers) == 2 * len(VARIANTS) * numbers["metric"].nunique()
    reference = numbers[numbers["variant"] == REFERENCE]
    assert (reference["diff"].fillna(0) == 0).all() and (reference["diff_n"] > 0).any()
    assert {"mean", "sd", "q05", "median", "q95", "ci_low", "ci_high", "diff_low", "diff_high"} <= set(numbers)


def test_report_names_the_best_variants_and_the_pareto_set(report):
    text = (report / "report.md").read_text(encoding="utf-8")
    best = section(text, "## Best variants")
    for district in DISTRICTS:
        part = section(best, f"### {district}")
        choices = first_table(part).set_index("criterion")
        year = 2003 if district == "Kranichstein-Süd" else 2004  # each district's own calendar
        assert {f"best by Migrant participation at month 36 (January {year})", "best within budget (by the primary objective)"} <= set(choices.index)
        assert set(choices["timing"]) <= set(LABELS) | {"none (no variant qualifies)"}
        assert "**Pareto set**" in part
    pareto = pd.read_csv(report / "pareto.csv")
    assert set(pareto.columns) >= {"base", "variant", "pareto", "within_budget"} and pareto["pareto"].any()
    assert not pd.read_csv(report / "best.csv").empty


def test_plain_language_paragraph_per_district(report):
    summary = section((report / "report.md").read_text(encoding="utf-8"), "## Summary")
    paragraphs = [p.strip() for p in summary.split("\n\n") if p.strip()]
    assert [p.split(" (")[0] for p in paragraphs] == [f"In {d}" for d in DISTRICTS]
    for paragraph in paragraphs:
        assert "gives the highest migrant participation at month 36" in paragraph  # the declared words
        assert "replicates" in paragraph and "budget of 2,000" in paragraph


def test_the_german_report_opens_with_an_answer_an_official_can_act_on(german):
    """The first paragraph: German, no code names, the recommended handover and linking as
    calendar dates per district and for the city, staff hours against the budget, the paired CI."""
    text = (german / "report.md").read_text(encoding="utf-8")
    assert text.startswith("# Bericht")
    answer = section(text, "## Die Antwort")
    first = [p.strip() for p in answer.split("\n\n") if p.strip()][0]
    assert first.startswith("**Die Antwort in Kürze**")
    assert code_names(first) == [], code_names(first)
    for district in DISTRICTS:
        assert f"{district}: Übergabe" in first
    assert "Für die Stadt" in first
    assert re.search(r"Übergabe im (Januar|Juli) 20\d\d \(Monat \d+\)", first), first
    assert re.search(r"Vernetzung mit den Gremien( ab \w+ 20\d\d|, sobald)", first), first
    assert re.search(r"[\d.]+ Stunden von 2\.000 Budget", first), first  # staff hours against the budget
    assert "95-%-Konfidenzintervall" in first and " %" in first  # the paired interval; shares in percent
    assert "dokumentierten Zeitplan" in first
    for paragraph in answer.split("\n\n"):
        if paragraph.strip().startswith(("**Kranichstein", "**Eberstadt", "**Abwägungen")):
            assert code_names(paragraph) == [], paragraph
    assert "Alibi-Vertretung" in answer  # the trade-off in words (linking 0 against 18; none later here)
    assert "## Begriffe" in text and "Stunden" in section(text, "## Begriffe")
    html = (german / "report.html").read_text(encoding="utf-8")
    assert '<html lang="de">' in html and "Abbildung 1:" in html


def test_runs_csv_is_flat_with_numeric_levels(german):
    runs = pd.read_csv(german / "runs.csv")
    assert len(runs) == 2 * len(VARIANTS) * 3  # a row per run and district
    assert runs["factor_link_month"].dtype.kind == "i" and runs["factor_handover"].dtype.kind == "i"
    assert all(re.fullmatch(r"[A-Za-z0-9_]+", c) for c in runs.columns), list(runs.columns)  # SQL without quoting
    assert "migrant_participation_rate_at_36" in runs


def test_without_a_parameter_sample_the_report_says_intervals_are_seed_noise_only(report):
    text = (report / "report.md").read_text(encoding="utf-8")
    assert "do not include parameter uncertainty" in section(text, "## How to read this report")
    assert "parameter draw in every variant" not in text  # the header's pairing is by seed only


def test_failed_runs_are_listed(report):
    failed = section((report / "report.md").read_text(encoding="utf-8"), "## Failed runs")
    assert "1 run(s) failed" in failed and "ValueError: boom" in failed


def test_report_on_a_folder_without_manifest_fails_cleanly(tmp_path, batch_folder):
    result = CliRunner().invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 2
    assert "no manifest.json" in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "report").exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    shutil.copy(batch_folder / "manifest.json", empty / "manifest.json")
    result = CliRunner().invoke(app, ["report", str(empty)])
    assert result.exit_code == 2 and "no finished runs" in result.stderr
    (empty / "manifest.json").write_text("{broken", encoding="utf-8")
    result = CliRunner().invoke(app, ["report", str(empty)])
    assert result.exit_code == 2 and "cannot be read" in result.stderr
    assert isinstance(result.exception, SystemExit)
