"""Is the workshop dashboard fast enough to watch? One step plus every view of the page, at 1:1
(Kranichstein-Süd, 6,926 residents), single and side by side; medians over many steps.

Two measurements, both server side, for one run and for the side-by-side pair:

* **views**: ``WorkshopModel.step()`` plus producing every view the page shows with the page's
  own functions (the district and organisation pictures of each copy and the three charts as
  PNG data URLs, the status table, the legend and the event ticker as HTML). Target: < 0.25 s
  single, < 0.5 s side by side.
* **page**: a click on the page's Schritt button in the real page rendered by solara in a
  virtual kernel (``solara.render``), i.e. the step, every component's re-render and the widget
  updates solara would send to the browser. Same targets.

    .venv/bin/python benchmarks/dashboard_step.py               # 40 steps each (after 20 warm-up)
    .venv/bin/python benchmarks/dashboard_step.py --steps 80

It runs on one core (BLAS/OpenMP threads 1, pinned where the OS allows). The machine is shared:
compare numbers within one run (single vs side by side, views vs page), not across runs.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import time
from pathlib import Path

from one_core import pin_to_one_cpu  # first: limits thread pools before numpy loads

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "kranichstein_sued.yaml"
TARGETS = {"single": 0.25, "side by side": 0.5}


def all_views(workshop, lang: str) -> int:
    """Everything the page's district panel produces for one month; returns the characters made."""
    from stadtteil_sim.app import page, views

    copies = [(c.label, c.model) for c in workshop.copies]
    multi = len(copies) > 1
    made = 0
    for label, model in copies:
        title = views.title(model, lang, label if multi else "")
        made += len(page.cached_picture(model, ("district", lang, title),
                                        lambda m=model, t=title: page.district_view(m, lang, multi).image(t)))
        tag = label if multi else ""
        made += len(page.cached_picture(model, ("network", lang, tag),
                                        lambda m=model, t=tag: views.network_image(m, lang, t)))
        made += len(page.ticker_html(model, lang))
    made += len(page.monitor_table(copies, lang)) + len(page.legend_html(copies[0][1], lang))
    for kind in views.charts():
        made += len(page.cached_picture(copies[0][1], ("chart", kind, lang),
                                        lambda k=kind: views.chart_image(k, copies, lang)))
    return made


def time_views(compare: bool, steps: int, warmup: int) -> list[float]:
    from stadtteil_sim.app.workshop import WorkshopModel

    workshop = WorkshopModel(SCENARIO, seed=1, compare="office.handover_month" if compare else "none",
                             compare_value="42", office__handover_month=18)
    times = []
    for i in range(warmup + steps):
        t0 = time.perf_counter()
        workshop.step()
        all_views(workshop, "de")
        if i >= warmup:
            times.append(time.perf_counter() - t0)
    return times


def time_page(compare: bool, steps: int, warmup: int) -> list[float]:
    import ipyvuetify as v
    import solara
    from solara.server import kernel, kernel_context
    from solara.widgets import HTML

    from stadtteil_sim.app import texts
    from stadtteil_sim.app.defaults import ENV_SCENARIO
    from stadtteil_sim.app.page import Page
    from stadtteil_sim.app.workshop import lever_of

    os.environ[ENV_SCENARIO] = str(SCENARIO)
    context = kernel_context.VirtualKernelContext(id=f"bench-{compare}", kernel=kernel.Kernel(), session_id="bench")
    times = []
    # AppLayout prints its bar's children when rendered outside a server: keep them off the report.
    with context, contextlib.redirect_stdout(io.StringIO()):
        _, rc = solara.render(solara.AppLayout(children=[Page()]), handle_error=False)
        if compare:
            rc.find(v.Select, label=texts.tr("compare", "de")).widget.v_model = lever_of("office.handover_month").label("de")
            rc.find(v.Btn, children=[texts.tr("reset", "de")]).widget.click()
            while rc.find(children=[texts.tr("building", "de")]).widgets:  # the page builds the pair in a thread
                time.sleep(0.05)
        step = rc.find(v.Btn, children=[texts.tr("step", "de")])
        for i in range(warmup + steps):
            t0 = time.perf_counter()
            step.widget.click()
            if i >= warmup:
                times.append(time.perf_counter() - t0)
        shown = " ".join(w.unsafe_innerHTML or "" for w in rc.find(HTML).widgets)
        assert f"Monat {warmup + steps} · " in shown, "the page did not step"
        assert ("district-view-B" in shown) == compare, "the page is not side by side" if compare else "the page is not single"
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Dashboard step + views at 1:1, single and side by side.")
    parser.add_argument("--steps", type=int, default=40, help="timed steps per case (default 40)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed steps first (default 20)")
    args = parser.parse_args(argv)
    pinned = pin_to_one_cpu()
    print(f"kranichstein_sued 1:1 (6,926 residents); {pinned}; {args.steps} steps after {args.warmup} warm-up; medians")
    ok = True
    for what, timer in (("views", time_views), ("page", time_page)):
        for case, compare in (("single", False), ("side by side", True)):
            times = timer(compare, args.steps, args.warmup)
            median = statistics.median(times)
            p90 = sorted(times)[int(0.9 * (len(times) - 1))]
            verdict = "OK" if median < TARGETS[case] else "OVER TARGET"
            ok &= median < TARGETS[case]
            print(f"  {what:<5} {case:<12} median {median * 1000:6.1f} ms  (p90 {p90 * 1000:6.1f} ms)"
                  f"  target < {TARGETS[case] * 1000:.0f} ms -- {verdict}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
