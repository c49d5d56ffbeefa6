"""The workshop page in a real browser: Playwright drives Debian's Chromium against solara's test
server (solara's pytest plugin), with the front-end files from the offline cache.

It opens the page, steps and sees the month advance, moves a slider and resets, sees a chart
change, and finds no errors in the browser console. A screenshot is kept in tests/artifacts/.
Without a browser this test fails (it never skips): ./dev test installs Debian's chromium.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import CHROMIUM
from stadtteil_sim.app.defaults import ENV_LANG, ENV_SAVE_DIR, ENV_SCENARIO

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
TIMEOUT_MS = 30_000


@pytest.fixture
def dashboard_page(solara_server, solara_app, page_session, monkeypatch, tmp_path):
    assert Path(CHROMIUM).is_file(), (
        f"{CHROMIUM} is missing: the browser test needs Debian's chromium (./dev test installs it with apt-get)"
    )
    monkeypatch.setenv(ENV_SCENARIO, str(ROOT / "scenarios" / "kranichstein_sued.yaml"))
    monkeypatch.setenv(ENV_LANG, "de")
    monkeypatch.setenv(ENV_SAVE_DIR, str(tmp_path / "saved"))
    messages: list[tuple[str, str]] = []
    failed: list[str] = []

    def on_console(message):
        messages.append((message.type, message.text))

    def on_failed(request):
        failed.append(request.url)

    page_session.on("console", on_console)
    page_session.on("requestfailed", on_failed)
    page_session.set_viewport_size({"width": 1600, "height": 1200})
    with solara_app("stadtteil_sim.app.page"):
        page_session.goto(solara_server.base_url)
        yield page_session, messages, failed
        page_session.goto("about:blank")
    page_session.remove_listener("console", on_console)
    page_session.remove_listener("requestfailed", on_failed)


def test_step_slider_reset_and_chart_in_chromium(dashboard_page):
    page, messages, failed = dashboard_page
    page.get_by_text("Monat 0 · 2000", exact=True).wait_for(timeout=TIMEOUT_MS)

    step = page.get_by_role("button", name=re.compile("^step$", re.I))
    step.click()
    page.get_by_text("Monat 1 · 2000", exact=True).wait_for(timeout=TIMEOUT_MS)
    step.click()
    page.get_by_text("Monat 2 · 2000", exact=True).wait_for(timeout=TIMEOUT_MS)
    chart = page.locator("img.chart-participation")
    stepped_chart = chart.get_attribute("src")

    # Handover at month 0 instead of 36: the office is in support from the start after Reset.
    slider = page.get_by_role("slider", name="Übergabe an Unterstützung (Monat)")
    slider.focus()
    slider.press("Home")
    page.wait_for_function("() => document.querySelector('[aria-label=\"Übergabe an Unterstützung (Monat)\"]').getAttribute('aria-valuenow') === '0'")
    page.get_by_role("button", name=re.compile("^reset$", re.I)).click()
    page.get_by_text("Monat 0 · 2000", exact=True).wait_for(timeout=TIMEOUT_MS)
    page.locator("table.monitors-A", has_text="nur Unterstützung").wait_for(timeout=TIMEOUT_MS)
    page.wait_for_function(
        "(before) => document.querySelector('img.chart-participation').getAttribute('src') !== before", arg=stepped_chart
    )
    assert chart.get_attribute("src") != stepped_chart

    step.click()
    page.get_by_text("Monat 1 · 2000", exact=True).wait_for(timeout=TIMEOUT_MS)
    assert page.locator("img.district-view-A").count() == 1 and page.locator("img.network-view-A").count() == 1

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
    errors = [text for kind, text in messages if kind == "error"]
    assert errors == [], errors
    assert [url for url in failed if "/_solara/cdn/" in url] == []  # every front-end file served offline
