"""The month as one declared sequence (model/month.py: MONTH): the model runs it, the model's
docstring is generated from it and docs/ODD.md §3.1 lists it in the same order."""

from __future__ import annotations

import re
from pathlib import Path

from stadtteil_sim import load_scenario
from stadtteil_sim.model import district, month
from stadtteil_sim.model.agents import IntegrationOffice
from stadtteil_sim.model.district import StadtteilModel
from stadtteil_sim.model.month import MONTH

ROOT = Path(__file__).resolve().parent.parent
KS = ROOT / "scenarios" / "kranichstein_sued.yaml"
ORDER = [month.name(IntegrationOffice.step), *(month.name(step) for step in MONTH)]


def test_every_step_says_what_it_does():
    assert len(set(MONTH)) == len(MONTH)
    summaries = [month.summary(step) for step in MONTH]
    assert all(s != month.name(step) for s, step in zip(summaries, MONTH, strict=True)), "a step without docstring"
    assert len(set(summaries)) == len(summaries)


def test_model_docstring_follows_the_sequence():
    doc = district.__doc__
    assert re.findall(r"^ +``([\w.]+)``$", doc, re.M) == ORDER
    items = re.findall(r"^(\d+)\. (.+)$", doc, re.M)
    assert [int(n) for n, _ in items] == list(range(1, len(ORDER) + 1))
    for (_, first_line), step in zip(items, (IntegrationOffice.step, *MONTH), strict=True):
        assert month.summary(step).startswith(first_line)


def test_odd_lists_the_sequence_in_order():
    text = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")
    section = text[text.index("### 3.1 ") : text.index("### 3.2 ")]
    listed = re.findall(r"^\d+\. \*\*[^*]+\*\* \(`([^`]+)`", section, re.M)
    # The ODD writes a module path with slashes (processes/turnover.step) and a class by its name.
    assert listed == [name.replace("processes.", "processes/").removeprefix("agents.") for name in ORDER]


def test_the_model_runs_the_sequence_each_month(monkeypatch):
    calls = []

    def recorded(step):
        def run(ctx):
            calls.append(month.name(step))
            step(ctx)

        return run

    monkeypatch.setattr(district, "MONTH", tuple(recorded(step) for step in MONTH))
    names = [month.name(step) for step in MONTH]
    model = StadtteilModel(load_scenario(KS, {"run.scale": 0.05, "behaviour.burn_in_months": 2}))
    assert calls == names * 2  # the burn-in months; month 0 only the office's decision
    calls.clear()
    model.step()
    assert calls == names
