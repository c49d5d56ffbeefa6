"""Each indicator is declared once (model/indicators.py) and read everywhere: an indicator added
to the declarations alone reaches the run's timeseries, the run figure, a batch's report and the
dashboard's charts, through the paths every indicator takes (compute -> DataCollector ->
timeseries / batch store -> figure, report, dashboard)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest

import stadtteil_sim
from samples import SMALL
from stadtteil_sim.app import animate, texts, views
from stadtteil_sim.app.workshop import WorkshopModel
from stadtteil_sim.experiments.analysis import metric_label
from stadtteil_sim.experiments.batch import run_batch
from stadtteil_sim.experiments.executors import ExecutorSpec
from stadtteil_sim.experiments.report import write_report
from stadtteil_sim.experiments.store import load_results
from stadtteil_sim.model import indicators
from stadtteil_sim.model.indicators import INDICATORS, SUMMARY, Indicator, SummaryValue

ROOT = Path(__file__).resolve().parent.parent
KS = ROOT / "scenarios" / "kranichstein_sued.yaml"
COLOUR = (0, 170, 170)  # no other view draws it
EXTRA = Indicator(
    "months_so_far", "count", "months so far", "Monate bisher", lambda s: s.state.month,
    main=True, chart="communities", colour=COLOUR,
)


@pytest.fixture
def extra(monkeypatch) -> Indicator:
    """The throwaway indicator, declared beside the others for one test."""
    monkeypatch.setitem(INDICATORS, EXTRA.name, EXTRA)
    return EXTRA


def test_a_declared_indicator_is_computed_and_collected(extra):
    result = stadtteil_sim.run(KS, seed=1, overrides={"run.scale": 0.05}, months=5)
    ts = result.timeseries
    assert list(ts.columns)[-1] == extra.name  # after the others, which keep their order
    assert list(ts[extra.name]) == list(range(6))


def test_a_declared_main_indicator_is_a_panel_of_the_run_figure(extra):
    result = stadtteil_sim.run(KS, seed=1, overrides={"run.scale": 0.05}, months=5)
    fig = result.plot()
    titles = [ax.get_title() for ax in fig.axes]
    assert len(titles) == 10 and titles[-1] == "months so far"
    panel = fig.axes[titles.index("months so far")]
    assert list(panel.lines[0].get_ydata()) == list(range(6))
    assert panel.get_xlabel() == "month"  # nothing below it


def test_a_declared_indicator_has_its_fan_chart_in_a_batch_report(extra, tmp_path):
    (tmp_path / "small.yaml").write_text(SMALL, encoding="utf-8")
    experiment = tmp_path / "exp.yaml"
    experiment.write_text(textwrap.dedent(f"""\
        name: declared
        scenarios: [small.yaml]
        overrides: {{run.months: 8}}
        grid:
          office.handover_month: [3, 6]
        replicates: 2
        seed: 3
        keep: {{indicators: [link_stage, {extra.name}], months: all}}
        objectives: {{{extra.name}@8: maximise}}
        """), encoding="utf-8")
    run_batch(experiment, tmp_path / "out", ExecutorSpec("serial"), progress=False)
    series = load_results(tmp_path / "out").series
    assert sorted(set(series[extra.name])) == list(range(9))
    report, _ = write_report(tmp_path / "out", lang="en")
    text = report.read_text(encoding="utf-8")
    # A main indicator comes first among the fans, in its words.
    assert text.index("(figures/fan_months_so_far.png)") < text.index("(figures/fan_link_stage.png)")
    assert "*Figure 1: Months so far over time*" in text
    assert "months so far at month 8" in text  # the objective, in the indicator's words
    assert metric_label(f"{extra.name}@8") == "months so far at month 8"


def test_a_declared_indicator_is_drawn_on_its_dashboard_chart(extra, tmp_path):
    (tmp_path / "small.yaml").write_text(SMALL, encoding="utf-8")
    w = WorkshopModel(tmp_path / "small.yaml", seed=1)
    assert w.error is None, w.error
    for _ in range(3):
        w.step()
    model = w.copies[0].model
    assert views.series(model, extra.name) == [0, 1, 2, 3]
    assert extra in views.chart_series("communities") and "communities" in views.charts()
    picture = np.asarray(views.chart_image("communities", [("A", model)], "de"))
    assert np.all(picture == np.array(COLOUR), axis=2).sum() > 50  # its line and its legend's
    assert COLOUR in animate.fixed_colours()  # the film keeps its colour exact
    assert views.indicator_label(extra.name, "de") == "Monate bisher"


def test_a_chart_mixing_kinds_is_refused(monkeypatch):
    share = Indicator("some_share", "share", "some share", "ein Anteil", lambda s: 0.5, chart="communities", colour=COLOUR)
    monkeypatch.setitem(INDICATORS, share.name, share)
    with pytest.raises(ValueError, match="chart 'communities' mixes kinds"):
        views.chart_series("communities")


# ------------------------------------------------------------------ the declarations themselves
def test_declarations_are_checked():
    with pytest.raises(ValueError, match="kind 'percent'"):
        Indicator("x", "percent", "x", "x", lambda s: 0.0)
    with pytest.raises(ValueError, match="a chart needs a colour"):
        Indicator("x", "share", "x", "x", lambda s: 0.0, chart="participation")
    with pytest.raises(ValueError, match="a category cannot be charted"):
        Indicator("x", "category", "x", "x", lambda s: "a", chart="participation", colour=COLOUR)
    with pytest.raises(ValueError, match=r"declared twice: \['x'\]"):
        indicators._registry(SummaryValue("x", "x", "x"), SummaryValue("x", "y", "y"))


def test_every_label_is_given_in_both_languages_and_every_summary_value_in_words():
    for indicator in INDICATORS.values():
        assert indicator.de and indicator.en[:1].islower(), indicator.name  # English words go mid-sentence
    for chart in views.charts():
        assert f"chart_{chart}" in texts.TEXTS  # its title
    assert all(value.en for value in SUMMARY.values())
    assert metric_label("participation_month_84") == "migrant participation at month 84"
    assert metric_label("token_index@36") == "token index at month 36"
