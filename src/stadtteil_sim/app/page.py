"""The workshop page for a room: its own play controls (Zurücksetzen, Schritt, Start/Pause, Tempo),
the levers in a side panel, and the views laid out for a projector: a header that always shows
the month, the year and the office's mode, the district (or the city's districts as tiles) as
the largest element, the status in large type with A and B in columns, the charts on fixed axes.

Mesa's SolaraViz is not used: its controls and labels are English and cannot be translated, and
its grid shows the district far too small. Every browser session builds its own
``WorkshopModel`` (``use_memo``), so two rooms on one server never share a run. The server's
defaults (scenario, language, where scenarios are saved) come from environment variables that
``stadtteil-sim live`` sets.
"""

from __future__ import annotations

import base64
import html
import time
import weakref
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import reacton.ipyvuetify as rv
import solara
import solara.lab

from stadtteil_sim.app import texts, views
from stadtteil_sim.app.defaults import AppConfig
from stadtteil_sim.app.workshop import (
    CITY_LEVERS,
    LEVERS,
    NO_COMPARISON,
    Copy,
    Lever,
    WorkshopModel,
    check_value,
    default_b_value,
    lever_of,
    save_levers,
    scenario_files,
)
from stadtteil_sim.config.errors import ScenarioError
from stadtteil_sim.config.loading import read_yaml
from stadtteil_sim.model.district import StadtteilModel

# Milliseconds between months while playing, by the speed's text key.
SPEEDS = {"speed_slow": 1200, "speed_normal": 500, "speed_fast": 150}
SIDE_W = 290  # px, the side panel (never over the views: it is a column beside them)
# Height per width of the district picture's place at 1280x720, below the header: beside the
# status alone, half the views each side by side (views.DistrictLayout fills it).
DISTRICT_ASPECT = {False: 1.05, True: 1.35}

CSS = f"""
.ws-header {{ position: sticky; top: 0; z-index: 5; background: #fff; border-bottom: 2px solid #ddd;
  padding: 6px 12px; display: flex; flex-wrap: wrap; align-items: center; gap: 10px 18px; }}
.ws-title {{ display: block; font-size: 16px; font-weight: bold; color: #444; margin-bottom: 8px; }}
.ws-status {{ font-size: 22px; font-weight: bold; }}
.ws-status > span {{ white-space: nowrap; }}
div:has(> b > a[href="https://solara.dev"]) {{ display: none !important; }}
.ws-status .ws-mode {{ font-weight: normal; color: #a01818; }}
.ws-status .ws-mode + .ws-mode {{ margin-left: 12px; }}
.ws-building {{ font-size: 20px; font-weight: bold; color: #1f5fa8; }}
.ws-header .v-btn {{ font-size: 17px !important; text-transform: none !important; letter-spacing: 0 !important; }}
.ws-body {{ display: flex; align-items: flex-start; gap: 14px; padding: 8px 12px; }}
.ws-side {{ flex: 0 0 {SIDE_W}px; width: {SIDE_W}px; max-width: {SIDE_W}px; position: sticky; top: 64px;
  max-height: calc(100vh - 80px); overflow-y: auto; overflow-x: hidden; overflow-wrap: anywhere;
  font-size: 15px; padding-right: 6px; }}
.ws-main {{ flex: 1 1 auto; min-width: 0; }}
.ws-message {{ margin: 6px 12px 0 12px; overflow-wrap: anywhere; font-size: 17px; }}
.ws-lever {{ margin: 4px 0 10px 0; }}
.ws-lever-head {{ display: flex; justify-content: space-between; gap: 8px; font-size: 15px; line-height: 1.25; }}
.ws-lever-value {{ font-weight: bold; white-space: nowrap; font-size: 18px; }}
.ws-lever .v-slider + .v-label, .ws-lever .v-input__slot > .v-label {{ display: none !important; }}
.ws-group {{ font-weight: bold; font-size: 16px; margin: 14px 0 4px 0; border-bottom: 1px solid #ddd; }}
.ws-views {{ display: flex; gap: 10px; align-items: flex-start; }}
.ws-views img {{ width: 100%; height: auto; display: block; }}
.ws-picture {{ flex: 1 1 0; min-width: 0; }}
@media (min-width: 1700px) {{ .ws-side {{ flex-basis: 360px; width: 360px; max-width: 360px; }} }}
.ws-header .v-input {{ margin-top: 0; padding-top: 0; }}
.ws-speed {{ display: flex; align-items: center; gap: 6px; font-size: 17px; }}
.ws-speed .v-input {{ width: 110px; }}
.ws-header .v-btn-toggle .v-btn {{ min-width: 40px !important; }}
.ws-monitors {{ border-collapse: collapse; font-size: 18px; }}
.ws-monitors td, .ws-monitors th {{ padding: 3px 8px; vertical-align: top; border-bottom: 1px solid #eee; }}
.ws-monitors th {{ text-align: left; font-size: 18px; }}
.ws-monitors .ws-label {{ font-size: 16px; }}
.ws-monitors .ws-note {{ display: block; font-size: 13px; color: #666; }}
.ws-monitors .ws-value {{ font-size: 18px; font-weight: bold; white-space: nowrap; }}
.ws-legend {{ font-size: 16px; display: flex; flex-wrap: wrap; gap: 4px 14px; margin: 6px 0; }}
.ws-legend i {{ display: inline-block; width: 14px; height: 14px; margin-right: 5px; vertical-align: -1px; }}
.ws-ticker {{ font-size: 17px; padding-left: 18px; margin: 0; }}
.ws-ticker li {{ margin-bottom: 4px; }}
.ws-ticker small {{ display: block; font-size: 13px; color: #666; }}
.ws-grid {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr)); gap: 12px; margin-top: 12px; }}
.ws-heading {{ font-size: 19px; font-weight: bold; margin: 8px 0 4px 0; }}
.ws-tiles {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(270px, 1fr)); gap: 10px; }}
.ws-tiles.ab {{ grid-template-columns: repeat(auto-fill, minmax(440px, 1fr)); }}
.ws-tile {{ cursor: pointer; padding: 8px 10px !important; border: 2px solid #ccc !important; }}
.ws-tile.mode-moderation {{ background: #fdecec !important; border-color: #c83232 !important; }}
.ws-tile.mode-support {{ background: #fff4e0 !important; border-color: #d08a1a !important; }}
.ws-tile.waiting {{ background: #eeeeee !important; border-style: dashed !important; }}
.ws-tile-name {{ font-size: 20px; font-weight: bold; }}
.ws-tile table {{ font-size: 18px; border-collapse: collapse; }}
.ws-tile td {{ padding: 1px 6px 1px 0; }}
.ws-tile .ws-value {{ font-weight: bold; white-space: nowrap; }}
.ws-wait {{ font-size: 16px; color: #555; font-weight: bold; }}
.ws-pool {{ font-size: 18px; margin: 4px 0 10px 0; }}
"""

# --------------------------------------------------------------------------- pictures
# One district layout per model (its background is drawn once); forgotten with the model.
_district_views: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
# Pictures of the month on screen, per model: a model's state only changes when it steps, so each
# picture is drawn once per month and reused by every re-render until then.
_pictures: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def district_view(model: StadtteilModel, lang: str, side_by_side: bool) -> views.DistrictView:
    aspect = DISTRICT_ASPECT[side_by_side]
    cached = _district_views.get(model)
    if cached is None or cached.lang != lang or cached.aspect != aspect:
        cached = _district_views[model] = views.DistrictView(model, lang, legend=False, aspect=aspect)
    return cached


def cached_picture(model: Any, key: tuple, draw) -> str:
    """``draw()``'s PNG as a data URL, drawn once per (model, month, key)."""
    entry = _pictures.get(model)
    if entry is None or entry[0] != model.month:
        entry = _pictures[model] = (model.month, {})
    found = entry[1].get(key)
    if found is None:
        found = entry[1][key] = "data:image/png;base64," + base64.b64encode(views.png(draw())).decode("ascii")
    return found


def picture(url: str, css_class: str, data: dict[str, int] | None = None) -> None:
    """A picture as wide as its cell (``css_class`` names it for tests; ``data``: its geometry
    as ``data-`` attributes, for the browser test to measure on screen)."""
    attributes = "".join(f' data-{k}="{v}"' for k, v in (data or {}).items())
    solara.HTML(tag="div", unsafe_innerHTML=f'<img class="{css_class}" src="{url}" alt="{css_class}"{attributes}>',
                classes=["ws-picture"])


# --------------------------------------------------------------------------- what the page shows
def scenario_label(path: Path, lang: str) -> str:
    """A scenario in words: its district's or city's name (a city marked as such), not its file."""
    try:
        data = read_yaml(path)
    except ScenarioError:
        return path.name
    if "districts" in data:
        name = (data.get("city") or {}).get("name") or data.get("name") or path.stem
        return f"{name} – {texts.tr('city_view', lang)} ({len(data['districts'])})"
    name = (data.get("district") or {}).get("name") or str(data.get("name") or path.stem)
    return f"{name}" + (f" ({path.name})" if path.parent.name == "workshop" else "")


def parse_typed(lever: Lever, text: str) -> Any:
    """A number typed for a lever ('48', '0,6', '60 %'), checked against the lever's range."""
    raw = text.strip().replace(",", ".")
    percent = raw.endswith("%")
    number = float(raw.rstrip("%").strip())
    if percent:
        number /= 100
    if lever.kind == "int":
        if number != int(number):
            raise ValueError(text)
        number = int(number)
    return check_value(lever.path, number)


def allowed_range(lever: Lever, lang: str) -> str:
    if lever.kind in ("bool", "choice"):
        return " | ".join(texts.lever_value(lever.path, lever.kind, c, lang)
                          for c in ((True, False) if lever.kind == "bool" else lever.choices))
    lo, hi = (texts.lever_value(lever.path, lever.kind, x, lang) for x in (lever.lo, lever.hi))
    return texts.tr("value_range", lang, lo=lo, hi=hi)


def mode_words(copy: Copy, lang: str) -> str:
    """The office's mode: a district's in words; a city's as a count per mode in short words."""
    if copy.city is None:
        return texts.office_mode(copy.model.indicators["office_mode"], lang)
    counts = Counter("waiting" if tile.waiting else tile.mode for tile in views.city_tiles(copy.city))
    return " · ".join(f"{counts[mode]} {words[lang]}" for mode, words in texts.MODE_COUNTS.items() if counts[mode])


def month_words(workshop: WorkshopModel, lang: str) -> str:
    start = (workshop.city_base.city.start_year if workshop.city_base else workshop.base.district.start_year)
    month = workshop.month
    return texts.tr("month_year", lang, month=month, year=start + month // 12)


def _number(x: float, lang: str) -> str:
    return f"{x:,.0f}".replace(",", "." if lang == "de" else ",")


# --------------------------------------------------------------------------- controls
@solara.component
def LeverControl(lever: Lever, value: Any, on_value, lang: str, key_prefix: str = "lever", prefix: str = ""):
    """One lever as a facilitator reads it out: its label and value (with unit) above a
    full-width slider, a choice in words, or a checkbox (``prefix``: 'B: ' for the comparison)."""
    label = prefix + lever.label(lang)
    if lever.kind == "bool":
        solara.Checkbox(label=label, value=bool(value), on_value=on_value)
        return
    if lever.kind == "choice":
        words = [texts.choice(c, lang) for c in lever.choices]
        solara.Select(label, values=words, value=texts.choice(str(value), lang),
                      on_value=lambda w: on_value(lever.choices[words.index(w)]))
        return
    shown = value if value is not None else lever.hi
    with solara.Column(gap="0px", classes=["ws-lever"]):
        with solara.Div(classes=["ws-lever-head"]):
            solara.Text(label)
            solara.Text(texts.lever_value(lever.path, lever.kind, value, lang), classes=["ws-lever-value", f"{key_prefix}-value"])
        rv.Slider(v_model=shown, on_v_model=lambda x: on_value(int(x) if lever.kind == "int" else round(float(x), 4)),
                 label=label, min=lever.lo, max=lever.hi, step=lever.step, hide_details=True, thumb_label=False)


@solara.component
def BControl(lever: Lever, value: Any, on_value, on_bad, lang: str):
    """The comparison value in B: the lever's own control (bounded to its range) and, for a
    number, a field to type it; a bad typed value's message goes to ``on_bad`` (None once it is
    good again), which the page shows in its one message place and refuses to reset with.

    The field commits as it is typed: its value reaches the page with every key, while a commit on
    Enter or leaving the field needs event listeners that reach the browser only after the field is
    on screen (a value typed at once was lost, and Reset ran without it)."""
    text, set_text = solara.use_state("")
    LeverControl(lever, value, on_value, lang, key_prefix="compare", prefix="B: ")
    if lever.kind in ("int", "float"):

        def typed(entered: str):
            set_text(entered)
            if not entered.strip():
                on_bad(None)
                return
            try:
                on_value(parse_typed(lever, entered))
                on_bad(None)
            except ValueError:
                on_bad(texts.tr("bad_value", lang, label=f"{texts.tr('compare_value', lang)} ({lever.label(lang)})",
                                value=entered.strip(), allowed=allowed_range(lever, lang)))

        solara.InputText(f"{texts.tr('compare_value', lang)}: {texts.tr('type_value', lang)}", value=text,
                         on_value=typed, continuous_update=True, classes=["compare-typed"])


# --------------------------------------------------------------------------- the district
def legend_html(model: StadtteilModel, lang: str) -> str:
    swatches = "".join(
        f'<span><i style="background: rgb{views.community_colour(i)}"></i>{html.escape(texts.community(name, lang))}</span>'
        for i, name in enumerate(model.community_names)
    )
    levels = " · ".join(texts.tr("legend_level", lang).split(" · "))
    return f'{swatches}<span style="color:#555">{html.escape(levels)}</span>'


def monitor_table(models: list[tuple[str, StadtteilModel]], lang: str) -> str:
    """The status as one table: a row per figure with what it means, a column per copy."""
    rows_by_copy = [views.monitor_rows(m, lang) for _, m in models]
    head = ""
    if len(models) > 1:
        head = "<tr><th></th>" + "".join(f"<th>{label}</th>" for label, _ in models) + "</tr>"
    body = []
    for i, (key, label, _) in enumerate(rows_by_copy[0]):
        if key == "month":
            continue
        label = label or texts.tr("mark_handover", lang).capitalize()
        note = texts.MONITOR_NOTES.get(key, {}).get(lang, "")
        cells = "".join(f'<td class="ws-value">{html.escape(rows[i][2])}</td>' for rows in rows_by_copy)
        note_html = f'<span class="ws-note">{html.escape(note)}</span>' if note else ""
        body.append(f'<tr><td class="ws-label">{html.escape(label)}{note_html}</td>{cells}</tr>')
    return head + "".join(body)


def ticker_html(model: StadtteilModel, lang: str, last: int = 8) -> str:
    lines = model.state.counters.events[-last:][::-1]
    if not lines:
        return f"<li>{html.escape(texts.tr('no_events', lang))}</li>"
    items = []
    for line in lines:
        note = texts.event_note(line, lang)
        items.append(f"<li>{html.escape(texts.event_text(line, lang))}"
                     + (f"<small>{html.escape(note)}</small>" if note else "") + "</li>")
    return "".join(items)


@solara.component
def DistrictPanel(workshop: WorkshopModel, name: str | None, lang: str, tick: int):
    """One district's full view: the picture(s), the status, the events, the organisations, the charts."""
    copies = [(c.label, c.districts[name] if name else c.model) for c in workshop.copies]
    multi = len(copies) > 1
    with solara.Div(classes=["ws-views"]):
        for label, model in copies:
            title = views.title(model, lang, label if multi else "")
            url = cached_picture(model, ("district", lang, title),
                                 lambda model=model, title=title: district_view(model, lang, multi).image(title))
            picture(url, f"district-view-{label}", {"dot": views.DOT, "type": views.TYPE})
        if not multi:
            with solara.Div(style={"flex": "0 1 auto", "max-width": "36%"}):
                solara.HTML(tag="table", unsafe_innerHTML=monitor_table(copies, lang), classes=["ws-monitors", "monitors-A"])
    solara.HTML(tag="div", unsafe_innerHTML=legend_html(copies[0][1], lang), classes=["ws-legend"])
    if multi:
        solara.HTML(tag="table", unsafe_innerHTML=monitor_table(copies, lang), classes=["ws-monitors", "monitors-AB"])
    with solara.Div(classes=["ws-grid"]):
        for label, model in copies:
            with solara.Div():
                solara.Text(texts.tr("ticker", lang) + (f" {label}" if multi else ""), classes=["ws-heading"])
                solara.HTML(tag="ul", unsafe_innerHTML=ticker_html(model, lang), classes=["ws-ticker", f"ticker-{label}"])
        for kind in views.charts():
            key = ("chart", kind, lang, tuple((label, id(m), m.month) for label, m in copies))
            url = cached_picture(copies[0][1], key, lambda kind=kind: views.chart_image(kind, copies, lang))
            picture(url, f"chart-{kind}")
        for label, model in copies:
            title = label if multi else ""
            url = cached_picture(model, ("network", lang, title),
                                 lambda model=model, title=title: views.network_image(model, lang, title))
            picture(url, f"network-view-{label}")


# --------------------------------------------------------------------------- the city
def tile_html(name: str, tiles: list[tuple[str, views.Tile]], lang: str) -> str:
    multi = len(tiles) > 1
    head = "<tr><td></td>" + "".join(f"<td><b>{label}</b></td>" for label, _ in tiles) + "</tr>" if multi else ""

    def row(key: str, values: list[str]) -> str:
        return f"<tr><td>{texts.tr(key, lang)}</td>" + "".join(f'<td class="ws-value">{html.escape(x)}</td>' for x in values) + "</tr>"

    rows = [
        row("tile_participation", [f"{t.participation:.0%}" for _, t in tiles]),
        row("tile_office", [texts.tr("waiting_for_staff", lang) if t.waiting else texts.office_mode(t.mode, lang) for _, t in tiles]),
        row("tile_waited", [texts.tr("months_n", lang, n=t.months_waited) for _, t in tiles]),
        row("tile_hours", [texts.tr("hours_of", lang, granted=_number(t.granted, lang), requested=_number(t.requested, lang))
                           for _, t in tiles]),
    ]
    return (f'<div class="ws-tile-name">{html.escape(name)}</div>'
            f'<table>{head}{"".join(rows)}</table>')


@solara.component
def DistrictTile(tile: views.Tile, pairs: list[tuple[str, views.Tile]], lang: str, on_open):
    """One district's tile; a click opens its full view."""
    state = "waiting" if tile.waiting else f"mode-{tile.mode.replace(' ', '-')}"
    card = rv.Card(children=[solara.HTML(tag="div", unsafe_innerHTML=tile_html(tile.name, pairs, lang))],
                   class_=f"ws-tile {state}", outlined=True)
    rv.use_event(card, "click", lambda *_: on_open(tile.name))
    return card


@solara.component
def CityPanel(workshop: WorkshopModel, lang: str, on_open, tick: int):
    """The city: a tile per district (participation, office mode, waiting), the staff pool and who
    waits for it, and every district's participation over the run. A click opens a district."""
    cities = [(c.label, c.city) for c in workshop.copies]
    multi = len(cities) > 1
    solara.Text(texts.tr("pool", lang), classes=["ws-heading"])
    for label, city in cities:
        tiles = views.city_tiles(city)
        pool = texts.tr("pool_unlimited", lang) if city.pool is None else _number(city.pool, lang)
        line = texts.tr("pool_line", lang, pool=pool, granted=_number(city.city_indicators["staff_hours_granted"], lang),
                        requested=_number(city.city_indicators["staff_hours_requested"], lang))
        waiting = [t.name for t in tiles if t.waiting]
        who = f"{texts.tr('waiting_for_staff', lang)}: {', '.join(waiting)}" if waiting else texts.tr("nobody_waiting", lang)
        solara.HTML(tag="div", unsafe_innerHTML=f"{'<b>' + label + ':</b> ' if multi else ''}{html.escape(line)}<br>"
                    f'<span class="ws-wait">{html.escape(who)}</span>', classes=["ws-pool", f"pool-{label}"])
    solara.Text(f"{texts.tr('city_view', lang)} · {texts.tr('open_district', lang)}", classes=["ws-heading"])
    per_copy = [views.city_tiles(city) for _, city in cities]
    with solara.Div(classes=["ws-tiles", "ab" if multi else "single"]):
        for i, tile in enumerate(per_copy[0]):
            pairs = [(label, tiles[i]) for (label, _), tiles in zip(cities, per_copy, strict=True)]
            DistrictTile(tile, pairs, lang, on_open)
    key = ("city-chart", lang, tuple((label, id(c), c.month) for label, c in cities))
    with solara.Div(classes=["ws-grid"]):
        url = cached_picture(cities[0][1], key, lambda: views.city_chart_image(cities, lang))
        picture(url, "chart-city")


# --------------------------------------------------------------------------- the page
@solara.component
def Page():
    config = solara.use_memo(AppConfig.from_env, [])
    lang = solara.use_reactive(config.lang)
    initial = solara.use_memo(lambda: WorkshopModel(config.scenario), [])
    workshop_r = solara.use_reactive(initial)
    tick = solara.use_reactive(0)  # bumped after each month: the views re-render
    playing = solara.use_reactive(False)
    speed = solara.use_reactive("speed_normal")
    message = solara.use_reactive(("error", f"{texts.tr('load_failed', config.lang)}: {initial.error}")
                                  if initial.error else ("", ""))
    pending = solara.use_reactive(dict(initial.levers))  # the levers as set in the panel (applied on Reset)
    seed_text = solara.use_reactive(str(initial.seed_value) if initial.seed_value is not None else "")
    compare = solara.use_reactive(NO_COMPARISON)
    b_value = solara.use_reactive(None)
    b_bad = solara.use_reactive(None)  # the message for a bad value typed for B, until it is mended
    focus = solara.use_reactive(None)  # a city's district opened from its tile; None: the city
    workshop = workshop_r.value
    L = lang.value

    def error(text: str):
        message.set(("error", text))

    def bad_b(text: str | None):
        b_bad.set(text)
        if text:
            error(text)
        elif message.value[0] == "error":
            message.set(("", ""))

    def replace(new: WorkshopModel):
        playing.set(False)
        workshop_r.set(new)
        pending.set(dict(new.levers))
        tick.set(tick.value + 1)

    def build(make: Callable[[], WorkshopModel], done: Callable[[WorkshopModel], None]):
        """In a thread (``builder``): the page stays live and shows the note until the run is there."""
        try:
            done(make())
        except Exception as exc:  # shown to the room, never a crash
            error(texts.tr("run_failed", L, error=exc))

    builder = solara.lab.use_task(build, dependencies=None, prefer_threaded=True)
    building = builder.pending  # a run is being built (a city's takes seconds; the header says so)

    def rebuild(make: Callable[[], WorkshopModel], done: Callable[[WorkshopModel], None]):
        playing.set(False)
        builder(make, done)

    def choose(path: str):
        def done(new: WorkshopModel):
            if new.error:
                error(f"{texts.tr('load_failed', L)}: {new.error}")
                return
            message.set(("", ""))
            seed_text.set(str(new.seed_value))
            compare.set(NO_COMPARISON)
            b_value.set(None)
            focus.set(None)
            replace(new)

        rebuild(lambda: WorkshopModel(path), done)

    def reset():
        w = workshop_r.value
        if b_bad.value and compare.value != NO_COMPARISON:
            error(b_bad.value)
            return
        text = seed_text.value.strip()
        if text and not (text.isdigit()):
            error(texts.tr("bad_seed", L, value=text))
            return
        changed = {lever_of(p).param: val for p, val in pending.value.items() if val != w.base_levers.get(p)}
        b = b_value.value
        levers = dict(pending.value)

        def done(new: WorkshopModel):
            if new.error:
                error(texts.tr("run_failed", L, error=new.error))
                return
            message.set(("", ""))
            replace(new)
            pending.set(levers)

        rebuild(lambda: WorkshopModel(w.scenario_file, seed=text or None, compare=compare.value,
                                      compare_value="" if b is None or compare.value == NO_COMPARISON else b, **changed),
                done)

    def step_once():
        w = workshop_r.value
        if w.error or not w.copies or not w.running:
            playing.set(False)
            return
        w.step()
        tick.set(tick.value + 1)

    def play_loop():
        while playing.value:
            time.sleep(SPEEDS[speed.value] / 1000)
            if not playing.value:
                break
            step_once()

    solara.lab.use_task(play_loop, dependencies=[playing.value], prefer_threaded=True)

    def save():
        try:
            written = save_levers(workshop_r.value, config.save_dir)
        except Exception as exc:  # shown to the room, never a crash
            error(texts.tr("save_failed", L, error=exc))
            return
        message.set(("ok", texts.tr("saved", L, paths=", ".join(str(p) for p in written))))

    def set_lever(path: str, value: Any):
        pending.set({**pending.value, path: value})

    def set_compare(path: str):
        compare.set(path)
        b_bad.set(None)
        a = pending.value.get(path)
        b_value.set(None if path == NO_COMPARISON else default_b_value(path, a))

    solara.Style(CSS)
    # ---------------------------------------------------------------- header: always on screen
    # The controls come first and never move: a status or a note before them, whose width changes
    # with the month, the office's mode or a build finishing, shifted them under the pointer (a
    # click meant for Schritt landed on Start as "wird aufgebaut …" went away).
    with solara.Div(classes=["ws-header"]):
        disabled = not workshop.copies or building
        solara.Button(texts.tr("reset", L), on_click=reset, color="primary", outlined=True, disabled=building)
        solara.Button(texts.tr("step", L), on_click=step_once, color="primary", disabled=disabled or playing.value)
        solara.Button(texts.tr("pause" if playing.value else "play", L), on_click=lambda: playing.set(not playing.value),
                      color="primary", disabled=disabled)
        speed_words = [texts.tr(k, L) for k in SPEEDS]
        # "Tempo" beside the select, not as its floating label: the header's tight inputs left
        # that label no room and cut it at the top edge.
        with solara.Div(classes=["ws-speed"]):
            solara.Text(texts.tr("speed", L))
            solara.Select("", values=speed_words, value=texts.tr(speed.value, L), dense=True,
                          on_value=lambda w: speed.set(list(SPEEDS)[speed_words.index(w)]))
        solara.ToggleButtonsSingle(value=lang, values=list(texts.LANGS), dense=True)
        if workshop.copies:
            modes = " ".join(f'<span class="ws-mode">{html.escape((f"{c.label}: " if len(workshop.copies) > 1 else "") + mode_words(c, L))}</span>'
                             for c in workshop.copies)
            solara.HTML(tag="div", unsafe_innerHTML=f'<span class="month-now">{html.escape(month_words(workshop, L))}</span> {modes}',
                        classes=["ws-status"])
        if building:
            solara.Text(texts.tr("building", L), classes=["ws-building"])
        if workshop.copies and not workshop.running:
            solara.Text(texts.tr("run_end", L), style={"font-size": "18px", "font-weight": "bold"})
    # ---------------------------------------------------------------- the one message place
    kind, text = message.value
    if kind == "error":
        solara.Error(text, classes=["ws-message", "page-message"])
    elif kind == "ok":
        solara.Success(text, classes=["ws-message", "page-message"])
    with solara.Div(classes=["ws-body"]):
        with solara.Div(classes=["ws-side"]):
            SidePanel(workshop, config, L, pending.value, set_lever, seed_text, compare.value, set_compare,
                      b_value, bad_b, choose, save, building)
        with solara.Div(classes=["ws-main"]):
            if workshop.copies:
                if workshop.is_city and focus.value is None:
                    CityPanel(workshop, L, focus.set, tick.value)
                else:
                    if workshop.is_city:
                        solara.Button(texts.tr("back_to_city", L), on_click=lambda: focus.set(None), text=True,
                                      style={"font-size": "18px", "text-transform": "none"})
                    DistrictPanel(workshop, focus.value, L, tick.value)


@solara.component
def SidePanel(workshop: WorkshopModel, config: AppConfig, lang: str, levers: dict, set_lever, seed_text,
              compare: str, set_compare, b_value, on_bad, choose, save, busy: bool):
    """Scenario, seed, comparison and its value in B, the levers, saving, the explanations
    (``busy``: a run is being built; no other scenario until it is there)."""
    solara.Text(texts.tr("title", lang), classes=["ws-title"])
    files = solara.use_memo(lambda: [str(p) for p in scenario_files(config.scenario_dir)], [])
    current = str(workshop.scenario_file)
    choices = files if current in files else [*files, current]
    words = solara.use_memo(lambda: [scenario_label(Path(p), lang) for p in choices], [tuple(choices), lang])
    solara.Select(texts.tr("scenario", lang), values=words, value=words[choices.index(current)],
                  on_value=lambda w: choose(choices[words.index(w)]), disabled=busy)
    solara.InputText(texts.tr("seed", lang), value=seed_text, continuous_update=True)
    options = [NO_COMPARISON, *workshop.compare_levers] if workshop.copies else [NO_COMPARISON]
    option_words = [texts.choice(NO_COMPARISON, lang) if p == NO_COMPARISON else lever_of(p).label(lang) for p in options]
    solara.Select(texts.tr("compare", lang), values=option_words,
                  value=option_words[options.index(compare)] if compare in options else option_words[0],
                  on_value=lambda w: set_compare(options[option_words.index(w)]))
    if compare != NO_COMPARISON and compare in options:
        BControl(lever_of(compare), b_value.value, b_value.set, on_bad, lang)
    solara.Text(texts.tr("apply_hint", lang), style={"font-size": "14px", "color": "#555"})
    if workshop.is_city:
        solara.Text(texts.tr("city_levers", lang), classes=["ws-group"])
        solara.Text(texts.tr("city_levers_hint", lang), style={"font-size": "14px", "color": "#555"})
        for lever in CITY_LEVERS:
            LeverControl(lever, levers.get(lever.path), lambda x, p=lever.path: set_lever(p, x), lang)
    solara.Text(texts.tr("district_levers" if workshop.is_city else "levers", lang), classes=["ws-group"])
    switches_started = False
    for lever in LEVERS:
        if lever.path not in levers:
            continue
        if lever.path.startswith("mechanisms.") and not switches_started:
            switches_started = True
            solara.Text(texts.tr("switches", lang), classes=["ws-group"])
        LeverControl(lever, levers[lever.path], lambda x, p=lever.path: set_lever(p, x), lang)
    solara.Button(texts.tr("save", lang), on_click=save, color="secondary", disabled=not workshop.copies,
                  style={"text-transform": "none", "margin": "10px 0"})
    with solara.Details(summary=texts.tr("explain_card", lang), expand=False):
        for paragraph in texts.explanations(lang):
            solara.Text(paragraph, style={"display": "block", "margin-bottom": "6px", "font-size": "14px"})
