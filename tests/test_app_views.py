"""The dashboard's pictures: drawn from the arrays, deterministic, and showing what changed."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from stadtteil_sim.app import views
from stadtteil_sim.app.workshop import WorkshopModel
from stadtteil_sim.model.population import ATTENDS, DELEGATE, UNREACHED

ROOT = Path(__file__).resolve().parent.parent
KS = ROOT / "scenarios" / "kranichstein_sued.yaml"


def workshop(**kwargs) -> WorkshopModel:
    w = WorkshopModel(KS, **kwargs)
    assert w.error is None, w.error
    return w


def test_district_view_colours_each_resident_by_community_and_level():
    model = workshop(seed=1).copies[0].model
    view = views.DistrictView(model, "de")
    pop = model.state.pop
    pop.level[:] = UNREACHED
    pale = np.asarray(view.image("t"))
    pop.level[:] = ATTENDS
    strong = np.asarray(view.image("t"))
    # Every resident's dot got darker: the picture's ink grows with participation.
    assert strong.sum() < pale.sum()
    # The strongest colour of a community shows once its residents take part.
    turkish = tuple(int(v) for v in views.PALETTE[1])
    expected = tuple(int(round(255 - views.LEVEL_STRENGTH[ATTENDS] * (255 - c))) for c in turkish)
    hits = np.all(np.abs(strong.astype(int) - np.array(expected)) <= 1, axis=2).sum()
    assert hits >= (pop.community == 1).sum() * views.DOT * views.DOT * 0.9
    pop.level[:] = DELEGATE
    ringed = np.asarray(view.image("t"))
    ink = np.all(ringed == np.array(views.INK), axis=2).sum()
    assert ink >= pop.size * len(views._RING) * 0.9


@pytest.mark.parametrize("aspect", [0.75, 1.05, 1.35])
def test_district_view_packs_the_blocks_into_its_place(aspect):
    """Every resident has a dot of its own inside its block's tile, no tile overlaps another, and
    the dots fill most of a picture about as high per width as its place on the page."""
    model = workshop(seed=1).copies[0].model
    view = views.DistrictView(model, "de", legend=False, aspect=aspect)
    lay, pop = view.layout, model.state.pop
    counts = np.bincount(pop.block, minlength=lay.blocks)
    assert np.all(lay.cols * lay.rows >= counts)
    tiles = [(x - views.PAD, y - views.PAD, c * views.PITCH + 2 * views.PAD, r * views.PITCH + 2 * views.PAD)
             for (x, y), c, r in zip(lay.origins, lay.cols, lay.rows, strict=True)] + [lay.rooms, lay.school]
    covered = np.zeros((lay.height, lay.width), dtype=np.int64)
    for x, y, w, h in tiles:
        assert x >= 0 and y >= views.HEADER and x + w <= lay.width and y + h <= lay.height
        covered[y:y + h, x:x + w] += 1
    assert covered.max() == 1
    assert lay.height <= aspect * lay.width + views.PITCH * 2
    assert pop.size * views.PITCH**2 >= 0.65 * lay.width * lay.height
    pop.level[:] = ATTENDS
    drawn = np.asarray(view.image(""))
    white = np.all(drawn == 255, axis=2)
    dots = sum(int((~white[y:y + r * views.PITCH, x:x + c * views.PITCH]).sum())
               for (x, y), c, r in zip(lay.origins, lay.cols, lay.rows, strict=True))
    assert dots == pop.size * views.DOT**2


def test_views_are_deterministic_and_change_as_the_run_goes_on():
    a, b = workshop(seed=2), workshop(seed=2)
    pictures = []
    for w in (a, b):
        for _ in range(24):
            w.step()
        model = w.copies[0].model
        copies = [("A", model)]
        pictures.append((views.png(views.DistrictView(model, "en").image("x")), views.png(views.network_image(model, "en")),
                         *(views.png(views.chart_image(k, copies, "en")) for k in views.charts())))
    assert pictures[0] == pictures[1]
    c = workshop(seed=2)
    before = views.png(views.chart_image("participation", [("A", c.copies[0].model)], "en"))
    assert before != pictures[0][2]


def test_side_by_side_frame_holds_both_copies():
    w = workshop(seed=1, compare="office.handover_month")
    copies = [(c.label, c.model) for c in w.copies]
    single = views.frame(copies[:1], [views.DistrictView(copies[0][1], "de")], "de")
    both = views.frame(copies, [views.DistrictView(m, "de") for _, m in copies], "de")
    assert both.height > single.height and both.width >= single.width
    image = Image.open(io.BytesIO(views.png(both)))
    assert image.size == both.size


def test_monitors_and_ticker_in_both_languages():
    w = workshop(seed=1, office__handover_month=3)
    for _ in range(4):
        w.step()
    model = w.copies[0].model
    de, en = dict(views.monitors(model, "de")), dict(views.monitors(model, "en"))
    assert "Monat 4 · 2000" in de and "Month 4 · 2000" in en
    assert de["Interkulturelles Büro"] == "nur Unterstützung" and en["Integration office"] == "support only"
    assert any(line.startswith("Monat 3: Das Interkulturelle Büro wechselt") for line in views.ticker(model, "de"))
    assert "Month 3: The office switches to support" in views.ticker(model, "en")
