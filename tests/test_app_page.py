"""Component tests of the workshop page (solara.render in a virtual kernel, no browser): the page's
own controls step and reset the run, levers reach the model, side by side with B's value from a
bounded control, one message for bad input, the scenario chooser (a city file opens the city),
saving, and one model per browser session."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import ipyvuetify as v
import pytest
import solara
import yaml
from solara.server import kernel, kernel_context
from solara.widgets import HTML

from stadtteil_sim.app import texts
from stadtteil_sim.app.defaults import ENV_LANG, ENV_SAVE_DIR, ENV_SCENARIO
from stadtteil_sim.app.page import Page
from stadtteil_sim.app.workshop import lever_of

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def scenario_dir(tmp_path, monkeypatch):
    """A scenario folder with a smaller Kranichstein-Süd (quick to build) and a broken file."""
    folder = tmp_path / "scenarios"
    folder.mkdir()
    ks = folder / "ks_small.yaml"
    ks.write_text(f"include: {ROOT / 'scenarios/kranichstein_sued.yaml'}\nname: ks_small\nrun: {{scale: 0.25}}\n", encoding="utf-8")
    (folder / "zz_broken.yaml").write_text("office:\n  handover_month: bald\n", encoding="utf-8")
    city = yaml.safe_load((ROOT / "scenarios/darmstadt.yaml").read_text(encoding="utf-8"))
    city["districts"] = [str(ROOT / "scenarios" / d) for d in city["districts"]]
    city["run"]["scale"] = 0.04
    city["city"] = {"name": "Darmstadt", "start_year": 2000}  # scaled: the text's totals no longer add up
    (folder / "darmstadt_small.yaml").write_text(yaml.safe_dump(city), encoding="utf-8")
    monkeypatch.setenv(ENV_SCENARIO, str(ks))
    monkeypatch.setenv(ENV_SAVE_DIR, str(tmp_path / "saved"))
    monkeypatch.delenv(ENV_LANG, raising=False)
    return folder


def new_context(name: str) -> kernel_context.VirtualKernelContext:
    return kernel_context.VirtualKernelContext(id=name, kernel=kernel.Kernel(), session_id=f"session-{name}")


@pytest.fixture
def dashboard(scenario_dir):
    """The page rendered in its own kernel context, as solara's server does for one browser tab."""
    context = new_context("page")
    with context:
        box, rc = solara.render(solara.AppLayout(children=[Page()]), handle_error=False)
        yield rc
    context.close()


def text_shown(rc, text: str) -> bool:
    return len(rc.find(children=[text]).widgets) > 0


def html_shown(rc, text: str) -> bool:
    """Text inside the page's HTML blocks (the monitors table, the ticker)."""
    return any(text in (getattr(w, "unsafe_innerHTML", None) or "") for w in rc.find(HTML).widgets)


def settle(rc, timeout: float = 60.0) -> None:
    """Wait until the page has built its run: a reset or another scenario builds in a thread
    while the header says so, and the thread has ended (its last state change and the render
    it triggers come after the note is gone)."""
    deadline = time.monotonic() + timeout
    while any(text_shown(rc, texts.tr("building", lang)) for lang in texts.LANGS):
        assert time.monotonic() < deadline, "the run was not built in time"
        time.sleep(0.02)
    for thread in threading.enumerate():
        if "TaskThreaded" in getattr(getattr(thread, "_target", None), "__qualname__", ""):
            thread.join(max(0.0, deadline - time.monotonic()))


def month_shown(rc) -> str:
    """The header's month, for a failing assertion's message."""
    return next((w.unsafe_innerHTML for w in rc.find(HTML).widgets if "month-now" in (w.unsafe_innerHTML or "")), "")


def click(rc, label: str) -> None:
    finder = rc.find(v.Btn, children=[label])
    finder.assert_single()
    finder.widget.click()
    settle(rc)


def choose_scenario(rc, words: str) -> None:
    rc.find(v.Select, label=texts.tr("scenario", "de")).widget.v_model = words
    settle(rc)


def test_step_advances_the_month_and_reset_goes_back(dashboard):
    assert html_shown(dashboard, "Monat 0 · 2000")
    click(dashboard, "Schritt")
    click(dashboard, "Schritt")
    assert html_shown(dashboard, "Monat 2 · 2000") and not html_shown(dashboard, "Monat 0 · 2000")
    click(dashboard, "Zurücksetzen")
    assert html_shown(dashboard, "Monat 0 · 2000")


def test_a_lever_moved_on_the_page_reaches_the_model_on_reset(dashboard):
    label = texts.lever_label("office.handover_month", "de")
    dashboard.find(v.Slider, label=label).widget.v_model = 2
    click(dashboard, "Zurücksetzen")
    for _ in range(3):
        click(dashboard, "Schritt")
    # The office hands over in month 2: the monitors and the ticker say so.
    assert html_shown(dashboard, "nur Unterstützung") and html_shown(dashboard, "Übergabe in Monat 2"), month_shown(dashboard)
    assert html_shown(dashboard, "Monat 2: Das Interkulturelle Büro wechselt zur Rolle")


def test_charts_and_district_view_change_after_a_step(dashboard):
    def pictures():
        return [w.unsafe_innerHTML for w in dashboard.find(HTML).widgets if "<img" in (getattr(w, "unsafe_innerHTML", "") or "")]

    before = pictures()
    assert len(before) == 5  # district, network, three charts
    for _ in range(6):
        click(dashboard, "Schritt")
    after = pictures()
    assert len(after) == 5 and all(a != b for a, b in zip(before, after, strict=True))


def choose_compare(rc, path: str) -> None:
    rc.find(v.Select, label=texts.tr("compare", "de")).widget.v_model = lever_of(path).label("de")


def type_b(rc, text: str) -> None:
    """Type into B's value field (it commits as typed: no Enter, no leaving the field)."""
    field = rc.find(v.TextField, label=f"{texts.tr('compare_value', 'de')}: {texts.tr('type_value', 'de')}").widget
    field.v_model = text


def errors(rc) -> list[str]:
    return [str(w.children) for w in rc.find(v.Alert).widgets if w.type == "error"]


def test_side_by_side_runs_two_copies_in_lock_step(dashboard):
    choose_compare(dashboard, "office.handover_month")
    assert text_shown(dashboard, "Monat 60")  # B's default: A's 36 + 24
    type_b(dashboard, "1")
    click(dashboard, "Zurücksetzen")
    click(dashboard, "Schritt")
    click(dashboard, "Schritt")
    assert html_shown(dashboard, "Monat 2 · 2000")
    images = " ".join(w.unsafe_innerHTML for w in dashboard.find(HTML).widgets if "<img" in (getattr(w, "unsafe_innerHTML", "") or ""))
    assert "district-view-A" in images and "district-view-B" in images
    assert html_shown(dashboard, "Übergabe in Monat 1") and html_shown(dashboard, "noch keine Übergabe")


@pytest.mark.parametrize("typed", ["abc", "999", "-3", "2.5"])
def test_a_bad_value_in_b_gives_one_message_and_keeps_the_run(dashboard, typed):
    choose_compare(dashboard, "office.handover_month")
    type_b(dashboard, typed)
    click(dashboard, "Zurücksetzen")
    shown = errors(dashboard)
    assert len(shown) == 1 and typed in shown[0] and "0" in shown[0] and "120" in shown[0], shown
    assert html_shown(dashboard, "district-view-A")  # the views stay


def test_a_bad_seed_gives_one_message(dashboard):
    dashboard.find(v.TextField, label=texts.tr("seed", "de")).widget.v_model = "abc"
    click(dashboard, "Zurücksetzen")
    assert len(errors(dashboard)) == 1 and "abc" in errors(dashboard)[0]


def test_broken_scenario_chosen_in_the_page_shows_a_message(dashboard, scenario_dir):
    choose_scenario(dashboard, "zz_broken")
    shown = errors(dashboard)
    assert len(shown) == 1 and "zz_broken.yaml" in shown[0] and "handover_month" in shown[0]
    # The page still works: choose a good scenario again and step.
    choose_scenario(dashboard, "ks_small")
    click(dashboard, "Schritt")
    assert html_shown(dashboard, "Monat 1 · 2000")


def test_a_city_file_opens_the_city_and_a_tile_opens_its_district(dashboard, scenario_dir):
    choose_scenario(dashboard, "Darmstadt – Die Stadt (7)")
    click(dashboard, "Schritt")
    assert html_shown(dashboard, "Kranichstein-Süd") and html_shown(dashboard, "Wartet auf Personal: Darmstadt-Mitte")
    choose_compare(dashboard, "office.staff_pool_hours")
    click(dashboard, "Zurücksetzen")
    click(dashboard, "Schritt")
    assert html_shown(dashboard, "<b>B:</b>")  # the staff pool of each copy
    tiles = dashboard.find(v.Card, class_="ws-tile waiting").widgets
    assert len(tiles) >= 2
    dashboard.find(v.Card, class_="ws-tile mode-moderation").widgets[0].fire_event("click", {})
    assert html_shown(dashboard, "district-view-A") and html_shown(dashboard, "district-view-B")
    click(dashboard, texts.tr("back_to_city", "de"))
    assert not html_shown(dashboard, "district-view-A")


def test_save_button_writes_a_scenario_the_analyst_can_load(dashboard, tmp_path):
    click(dashboard, texts.tr("save", "de"))
    saved = sorted((tmp_path / "saved").glob("*.yaml"))
    assert len(saved) == 1
    data = yaml.safe_load(saved[0].read_text(encoding="utf-8"))
    assert data["office"]["handover_month"] == 36 and data["run"]["seed"] == 1
    assert any(str(saved[0]) in str(w.children) for w in dashboard.find(v.Alert).widgets)


def test_language_switch_and_explanations(dashboard):
    assert text_shown(dashboard, "Was die Kennzahlen bedeuten")
    dashboard.find(v.BtnToggle).widget.v_model = texts.LANGS.index("en")
    assert text_shown(dashboard, "What the indicators mean") and html_shown(dashboard, "Month 0 · 2000")
    assert text_shown(dashboard, "Step") and text_shown(dashboard, "Reset")
    dashboard.find(v.ExpansionPanels).widget.v_model = 0  # open "What the indicators mean"
    shown = str(dashboard.find(v.ExpansionPanelContent).widget.children)
    for paragraph in texts.explanations("en"):
        assert paragraph in shown


def test_each_session_gets_its_own_model(scenario_dir):
    """Two browser tabs: stepping one leaves the other at month 0."""
    first, second = new_context("first"), new_context("second")
    with first:
        _, rc1 = solara.render(solara.AppLayout(children=[Page()]), handle_error=False)
    with second:
        _, rc2 = solara.render(solara.AppLayout(children=[Page()]), handle_error=False)
    with first:
        click(rc1, "Schritt")
        assert html_shown(rc1, "Monat 1 · 2000")
    with second:
        assert html_shown(rc2, "Monat 0 · 2000") and not html_shown(rc2, "Monat 1 · 2000")
    first.close()
    second.close()


def test_the_header_says_a_run_is_being_built_until_it_is_there(dashboard, monkeypatch):
    """A reset builds in a thread: meanwhile the header shows the note and the play controls
    wait; then the new run is on screen and the note is gone."""
    import threading

    from stadtteil_sim.app import page

    release = threading.Event()
    built = page.WorkshopModel

    def slow(*args, **kwargs):
        release.wait(30)
        return built(*args, **kwargs)

    monkeypatch.setattr(page, "WorkshopModel", slow)
    click(dashboard, "Schritt")
    dashboard.find(v.Btn, children=["Zurücksetzen"]).widget.click()
    assert text_shown(dashboard, "wird aufgebaut …")
    assert dashboard.find(v.Btn, children=["Schritt"]).widget.disabled
    assert dashboard.find(v.Btn, children=["Zurücksetzen"]).widget.disabled
    release.set()
    settle(dashboard)
    assert not text_shown(dashboard, "wird aufgebaut …") and html_shown(dashboard, "Monat 0 · 2000")
    assert not dashboard.find(v.Btn, children=["Schritt"]).widget.disabled
