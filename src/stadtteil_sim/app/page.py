"""The workshop page: Mesa's SolaraViz (Reset, Step, Play/Pause, speed, the levers as model
parameters) around the dashboard's own views, plus a card to choose a scenario, switch the
language, save the levers and read what the indicators mean.

Every browser session builds its own ``WorkshopModel`` inside ``Page`` (``use_memo``), so two
rooms watching the same server never share a model. The server's defaults (scenario, language,
where scenarios are saved) come from environment variables that ``stadtteil-sim live`` sets.
"""

from __future__ import annotations

import base64
import weakref
from functools import lru_cache

import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from stadtteil_sim.app import texts, views
from stadtteil_sim.app.defaults import AppConfig
from stadtteil_sim.app.workshop import (
    COMPARE_LEVERS,
    LEVERS,
    NO_COMPARISON,
    WorkshopModel,
    save_levers,
    scenario_files,
)
from stadtteil_sim.model.district import StadtteilModel

# One district layout per model (its background is drawn once); forgotten with the model.
_district_views: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def district_view(model: StadtteilModel, lang: str) -> views.DistrictView:
    cached = _district_views.get(model)
    if cached is None or cached.lang != lang:
        cached = _district_views[model] = views.DistrictView(model, lang)
    return cached


# --------------------------------------------------------------------------- model parameters
def model_params(workshop: WorkshopModel, lang: str) -> dict:
    """Mesa SolaraViz parameters: the scenario file (fixed), the seed, the comparison and every
    lever, each starting at the value of the run on screen."""
    values = workshop.levers
    params: dict = {"scenario_file": str(workshop.scenario_file)}
    params["seed"] = {"type": "InputText", "value": str(workshop.seed_value if workshop.seed_value is not None else ""),
                      "label": texts.tr("seed", lang)}
    params["compare"] = {"type": "Select", "value": workshop.compare, "label": texts.tr("compare", lang),
                         "values": [NO_COMPARISON, *COMPARE_LEVERS]}
    params["compare_value"] = {"type": "InputText", "value": "", "label": texts.tr("compare_value", lang)}
    for lever in LEVERS:
        label = texts.lever_label(lever.path, lang)
        value = values.get(lever.path)
        if value is None:
            continue  # the run could not be built: no levers to show until a scenario loads
        if lever.kind == "bool":
            params[lever.param] = {"type": "Checkbox", "value": bool(value), "label": label}
        elif lever.kind == "choice":
            params[lever.param] = {"type": "Select", "value": value, "values": list(lever.choices), "label": label}
        elif lever.kind == "int":
            params[lever.param] = {"type": "SliderInt", "value": int(value), "min": int(lever.lo), "max": int(lever.hi),
                                   "step": int(lever.step), "label": label}
        else:
            params[lever.param] = {"type": "SliderFloat", "value": float(value), "min": lever.lo, "max": lever.hi,
                                   "step": lever.step, "label": label}
    return params


# --------------------------------------------------------------------------- views (SolaraViz components)
def _copies(workshop: WorkshopModel) -> list[tuple[str, StadtteilModel]]:
    return [(c.label, c.model) for c in workshop.copies]


def _comparison_note(workshop: WorkshopModel, lang: str) -> str:
    pair = workshop.compared_values
    if pair is None:
        return ""
    name = texts.lever_label(workshop.compare, lang)
    a, b = (texts.choice(v, lang) if isinstance(v, str) else v for v in pair)
    return f"A: {name} = {a}   ·   B: {name} = {b}"


# Pictures of the month on screen, per model. A step re-renders the page's components several
# times (SolaraViz's sidebar and layout re-render around them); a model's state only changes
# when it steps, so each picture is drawn once per month and reused until then.
_pictures: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def cached_picture(model: StadtteilModel, key: tuple, draw) -> str:
    """``draw()``'s PNG as a data URL, drawn once per (model, month, key)."""
    entry = _pictures.get(model)
    if entry is None or entry[0] != model.month:
        entry = _pictures[model] = (model.month, {})
    found = entry[1].get(key)
    if found is None:
        found = entry[1][key] = "data:image/png;base64," + base64.b64encode(views.png(draw())).decode("ascii")
    return found


def picture(url: str, css_class: str, max_height: int) -> solara.Element:
    """A picture that fits its grid cell (scaled down, never cropped); ``css_class`` names it for tests."""
    return solara.HTML(
        tag="div",
        unsafe_innerHTML=f'<img class="{css_class}" src="{url}" '
        f'style="max-width:100%;max-height:{max_height}px;object-fit:contain" alt="{css_class}">',
        style={"flex": "1", "min-width": "0", "text-align": "center"},
    )


CELL = 330  # picture height that fits one SolaraViz grid cell (390 px) under its heading


@lru_cache(maxsize=len(texts.LANGS))
def make_views(lang: str):
    """The page's view components for one language (SolaraViz passes the model to each). They are
    solara components that follow Mesa's update counter themselves, so SolaraViz keeps them
    mounted across steps instead of wrapping plain functions anew on every render. Cached per
    language, so a re-render of the page hands SolaraViz the same components. SolaraViz lays
    them out two per row."""

    def heading(key: str, workshop: WorkshopModel) -> None:
        note = _comparison_note(workshop, lang)
        solara.Text(texts.tr(key, lang) + (f"  ({note})" if note else ""), style={"font-weight": "bold"})

    @solara.component
    def DistrictComponent(workshop: WorkshopModel):
        update_counter.get()
        if workshop.error:
            return solara.Error(workshop.error, classes=["view-error"])
        with solara.Column(style={"width": "100%"}, gap="4px") as main:
            heading("district_view", workshop)
            with solara.Row(style={"width": "100%"}, gap="4px"):
                for label, model in _copies(workshop):
                    title = views.title(model, lang, label if len(workshop.copies) > 1 else "")
                    url = cached_picture(model, ("district", lang, title),
                                         lambda model=model, title=title: district_view(model, lang).image(title))
                    picture(url, f"district-view-{label}", CELL)
        return main

    @solara.component
    def NetworkComponent(workshop: WorkshopModel):
        update_counter.get()
        if workshop.error:
            return solara.Error(workshop.error, classes=["view-error"])
        with solara.Column(style={"width": "100%"}, gap="4px") as main:
            heading("network_view", workshop)
            with solara.Row(style={"width": "100%"}, gap="4px"):
                for label, model in _copies(workshop):
                    title = label if len(workshop.copies) > 1 else ""
                    url = cached_picture(model, ("network", lang, title),
                                         lambda model=model, title=title: views.network_image(model, lang, title))
                    picture(url, f"network-view-{label}", CELL)
        return main

    def chart_component(kind: str):
        @solara.component
        def ChartComponent(workshop: WorkshopModel):
            update_counter.get()
            if workshop.error:
                return solara.Error(workshop.error, classes=["view-error"])
            with solara.Column(style={"width": "100%"}, gap="4px") as main:
                copies = _copies(workshop)
                # keyed on the first copy; the other copies' months are part of the key
                key = ("chart", kind, lang, tuple((label, id(m), m.month) for label, m in copies))
                url = cached_picture(copies[0][1], key, lambda: views.chart_image(kind, copies, lang))
                picture(url, f"chart-{kind}", CELL + 20)
            return main

        return ChartComponent

    @solara.component
    def MonitorComponent(workshop: WorkshopModel):
        update_counter.get()
        if workshop.error:
            return solara.Error(workshop.error, classes=["view-error"])
        with solara.Row(style={"width": "100%", "align-items": "flex-start", "font-size": "0.9em"}) as main:
            for label, model in _copies(workshop):
                rows = views.monitors(model, lang)
                with solara.Column(style={"flex": "1", "min-width": "0"}, gap="2px"):
                    head = f"{label}: " if len(workshop.copies) > 1 else ""
                    solara.Text(head + rows[0][0], classes=[f"monitor-month-{label}"],
                                style={"font-size": "1.5em", "font-weight": "bold"})
                    table = "".join(f"<tr><td>{k}</td><td><b>{v}</b></td></tr>" for k, v in rows[1:])
                    solara.HTML(tag="table", unsafe_innerHTML=table, classes=[f"monitors-{label}"])
                with solara.Column(style={"flex": "1", "min-width": "0"}, gap="2px"):
                    solara.Text(f"{texts.tr('ticker', lang)} {label if len(workshop.copies) > 1 else ''}",
                                style={"font-weight": "bold"})
                    events = views.ticker(model, lang) or [texts.tr("no_events", lang)]
                    items = "".join(f"<li>{e}</li>" for e in events)
                    solara.HTML(tag="ul", unsafe_innerHTML=items, classes=[f"ticker-{label}"],
                                style={"padding-left": "16px"})
        return main

    return [
        (DistrictComponent, 0),
        (chart_component("participation"), 0),
        (NetworkComponent, 0),
        (chart_component("quality"), 0),
        (MonitorComponent, 0),
        (chart_component("communities"), 0),
    ]


# --------------------------------------------------------------------------- the workshop card
@solara.component
def WorkshopCard(model: solara.Reactive[WorkshopModel], config: AppConfig, lang: solara.Reactive[str],
                 on_replace):
    """Scenario chooser, language, saving the levers, and the plain-language explanations."""
    message, set_message = solara.use_state(("", ""))
    workshop = model.value
    files = [str(p) for p in scenario_files(config.scenario_dir)]
    current = str(workshop.scenario_file)
    if current not in files:
        files.append(current)

    def choose(path: str):
        set_message(("", ""))
        on_replace(WorkshopModel(path))

    def save():
        try:
            written = save_levers(workshop, config.save_dir)
        except Exception as exc:  # shown to the room, never a crash
            set_message(("error", texts.tr("save_failed", lang.value, error=exc)))
            return
        set_message(("ok", texts.tr("saved", lang.value, paths=", ".join(str(p) for p in written))))

    with solara.Card(texts.tr("scenario_card", lang.value)):
        solara.ToggleButtonsSingle(value=lang, values=list(texts.LANGS))
        solara.Select(texts.tr("scenario", lang.value), value=current, values=files, on_value=choose)
        if workshop.error:
            solara.Error(f"{texts.tr('load_failed', lang.value)}: {workshop.error}", classes=["load-error"])
        solara.Text(texts.tr("apply_hint", lang.value), style={"font-size": "0.85em"})
        solara.Button(texts.tr("save", lang.value), on_click=save, color="secondary", disabled=bool(workshop.error))
        kind, text = message
        if kind == "ok":
            solara.Success(text, classes=["save-message"])
        elif kind == "error":
            solara.Error(text, classes=["save-message"])
        with solara.Details(summary=texts.tr("explain_card", lang.value), expand=False):
            for paragraph in texts.explanations(lang.value):
                solara.Text(paragraph, style={"display": "block", "margin-bottom": "6px", "font-size": "0.9em"})


@solara.component
def Page():
    config = solara.use_memo(AppConfig.from_env, [])
    lang = solara.use_reactive(config.lang)
    initial = solara.use_memo(lambda: WorkshopModel(config.scenario), [])
    model = solara.use_reactive(initial)
    generation = solara.use_reactive(0)  # bumped when the card replaces the model: rebuild the controls

    def replace(new_model: WorkshopModel):
        model.set(new_model)
        generation.set(generation.value + 1)

    workshop = model.value
    with solara.Sidebar():
        WorkshopCard(model, config, lang, replace)
    SolaraViz(
        model,
        components=make_views(lang.value),
        model_params=model_params(workshop, lang.value),
        name=texts.tr("title", lang.value),
        play_interval=250,
    ).key(f"viz-{generation.value}-{lang.value}")
