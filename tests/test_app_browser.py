"""The workshop page in a real browser, as a room sees it: Playwright drives Debian's Chromium
against solara's test server (solara's pytest plugin), with the front-end files from the offline
cache, at a projector's 1280×720 and at 1920×1080.

At each size: no English control word (nor a dotted identifier) on the German page, no status
value clipped (``scrollWidth <= clientWidth``, inside the window) or below 18 px, the month and
the office's mode visible without scrolling (and still after scrolling) on one line, the header
with the controls on at most two, the district picture's type and the legend at least 12 px; at
1280×720 a resident's dot at least 5 px alone, 4.5 px side by side. A bad value for B gives one
message and the views stay; while the city is built the header says so. Screenshots of a
district and of the city, single and side by side, are kept in tests/artifacts/ (git-ignored).
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
TIMEOUT_MS = 60_000
SIZES = ((1280, 720), (1920, 1080))
# Mesa's and Vuetify's English a German page must not show ("Pause" is German too).
ENGLISH = ("Controls", "Play Interval", "Render Interval", "Use Threads", "Reset", "Step", "Play", "Model Parameters",
           "Information", "Time:", "PAGE", "Scenario", "Seed", "Compare", "Save", "none", "fixed", "stable", "rollout")
# The page scrolls inside solara's layout, not the window: every scrolled element back to the top.
TO_TOP = "() => { window.scrollTo(0, 0); document.querySelectorAll('*').forEach(e => { if (e.scrollTop) e.scrollTop = 0; }); }"
DOTTED = re.compile(r"\b[a-z_]+\.[a-z_]+\b")


@pytest.fixture
def open_page(solara_server, solara_app, page_session, monkeypatch, tmp_path):
    """A function that opens the page on a scenario; yields it and the console's errors."""
    assert Path(CHROMIUM).is_file(), (
        f"{CHROMIUM} is missing: the browser test needs Debian's chromium (./dev test installs it with apt-get)"
    )
    monkeypatch.setenv(ENV_LANG, "de")
    monkeypatch.setenv(ENV_SAVE_DIR, str(tmp_path / "saved"))
    errors: list[str] = []
    failed: list[str] = []

    def on_console(message):
        if message.type == "error":
            errors.append(message.text)

    def on_failed(request):
        failed.append(request.url)

    page_session.on("console", on_console)
    page_session.on("requestfailed", on_failed)
    with solara_app("stadtteil_sim.app.page"):

        def opened(scenario: Path):
            monkeypatch.setenv(ENV_SCENARIO, str(scenario))
            page_session.set_viewport_size({"width": SIZES[0][0], "height": SIZES[0][1]})
            page_session.goto(solara_server.base_url)
            page_session.locator(".month-now", has_text="Monat 0 · 2000").wait_for(timeout=TIMEOUT_MS)
            return page_session

        yield opened
        page_session.goto("about:blank")
    page_session.remove_listener("console", on_console)
    page_session.remove_listener("requestfailed", on_failed)
    assert errors == [], errors
    assert [url for url in failed if "/_solara/cdn/" in url] == []  # every front-end file served offline


def month_is(page, month: int) -> None:
    page.locator(".month-now", has_text=re.compile(rf"^Monat {month} · ")).wait_for(timeout=TIMEOUT_MS)


def button(page, name: str):
    return page.get_by_role("button", name=name, exact=True)


def choose(page, label: str, option: str) -> None:
    """Pick ``option`` in the select labelled ``label`` (a Vuetify menu)."""
    page.locator(".v-select", has=page.locator("label", has_text=label)).first.click()
    page.locator(".menuable__content__active .v-list-item", has_text=option).first.click()


# Each district picture as shown: a resident's dot and the picture's smallest type in screen
# pixels (the picture's own sizes, scaled by its width on screen over its width as drawn).
ON_SCREEN = """() => [...document.querySelectorAll('img[data-dot]')].map(e => {
    const box = e.getBoundingClientRect(), scale = box.width / e.naturalWidth;
    return {name: e.className, dot: e.dataset.dot * scale, type: e.dataset.type * scale, bottom: box.bottom};
  })"""


# The header: the status (month and modes) on one line, with the controls on at most two.
HEADER = """() => {
    const s = document.querySelector('.ws-status'), style = getComputedStyle(s);
    return {status: s.getBoundingClientRect().height, line: parseFloat(style.lineHeight) || 1.3 * parseFloat(style.fontSize),
            header: document.querySelector('.ws-header').getBoundingClientRect().height,
            row: document.querySelector('.ws-header .v-btn').getBoundingClientRect().height + 20};
  }"""


def district_on_screen(page) -> list[dict]:
    page.locator("img[data-dot]").first.wait_for(timeout=TIMEOUT_MS)
    page.wait_for_function("() => [...document.querySelectorAll('img[data-dot]')].every(e => e.complete && e.naturalWidth)")
    return page.evaluate(ON_SCREEN)


def check_room(page, name: str, dot: float | None = None) -> None:
    """At both sizes: the checks of the module docstring, then a screenshot ``name-WxH.png``;
    ``dot``: every district picture shows a resident at least this many pixels wide at the
    first size (1280×720), its type and the legend's at least 12 px."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.evaluate(TO_TOP)
        page.wait_for_timeout(300)
        if dot is not None:
            shown = district_on_screen(page)
            assert shown and all(p["type"] >= 12 for p in shown), (name, width, shown)
            if width == SIZES[0][0]:
                assert all(p["dot"] >= dot for p in shown), (name, width, shown)
            legend = page.evaluate("() => parseFloat(getComputedStyle(document.querySelector('.ws-legend')).fontSize)")
            assert legend >= 12, (name, width, legend)
        text = page.evaluate("() => document.body.innerText")
        english = [w for w in ENGLISH if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text)]
        assert english == [], (name, width, english)
        assert DOTTED.findall(text) == [], (name, width, DOTTED.findall(text))
        bad = page.evaluate("""() => [...document.querySelectorAll('.ws-value, .ws-status')].map(e => {
            const r = e.getBoundingClientRect(), size = parseFloat(getComputedStyle(e).fontSize);
            return {text: e.innerText, clipped: e.scrollWidth > e.clientWidth || r.right > innerWidth + 0.5, size};
          }).filter(c => c.clipped || c.size < 18)""")
        assert bad == [], (name, width, bad)
        assert page.locator(".ws-value").count() > 0
        header = page.evaluate(HEADER)
        assert header["status"] < 1.5 * header["line"] and header["header"] <= 2 * header["row"], (name, width, header)
        page.screenshot(path=str(ARTIFACTS / f"{name}-{width}x{height}.png"))
        for scrolled in (False, True):
            if scrolled:
                page.mouse.wheel(0, 3000)
                page.wait_for_timeout(200)
            box = page.locator(".ws-status").bounding_box()
            assert box and box["y"] >= 0 and box["y"] + box["height"] <= height, (name, width, scrolled, box)
        page.evaluate(TO_TOP)


def test_district_single_and_side_by_side(open_page):
    page = open_page(ROOT / "scenarios" / "kranichstein_sued.yaml")
    button(page, "Schritt").click()
    month_is(page, 1)
    # Handover at month 0 instead of 36: the office is in support from the start after Reset.
    slider = page.get_by_role("slider", name="Übergabe an Unterstützung (Monat)")
    slider.focus()
    slider.press("Home")
    page.locator(".ws-lever-value", has_text="Monat 0").first.wait_for(timeout=TIMEOUT_MS)
    button(page, "Zurücksetzen").click()
    month_is(page, 0)
    page.locator("table.monitors-A", has_text="nur Unterstützung").wait_for(timeout=TIMEOUT_MS)
    button(page, "Schritt").click()
    month_is(page, 1)
    check_room(page, "district-single", dot=5)

    choose(page, "Vergleich", "Übergabe an Unterstützung (Monat)")
    field = page.get_by_label("Wert in B: Wert eintippen")
    field.fill("abc")
    field.press("Enter")
    button(page, "Zurücksetzen").click()
    page.locator(".page-message").wait_for(timeout=TIMEOUT_MS)
    assert page.locator(".page-message").count() == 1 and page.locator(".v-alert").count() == 1
    assert "abc" in page.locator(".page-message").inner_text()
    assert page.locator("img.district-view-A").count() == 1  # the run on screen stays
    field.fill("24")
    field.press("Enter")
    page.locator(".page-message").wait_for(state="detached", timeout=TIMEOUT_MS)
    button(page, "Zurücksetzen").click()
    page.locator("img.district-view-B").wait_for(timeout=TIMEOUT_MS)
    for month in (1, 2):
        button(page, "Schritt").click()
        month_is(page, month)
    check_room(page, "district-ab", dot=4.5)


def test_city_single_side_by_side_and_a_district_opened(open_page):
    page = open_page(ROOT / "scenarios" / "darmstadt.yaml")
    page.locator(".ws-tile").first.wait_for(timeout=TIMEOUT_MS)
    assert page.locator(".ws-tile").count() == 7
    for month in (1, 2):
        button(page, "Schritt").click()
        month_is(page, month)
    page.locator(".ws-wait", has_text="Wartet auf Personal: Darmstadt-Mitte").wait_for(timeout=TIMEOUT_MS)
    check_room(page, "city-single")

    choose(page, "Vergleich", "Personal des Büros für alle Stadtteile")
    page.set_viewport_size({"width": SIZES[0][0], "height": SIZES[0][1]})
    button(page, "Zurücksetzen").click()
    note = page.locator(".ws-building", has_text="wird aufgebaut …")  # the city's two copies take seconds
    note.wait_for(timeout=TIMEOUT_MS)
    page.screenshot(path=str(ARTIFACTS / "city-building-1280x720.png"))
    note.wait_for(state="detached", timeout=TIMEOUT_MS)
    page.locator(".pool-B").wait_for(timeout=TIMEOUT_MS)
    for month in (1, 2):
        button(page, "Schritt").click()
        month_is(page, month)
    check_room(page, "city-ab")

    page.locator(".ws-tile", has_text="Kranichstein-Süd").click()
    page.locator("img.district-view-B").wait_for(timeout=TIMEOUT_MS)
    check_room(page, "city-district-ab", dot=4.5)
    button(page, "← zur ganzen Stadt").click()
    page.locator(".ws-tile").first.wait_for(timeout=TIMEOUT_MS)
