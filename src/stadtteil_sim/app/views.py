"""The dashboard's pictures, drawn straight from the model's arrays with Pillow.

Mesa's stock space views draw one artist per agent (matplotlib about 0.5 s, altair 2-3 s at
7,000 residents); a room needs the page to follow a step in well under a quarter of a second. So
each view here is one image: the district as dots on their housing blocks (numpy writes the
pixels, the static background is drawn once per layout), the organisations as a small diagram,
and the time series as line charts. The page shows them as PNGs and ``animate`` strings them into
a GIF, so both show the same pictures.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from stadtteil_sim.app import texts
from stadtteil_sim.model.city import CityModel
from stadtteil_sim.model.district import StadtteilModel
from stadtteil_sim.model.indicators import INDICATORS, Indicator
from stadtteil_sim.model.population import ATTENDS, INFORMED, WORKING_GROUP
from stadtteil_sim.model.processes.context import INITIATIVE, PROFESSIONAL_BODY
from stadtteil_sim.model.processes.organisations import PILOT
from stadtteil_sim.model.state import (
    COMMITTEE_KEYS,
    MAIN_ASSOCIATION,
    MODERATION,
    NATIVE_ASSOCIATION,
    NOT_ACTIVE,
    SUPPORT,
    WOMENS_GROUP,
    YOUTH_GROUP,
)

# Community colours: natives grey, then well-separated hues (tab20-like, readable on a projector).
PALETTE = np.array(
    [
        (150, 150, 150), (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
        (140, 86, 75), (227, 119, 194), (188, 189, 34), (23, 190, 207), (174, 199, 232), (255, 187, 120),
        (152, 223, 138), (255, 152, 150), (197, 176, 213), (196, 156, 148), (247, 182, 210), (219, 219, 141),
    ],
    dtype=np.float64,
)
# How much of the community colour shows at each participation level (the rest is white).
LEVEL_STRENGTH = np.array([0.3, 0.55, 0.9, 1.0, 1.0, 1.0])
INK = (40, 40, 40)
GRID = (225, 225, 225)
HANDOVER_COLOUR = (200, 30, 30)
LINK_COLOUR = (30, 140, 60)
PILOT_COLOUR, GUARDIAN_COLOUR = (40, 160, 70), (190, 60, 50)  # M15: an association's role as it stands
ESCALATED_COLOUR, SETTLED_COLOUR = (200, 40, 40), (90, 170, 110)  # M9: the last year's conflicts between groups


def community_colour(k: int) -> tuple[int, int, int]:
    return tuple(int(v) for v in PALETTE[k % len(PALETTE)])


@lru_cache(maxsize=16)
def font(size: int) -> ImageFont.FreeTypeFont:
    """DejaVu Sans from matplotlib's own data (always installed with the project), any size."""
    import matplotlib

    path = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    return ImageFont.truetype(str(path), size)


def png(image: Image.Image) -> bytes:
    """PNG bytes, fast compression (the page sends a few images per step over loopback)."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


# --------------------------------------------------------------------------- district view
# Drawn for a room: the page shows the picture about as wide as it is drawn at 1280x720, so a
# resident is about DOT px on screen there and no text in the picture is below TYPE px.
DOT = 5  # a resident's square, pixels
PITCH = 6  # dot + gap
PAD = 2  # between a tile's edge and its dots
GAP = 3  # between tiles
MARGIN = 4
TITLE = 16  # the title's type
TYPE = 14  # the smallest type in the picture: the labels of the rooms and the school
HEADER = TITLE + 8
LEGEND_W = 250
ROWS = range(4, 81)  # dot rows a line of blocks may have
SCHOOL_ROWS = 10  # the rooms' and the school's line at least (the school's label, bar and share)
SQUARE, SQUARE_PITCH = 10, 13  # a group meeting in the rooms


@dataclass
class DistrictLayout:
    """Where each block, the rooms and the school sit (schematic) and the static background.

    The blocks are shared out over lines with about as many residents each (the rooms and the
    school in the middle line); a line is as many dots high as it needs to hold its blocks side
    by side in the picture's width, each block as wide as its residents need, so no block is
    emptier than its last column. The number of lines and the width are chosen for the
    narrowest picture at the height per width of its place on the page (``aspect``): the page
    scales the picture to the width of its place, so the narrower it is drawn, the larger a
    resident shows."""

    blocks: int
    rows: np.ndarray  # (blocks,) dot rows of each block (its line's)
    cols: np.ndarray  # (blocks,) dot columns of each block
    origins: np.ndarray  # (blocks, 2) top-left pixel of each block's dots
    rooms: tuple[int, int, int, int]  # x, y, width, height of the rooms' tile
    school: tuple[int, int, int, int]
    background: np.ndarray  # (H, W, 3) uint8
    width: int
    height: int

    @classmethod
    def build(cls, model: StadtteilModel, lang: str, legend: bool = True, aspect: float = 0.75) -> DistrictLayout:
        """``legend=False``: no legend on the right (the page shows it as text below the picture)."""
        pop = model.state.pop
        blocks = int(model.config.district.housing_blocks)
        counts = np.bincount(pop.block, minlength=blocks)
        has_rooms = bool(model.config.district.rooms)
        labels = (texts.tr("rooms" if has_rooms else "no_rooms", lang), texts.tr("school", lang))
        type_w = font(TYPE).getlength
        specials = (int(max(type_w(labels[0] + " 000"), 6 * SQUARE_PITCH)) + 2 * PAD + 6,
                    int(max(type_w(labels[1]), 6 * SQUARE_PITCH)) + 2 * PAD + 6)
        rows_range = np.arange(ROWS.start, ROWS.stop)[:, None]

        def share_out(n: int) -> list[list[int]]:
            """Blocks (by index) over ``n`` lines of about equal residents, the largest first."""
            lines: list[list[int]] = [[] for _ in range(n)]
            held = [0] * n
            for b in sorted(range(blocks), key=lambda b: (-counts[b], b)):
                k = min(range(n), key=lambda k: (held[k], k))
                held[k] += int(counts[b])
                lines[k].append(b)
            return [sorted(line) for line in lines]

        def fitted(lines: list[list[int]], width: int) -> list[int] | None:
            """Each line's dot rows: the fewest that hold it in ``width`` (the middle line at least
            SCHOOL_ROWS for the school's marks); None where a line does not fit."""
            rows = []
            for k, line in enumerate(lines):
                fixed = (specials[0] + specials[1] + 2 * GAP if k == len(lines) // 2 else 0) + GAP * (len(line) - 1)
                cols = -(-counts[line][None, :] // rows_range)
                needed = (cols * PITCH - (PITCH - DOT) + 2 * PAD).sum(axis=1) + fixed
                ok = np.flatnonzero((needed <= width) & ((rows_range[:, 0] >= SCHOOL_ROWS) | (k != len(lines) // 2)))
                if ok.size == 0:
                    return None
                rows.append(int(rows_range[ok[0], 0]))
            return rows

        def height_of(rows: list[int]) -> int:
            return HEADER + sum(r * PITCH - (PITCH - DOT) + 2 * PAD + GAP for r in rows) - GAP + MARGIN

        best = None
        for n in range(1, blocks + 1):
            lines = share_out(n)
            lo, hi = 1, int(sum(specials)) + 2 * GAP * (blocks + 2) + (-(-counts // ROWS.start) * PITCH + 2 * PAD).sum()
            if fitted(lines, hi) is None:
                continue
            while lo < hi:  # the narrowest width that holds every line within the aspect
                mid = (lo + hi) // 2
                rows = fitted(lines, mid)
                lo, hi = (lo, mid) if rows is not None and height_of(rows) <= aspect * (mid + 2 * MARGIN) else (mid + 1, hi)
            rows = fitted(lines, lo)
            if rows is None or height_of(rows) > aspect * (lo + 2 * MARGIN):
                continue
            if best is not None and lo >= best[0] and n > best[1] + 2:
                break  # past the best: more lines only add frames
            if best is None or lo < best[0]:
                best = (lo, n, lines, rows)
        assert best is not None  # one line of the widest blocks always fits
        line_w, n_lines, lines, line_rows = best
        block_rows = np.zeros(blocks, dtype=np.int64)
        for line, r in zip(lines, line_rows, strict=True):
            block_rows[line] = r
        cols = np.maximum(1, -(-counts // block_rows))
        widths = cols * PITCH - (PITCH - DOT) + 2 * PAD
        block_boxes: list[tuple[int, int, int, int]] = [(0, 0, 0, 0)] * blocks
        rooms = school = (0, 0, 0, 0)
        y = HEADER
        for k, (line, r) in enumerate(zip(lines, line_rows, strict=True)):
            th = r * PITCH - (PITCH - DOT) + 2 * PAD
            # the middle line: its first half of blocks, the rooms and the school, the rest
            items = [*line[:len(line) // 2], -1, -2, *line[len(line) // 2:]] if k == n_lines // 2 else line
            item_w = [specials[-1 - i] if i < 0 else int(widths[i]) for i in items]
            spare = line_w - sum(item_w) - GAP * (len(items) - 1)
            spread = spare / (len(items) - 1) if len(items) > 1 else 0.0  # lines justified
            x = float(MARGIN)
            for i, w in zip(items, item_w, strict=True):
                box = (int(round(x)), y, w, th)
                if i == -1:
                    rooms = box
                elif i == -2:
                    school = box
                else:
                    block_boxes[i] = box
                x += w + GAP + spread
            y += th + GAP
        legend_x = line_w + 2 * MARGIN + 2 * MARGIN
        width = legend_x + LEGEND_W if legend else line_w + 2 * MARGIN
        height = y - GAP + MARGIN
        if legend:
            height = max(height, HEADER + 22 * (len(model.community_names) + 6))
        image = Image.new("RGB", (width, height), "white")
        draw = ImageDraw.Draw(image)
        for x, y, w, h in block_boxes:
            draw.rectangle((x, y, x + w - 1, y + h - 1), fill=(255, 255, 255), outline=(200, 200, 200))
        for (x, y, w, h), label, fill in (
            (rooms, labels[0], (255, 244, 214) if has_rooms else (240, 240, 240)),
            (school, labels[1], (222, 236, 255)),
        ):
            draw.rectangle((x, y, x + w - 1, y + h - 1), fill=fill, outline=(120, 120, 120), width=2)
            draw.text((x + PAD + 3, y + PAD), label, fill=INK, font=font(TYPE))
        # Legend on the right: community colours, then how participation shows.
        for i, name in enumerate(model.community_names if legend else ()):
            x, y = legend_x, HEADER + 4 + i * 22
            draw.rectangle((x, y + 3, x + 14, y + 17), fill=community_colour(i))
            draw.text((x + 20, y + 1), texts.community(name, lang), fill=INK, font=font(15))
        y = HEADER + 10 + len(model.community_names) * 22
        for line in texts.tr("legend_level", lang).split(" · ") if legend else ():
            draw.text((legend_x, y), line, fill=(90, 90, 90), font=font(TYPE))
            y += 18
        origins = np.array([(x + PAD, y + PAD) for x, y, _, _ in block_boxes], dtype=np.int64).reshape(-1, 2)
        return cls(blocks, block_rows, cols.astype(np.int64), origins, rooms, school, np.asarray(image), width, height)


_OFFSETS = np.array([(dy, dx) for dy in range(DOT) for dx in range(DOT)])
_RING = np.array([(dy, dx) for dy, dx in _OFFSETS if dy in (0, DOT - 1) or dx in (0, DOT - 1)])


class DistrictView:
    """Draws one model's district; keeps the layout so only the dots are redrawn each month."""

    def __init__(self, model: StadtteilModel, lang: str, legend: bool = True, aspect: float = 0.75):
        self.model = model
        self.lang = lang
        self.aspect = aspect
        self.layout = DistrictLayout.build(model, lang, legend, aspect)

    def image(self, title: str = "") -> Image.Image:
        pop, lay = self.model.state.pop, self.layout
        level = pop.level.astype(np.int64)
        block = pop.block.astype(np.int64)
        # Within a block: communities as colour bands, the most active first.
        order = np.lexsort((-level, pop.community, block))
        sorted_block = block[order]
        starts = np.searchsorted(sorted_block, np.arange(lay.blocks))
        rank = np.arange(order.size) - starts[sorted_block]
        cols = lay.cols[sorted_block]
        keep = rank < cols * lay.rows[sorted_block]  # a tile holds its block's residents; never more to drop
        idx, rank, sorted_block, cols = order[keep], rank[keep], sorted_block[keep], cols[keep]
        x0 = lay.origins[sorted_block, 0] + (rank % cols) * PITCH
        y0 = lay.origins[sorted_block, 1] + (rank // cols) * PITCH
        base = PALETTE[pop.community[idx] % len(PALETTE)]
        strength = LEVEL_STRENGTH[level[idx]][:, None]
        colours = (255.0 - strength * (255.0 - base)).astype(np.uint8)
        canvas = lay.background.copy()
        canvas[y0[:, None] + _OFFSETS[:, 0], x0[:, None] + _OFFSETS[:, 1]] = colours[:, None, :]
        ringed = level[idx] >= WORKING_GROUP
        if ringed.any():
            canvas[y0[ringed][:, None] + _RING[:, 0], x0[ringed][:, None] + _RING[:, 1]] = INK
        image = Image.fromarray(canvas)
        self._draw_live_marks(ImageDraw.Draw(image), title)
        return image

    def _draw_live_marks(self, draw: ImageDraw.ImageDraw, title: str) -> None:
        """Title, the groups meeting in the rooms and the parents the school projects reached."""
        state, lay = self.model.state, self.layout
        draw.text((MARGIN + 1, 3), title, fill=INK, font=font(TITLE))
        groups = state.groups
        x, y, w, h = lay.rooms
        in_rooms = [i for i in range(len(groups)) if groups.alive[i] and groups.in_rooms[i]]
        top = PAD + TYPE + 6
        per_row, rows = (w - 2 * PAD - 6) // SQUARE_PITCH, max(0, (h - top - PAD) // SQUARE_PITCH)
        for j, i in enumerate(in_rooms[:per_row * rows]):
            gx, gy = x + PAD + 3 + (j % per_row) * SQUARE_PITCH, y + top + (j // per_row) * SQUARE_PITCH
            draw.rectangle((gx, gy, gx + SQUARE - 1, gy + SQUARE - 1), fill=community_colour(groups.community[i]), outline=INK)
        if in_rooms:
            draw.text((x + w - PAD - 3, y + PAD), f"{len(in_rooms)}", fill=INK, font=font(TYPE), anchor="ra")
        pop = state.pop
        parents = pop.parent & pop.migrant
        if parents.any():
            share = float((pop.level[parents] >= INFORMED).mean())
            sx, sy, sw, _ = lay.school
            left, right, bar_y = sx + PAD + 3, sx + sw - PAD - 4, sy + PAD + TYPE + 8
            draw.rectangle((left, bar_y, right, bar_y + 10), outline=(120, 120, 120))
            draw.rectangle((left, bar_y, left + int((right - left) * share), bar_y + 10), fill=(70, 120, 200))
            draw.text((left, bar_y + 14), f"{share:.0%}", fill=INK, font=font(TYPE))


# --------------------------------------------------------------------------- network view
NET_W, NET_H, SS = 560, 420, 2  # SS: drawn at twice the size, then reduced (smooth edges)


def _zigzag(draw: ImageDraw.ImageDraw, a, b, fill, width, step=10) -> None:
    """A zigzag line from a to b: a conflict that broke out."""
    (x1, y1), (x2, y2) = a, b
    length = math.hypot(x2 - x1, y2 - y1)
    if length == 0:
        return
    n = max(2, int(length / step))
    nx, ny = -(y2 - y1) / length * step * 0.4, (x2 - x1) / length * step * 0.4
    points = [(x1 + (x2 - x1) * i / n + (nx if i % 2 else 0), y1 + (y2 - y1) * i / n + (ny if i % 2 else 0))
              for i in range(n + 1)]
    draw.line(points, fill=fill, width=width)


def _dashed(draw: ImageDraw.ImageDraw, points, fill, width, dash=10, gap=8) -> None:
    """A dashed polyline (Pillow has none)."""
    on, left = True, dash
    for (x1, y1), (x2, y2) in zip(points, points[1:], strict=False):
        length = math.hypot(x2 - x1, y2 - y1)
        pos = 0.0
        while pos < length:
            run = min(left, length - pos)
            if on:
                a, b = pos / length, (pos + run) / length
                draw.line((x1 + (x2 - x1) * a, y1 + (y2 - y1) * a, x1 + (x2 - x1) * b, y1 + (y2 - y1) * b), fill=fill, width=width)
            pos += run
            left -= run
            if left <= 0:
                on = not on
                left = dash if on else gap


def _box(draw, centre, text, fill, outline, size, dashed=False):
    f = font(12 * SS)
    w = draw.textlength(text, font=f) + 16 * SS
    h = 26 * SS
    x, y = centre
    rect = (x - w / 2, y - h / 2, x + w / 2, y + h / 2)
    draw.rectangle(rect, fill=fill)
    if dashed:
        corners = [(rect[0], rect[1]), (rect[2], rect[1]), (rect[2], rect[3]), (rect[0], rect[3]), (rect[0], rect[1])]
        _dashed(draw, corners, outline, 2 * SS, 6 * SS, 5 * SS)
    else:
        draw.rectangle(rect, outline=outline, width=2 * SS)
    draw.text((x, y), text, fill=INK, font=f, anchor="mm")


def network_image(model: StadtteilModel, lang: str, title: str = "") -> Image.Image:
    """Associations around the working group, the committee above it, office and district
    management beside it; lines: membership in the working group, its link stage, splits."""
    state = model.state
    groups, wg, pop = state.groups, state.wg, state.pop
    names = model.community_names
    W, H = NET_W * SS, NET_H * SS
    image = Image.new("RGB", (W, H), "white")
    draw = ImageDraw.Draw(image)
    members = np.bincount(pop.group[pop.group >= 0], minlength=len(groups))
    organisation = model.communities.association
    spread = len(state.committees) - 1
    committees = [(W * (0.5 + 0.3 * (i - spread / 2)), H * 0.08) for i in range(len(state.committees))]
    working = (W * 0.5, H * 0.3)
    office = (W * 0.2, H * 0.19)
    management = (W * 0.8, H * 0.19)
    # Communities on a lower arc; their groups stacked outward from the arc.
    k_count = len(names) - 1
    positions: dict[int, tuple[float, float]] = {}
    angle_of = {k: math.pi * (0.08 + 0.84 * (k - 1) / max(1, k_count - 1)) for k in range(1, k_count + 1)}
    stacked: dict[int, int] = {}
    for i in range(len(groups)):
        k = groups.community[i]
        if groups.kind[i] == NATIVE_ASSOCIATION:
            positions[i] = (W * 0.9, H * 0.06)
            continue
        n = stacked.get(k, 0)
        stacked[k] = n + 1
        a = angle_of.get(k, math.pi / 2)
        grow = 1.0 + 0.2 * n
        x = working[0] - 0.4 * W * grow * math.cos(a)
        y = working[1] + 0.5 * H * grow * math.sin(a)
        positions[i] = (min(max(x, 0.04 * W), 0.96 * W), min(max(y, 0.36 * H), 0.82 * H))
    # Edges first, nodes on top; under all, the last months' conflicts (M9).
    for _, a, b, escalated in state.counters.recent_conflicts:  # M9: the last months' conflicts
        if a in positions and b in positions:
            if escalated:
                _zigzag(draw, positions[a], positions[b], ESCALATED_COLOUR, 2 * SS, 9 * SS)
            else:
                _dashed(draw, [positions[a], positions[b]], SETTLED_COLOUR, SS, 4 * SS, 4 * SS)
    in_wg = set(wg.communities) if wg.exists else set()
    for i, (x, y) in positions.items():
        k = groups.community[i]
        if groups.kind[i] == MAIN_ASSOCIATION and k in in_wg:
            draw.line((x, y, *working), fill=community_colour(k), width=3 * SS)
        split = groups.split_from[i]
        if split >= 0 and split in positions:
            _dashed(draw, [(x, y), positions[split]], (160, 160, 160), SS, 5 * SS, 4 * SS)
    for k in in_wg:  # a community in the group through a women's group only: link that one
        if not any(groups.community[i] == k and groups.kind[i] == MAIN_ASSOCIATION for i in positions):
            i = next((i for i in positions if groups.community[i] == k), None)
            if i is not None:
                draw.line((*positions[i], *working), fill=community_colour(k), width=3 * SS)
    for committee, at in zip(state.committees, committees, strict=True):
        if wg.exists and committee.link_stage > 0:
            width = {1: 2, 2: 5, 3: 9}[committee.link_stage] * SS
            if committee.link_stage == 1:
                _dashed(draw, [working, at], LINK_COLOUR, width, 8 * SS, 6 * SS)
            else:
                draw.line((*working, *at), fill=LINK_COLOUR, width=width)
    mode = state.office.mode
    if mode == MODERATION:
        draw.line((*office, *working), fill=HANDOVER_COLOUR, width=6 * SS)
    elif mode == SUPPORT:
        _dashed(draw, [office, working], HANDOVER_COLOUR, 2 * SS, 6 * SS, 6 * SS)
    draw.line((*management, *working), fill=(120, 120, 200), width=max(1, int(2 * SS * model.config.district_management.capacity + SS)))
    for i, (x, y) in positions.items():
        k, kind = groups.community[i], groups.kind[i]
        r = (5 + 2.2 * math.sqrt(members[i])) * SS
        r = min(r, 24 * SS)
        colour = community_colour(k) if groups.alive[i] else (205, 205, 205)
        outline = INK if groups.registered[i] else (110, 110, 110)
        if kind == WOMENS_GROUP:
            draw.polygon([(x, y - r), (x + r, y), (x, y + r), (x - r, y)], fill=colour, outline=outline, width=SS)
        elif kind == YOUTH_GROUP:
            draw.polygon([(x, y - r), (x + r, y + r * 0.8), (x - r, y + r * 0.8)], fill=colour, outline=outline, width=SS)
        elif kind == MAIN_ASSOCIATION and organisation[k] == PROFESSIONAL_BODY:  # M15: the kinds
            draw.rectangle((x - r, y - r, x + r, y + r), fill=colour, outline=outline, width=SS)
        elif kind == MAIN_ASSOCIATION and organisation[k] == INITIATIVE:
            draw.regular_polygon((x, y, r), 6, fill=colour, outline=outline, width=SS)
        else:
            draw.ellipse((x - r, y - r, x + r, y + r), fill=colour, outline=outline, width=SS)
        if kind == MAIN_ASSOCIATION:
            if groups.alive[i]:  # M15: pilot or guardian as it stands, and a new generation at its head
                ring = PILOT_COLOUR if groups.openness[i] >= PILOT else GUARDIAN_COLOUR
                draw.ellipse((x - r - 3 * SS, y - r - 3 * SS, x + r + 3 * SS, y + r + 3 * SS), outline=ring, width=2 * SS)
            if groups.leader_generation[i] == 2:  # a badge: a new generation leads it
                bx, by, br = x + 0.75 * r, y - 0.75 * r, 6 * SS
                draw.ellipse((bx - br, by - br, bx + br, by + br), fill="white", outline=INK, width=SS)
                draw.text((bx, by), "2", fill=INK, font=font(9 * SS), anchor="mm")
            label = texts.community(names[k], lang)
            draw.text((x, y + r + 5 * SS), label[:16], fill=INK, font=font(10 * SS), anchor="ma")
        elif kind == NATIVE_ASSOCIATION:
            draw.text((x, y + r + 3 * SS), texts.tr("node_native_assoc", lang), fill=INK, font=font(10 * SS), anchor="ma")
    for committee, at in zip(state.committees, committees, strict=True):
        _box(draw, at, texts.committee(committee.name, lang), (230, 245, 232), LINK_COLOUR, 1)
    _box(draw, working, texts.tr("node_working_group", lang), (255, 255, 255) if not wg.exists else (240, 240, 255),
         (60, 60, 160), 1, dashed=not wg.exists)
    office_label = f"{texts.tr('node_office', lang)}: {texts.office_mode(_mode_name(mode), lang)}"
    _box(draw, office, office_label, (253, 236, 236), HANDOVER_COLOUR, 1, dashed=mode not in (MODERATION,))
    _box(draw, management, texts.tr("node_management", lang), (236, 236, 252), (120, 120, 200), 1)
    legend = ("network_legend_kinds", "network_legend", "network_legend_roles", "network_legend_conflicts")
    top = 1 + 12 * len(legend)
    if title:
        draw.text((8 * SS, H - (top + 17) * SS), title, fill=INK, font=font(13 * SS))
    for row, key in enumerate(legend):
        draw.text((8 * SS, H - (top - 12 * row) * SS), texts.tr(key, lang), fill=(100, 100, 100), font=font(9 * SS))
    return image.reduce(SS)


def _mode_name(mode: int) -> str:
    from stadtteil_sim.model.state import OFFICE_MODE_NAMES

    return OFFICE_MODE_NAMES[mode]


# --------------------------------------------------------------------------- time series
# The charts and their series are the indicators declared with a ``chart`` (model/indicators.py);
# each chart's title is the text ``chart_<name>``.
CHART_W, CHART_H = 460, 250


def charts() -> tuple[str, ...]:
    """The dashboard's charts, in the order their first indicator is declared."""
    return tuple(dict.fromkeys(i.chart for i in INDICATORS.values() if i.chart is not None))


def chart_series(chart: str) -> list[Indicator]:
    """The indicators drawn in ``chart``, in column order; one kind per chart (one value axis)."""
    lines = [i for i in INDICATORS.values() if i.chart == chart]
    if len({i.kind for i in lines}) > 1:
        raise ValueError(f"chart {chart!r} mixes kinds: {', '.join(f'{i.name} ({i.kind})' for i in lines)}")
    return lines


def indicator_label(name: str, lang: str, start: bool = False) -> str:
    """An indicator in its declared words (a legend's); ``start``: as a line starts (a
    monitor's), with a capital letter."""
    words = INDICATORS[name].label(lang)
    return words[:1].upper() + words[1:] if start else words


def series(model: StadtteilModel, name: str) -> list[float]:
    """One indicator over the months so far (month 0 first), from the model's DataCollector."""
    return model.datacollector.model_vars[name]


def value_axis(kind: str, most: float) -> tuple[float, Callable[[float], str]]:
    """The top of a chart's value axis and how its grid lines are labelled, by the kind of its
    indicators, fixed for the whole run (a room must not see the scale change under a line):
    shares as percent 0-100 %, indices 0-1, counts in whole numbers up to ``most`` (the most a
    count can reach, e.g. the communities of the district), every grid line on one."""
    if kind == "share":
        return 1.0, lambda v: f"{v:.0%}"
    if kind == "index":
        return 1.0, lambda v: f"{v:.2f}"
    return float(4 * math.ceil(max(most, 1) / 4)), lambda v: f"{v:.0f}"


def chart_image(chart: str, copies: list[tuple[str, StadtteilModel]], lang: str) -> Image.Image:
    """One panel: the indicators of ``chart`` for each copy (A solid, B dashed), with each copy's
    handover and linking months marked; a legend when it draws more than one."""
    lines = chart_series(chart)
    W, H = CHART_W * SS, CHART_H * SS
    image = Image.new("RGB", (W, H), "white")
    draw = ImageDraw.Draw(image)
    left, right, top, bottom = 46 * SS, 12 * SS, 40 * SS, 34 * SS
    pw, ph = W - left - right, H - top - bottom
    months = max(m.config.run.months for _, m in copies)
    # a count's most: the district's migrant communities (the one counted chart), or its peak so far
    most = max(max(len(m.community_names) - 1 for _, m in copies),
               max(max(max(series(m, i.name)) for _, m in copies) for i in lines))
    ymax, shown = value_axis(lines[0].kind, most)

    def px(month: float, value: float) -> tuple[float, float]:
        return left + pw * month / months, top + ph * (1 - min(max(value / ymax, 0.0), 1.0))

    f = font(10 * SS)
    draw.text((left, 4 * SS), texts.tr(f"chart_{chart}", lang), fill=INK, font=font(13 * SS))
    for j in range(5):
        v = ymax * j / 4
        _, y = px(0, v)
        draw.line((left, y, left + pw, y), fill=GRID, width=SS)
        draw.text((left - 4 * SS, y), shown(v), fill=(90, 90, 90), font=f, anchor="rm")
    for m in range(0, months + 1, 12):
        x, _ = px(m, 0)
        draw.line((x, top + ph, x, top + ph + 4 * SS), fill=(90, 90, 90), width=SS)
        draw.text((x, top + ph + 6 * SS), str(m), fill=(90, 90, 90), font=f, anchor="ma")
    draw.text((left + pw, H - 4 * SS), texts.tr("axis_month", lang), fill=(90, 90, 90), font=f, anchor="rd")
    draw.rectangle((left, top, left + pw, top + ph), outline=(150, 150, 150), width=SS)
    for c, (label, model) in enumerate(copies):
        marks = ((model.state.office.handover_month, HANDOVER_COLOUR, "mark_handover"),
                 (model.state.link_month, LINK_COLOUR, "mark_link"))
        for month, colour, key in marks:
            if month is None or month > months:
                continue
            x, _ = px(month, 0)
            _dashed(draw, [(x, top), (x, top + ph)], colour, 2 * SS, 6 * SS, 4 * SS)
            tag = texts.tr(key, lang) + (f" {label}" if len(copies) > 1 else "")
            draw.text((x + 3 * SS, top + 2 * SS + (12 * SS if key == "mark_link" else 0) + c * 26 * SS), tag, fill=colour, font=f)
        for indicator in lines:
            points = [px(m, v) for m, v in enumerate(series(model, indicator.name))]
            if len(points) < 2:
                points = points * 2
            if c == 0:
                draw.line(points, fill=indicator.colour, width=3 * SS, joint="curve")
            else:
                _dashed(draw, points, indicator.colour, 3 * SS, 9 * SS, 5 * SS)
    x = W - right
    legend = [(indicator_label(i.name, lang), i.colour) for i in lines] if len(lines) > 1 else []
    for name, colour in reversed(legend):
        x -= draw.textlength(name, font=f)
        draw.text((x, top - 8 * SS), name, fill=INK, font=f, anchor="lm")
        draw.line((x - 18 * SS, top - 8 * SS, x - 4 * SS, top - 8 * SS), fill=colour, width=3 * SS)
        x -= 26 * SS
    if len(copies) > 1:
        draw.text((left + 4 * SS, top + ph - 10 * SS), "A ——   B – – –", fill=INK, font=f, anchor="lm")
    return image.reduce(SS)


# --------------------------------------------------------------------------- monitors and ticker
def monitors(model: StadtteilModel, lang: str) -> list[tuple[str, str]]:
    """(label, value) rows: the month and year, the office's mode and the counts a room asks for
    (a row showing one indicator is labelled in its declared words)."""
    return [(label, value) for _, label, value in monitor_rows(model, lang)]


def monitor_rows(model: StadtteilModel, lang: str) -> list[tuple[str, str, str]]:
    """:func:`monitors` with each row's key (``texts.MONITOR_NOTES`` explains it)."""
    ind, state, pop = model.indicators, model.state, model.state.pop

    def label(name: str) -> str:
        return indicator_label(name, lang, start=True)

    adult_migrants = pop.adult & pop.migrant
    year = model.config.district.start_year + model.month // 12
    handover = state.office.handover_month
    rows = [
        ("month", texts.tr("month_year", lang, month=model.month, year=year), ""),
        ("office_mode", label("office_mode"), texts.office_mode(ind["office_mode"], lang)),
        ("handover", "", texts.tr("handover_at", lang, month=handover) if handover is not None else texts.tr("no_handover", lang)),
        ("residents", texts.tr("residents", lang), f"{pop.size:,}".replace(",", "." if lang == "de" else ",")),
        ("migrants_reached_share", label("migrants_reached_share"),
         f"{int((pop.level[adult_migrants] >= INFORMED).sum())} ({ind['migrants_reached_share']:.0%})"),
        ("migrant_participation_rate", label("migrant_participation_rate"),
         f"{int((pop.level[adult_migrants] >= ATTENDS).sum())} ({ind['migrant_participation_rate']:.0%})"),
        ("native_participation_rate", label("native_participation_rate"), f"{ind['native_participation_rate']:.0%}"),
        ("communities_in_working_group", label("communities_in_working_group"), str(ind["communities_in_working_group"])),
        # One row per committee, labelled with its name alone (the note under it says what it is).
        *((f"link_stage_{key}", texts.committee(c.name, lang), texts.link_stage(ind[f"link_stage_{key}"], lang))
          for key, c in zip(COMMITTEE_KEYS, state.committees, strict=True)),
        ("associations_founded", texts.tr("associations_founded", lang),
         f"{ind['associations_founded']} ({ind['womens_associations_founded']})"),
        ("self_organised_groups", label("self_organised_groups"), str(ind["self_organised_groups"])),
        ("conflicts", texts.tr("conflicts", lang), f"{ind['conflicts_mediated']} / {ind['conflicts_escalated']}"),
        ("staff_hours", texts.tr("staff_hours", lang),
         f"{state.office.staff_hours_total:,.0f}".replace(",", "." if lang == "de" else ",")),
    ]
    return rows


def ticker(model: StadtteilModel, lang: str, last: int = 8) -> list[str]:
    """The latest events, newest first, in plain words."""
    events = model.state.counters.events[-last:]
    return [texts.event_text(line, lang) for line in reversed(events)]


# --------------------------------------------------------------------------- the city
@dataclass(frozen=True)
class Tile:
    """One district of a city as its tile shows it."""

    name: str
    participation: float  # migrant participation rate
    mode: str  # the office's mode (state.OFFICE_MODE_NAMES)
    waiting: bool  # due to start moderating, waiting for staff
    months_waited: int
    requested: float  # staff hours asked for this month
    granted: float  # and granted


def city_tiles(city: CityModel) -> list[Tile]:
    """The city's districts in the file's (the roll-out's) order."""
    tiles = []
    for name, d in city.districts.items():
        office = d.state.office
        tiles.append(Tile(name, float(d.indicators["migrant_participation_rate"]), str(d.indicators["office_mode"]),
                          bool(office.mode == NOT_ACTIVE and d.office.policy.waiting(d.state)), int(office.months_waited),
                          float(office.hours_requested), float(office.staff_hours) if city.month > 0 else 0.0))
    return tiles


def city_chart_image(cities: list[tuple[str, CityModel]], lang: str) -> Image.Image:
    """Migrant participation of each district over the run (A solid, B dashed), one colour each,
    on a fixed 0-100 % axis; the legend names the districts."""
    W, H = CHART_W * SS, (CHART_H + 40) * SS
    image = Image.new("RGB", (W, H), "white")
    draw = ImageDraw.Draw(image)
    names = list(cities[0][1].districts)
    rows = (len(names) + 2) // 3
    left, right, top, bottom = 46 * SS, 12 * SS, (30 + 16 * rows) * SS, 34 * SS
    pw, ph = W - left - right, H - top - bottom
    months = max(c.config.run.months for _, c in cities)
    ymax, shown = value_axis("share", 1.0)

    def px(month: float, value: float) -> tuple[float, float]:
        return left + pw * month / months, top + ph * (1 - min(max(value / ymax, 0.0), 1.0))

    f = font(10 * SS)
    draw.text((left, 4 * SS), texts.tr("chart_city", lang), fill=INK, font=font(13 * SS))
    for j in range(5):
        _, y = px(0, ymax * j / 4)
        draw.line((left, y, left + pw, y), fill=GRID, width=SS)
        draw.text((left - 4 * SS, y), shown(ymax * j / 4), fill=(90, 90, 90), font=f, anchor="rm")
    for m in range(0, months + 1, 12):
        x, _ = px(m, 0)
        draw.text((x, top + ph + 6 * SS), str(m), fill=(90, 90, 90), font=f, anchor="ma")
    draw.text((left + pw, H - 4 * SS), texts.tr("axis_month", lang), fill=(90, 90, 90), font=f, anchor="rd")
    draw.rectangle((left, top, left + pw, top + ph), outline=(150, 150, 150), width=SS)
    for i, name in enumerate(names):
        colour = community_colour(i + 1)
        lx, ly = left + (i % 3) * (pw // 3), 26 * SS + (i // 3) * 16 * SS
        draw.line((lx, ly, lx + 14 * SS, ly), fill=colour, width=3 * SS)
        draw.text((lx + 18 * SS, ly), name[:22], fill=INK, font=f, anchor="lm")
        for c, (_, city) in enumerate(cities):
            points = [px(m, v) for m, v in enumerate(series(city.districts[name], "migrant_participation_rate"))]
            points = points * 2 if len(points) < 2 else points
            if c == 0:
                draw.line(points, fill=colour, width=3 * SS, joint="curve")
            else:
                _dashed(draw, points, colour, 3 * SS, 9 * SS, 5 * SS)
    if len(cities) > 1:
        draw.text((left + 4 * SS, top + 10 * SS), "A ——   B – – –", fill=INK, font=f, anchor="lm")
    return image.reduce(SS)


# --------------------------------------------------------------------------- one frame (animate)
def frame(copies: list[tuple[str, StadtteilModel]], district_views: list[DistrictView], lang: str) -> Image.Image:
    """Everything of the page in one picture (for ``animate``): the district beside the
    organisations (side by side: the two districts, then the two diagrams), the three charts,
    the monitors and the latest events."""
    multi = len(copies) > 1
    districts = [view.image(_title(model, lang, label if multi else ""))
                 for (label, model), view in zip(copies, district_views, strict=True)]
    networks = [network_image(model, lang) for _, model in copies]
    rows = [districts + networks] if not multi else [districts, networks]
    rows.append([chart_image(kind, copies, lang) for kind in charts()])
    text_rows = []
    for label, model in copies:
        values = monitors(model, lang)
        head = f"{label}: " if multi else ""
        text_rows.append(head + "  ·  ".join(f"{k} {v}".strip() for k, v in values[1:3] + values[5:6] + values[7:9]))
        text_rows.extend(("    " + e) for e in ticker(model, lang, last=3))
    width = max(sum(p.width for p in row) for row in rows)
    # 14 px below the last text row: its descenders reach 4 px into it, 10 px stay clear
    height = sum(max(p.height for p in row) for row in rows) + 18 * len(text_rows) + 14
    canvas = Image.new("RGB", (width, height), "white")
    y = 0
    for row in rows:
        x = 0
        for picture in row:
            canvas.paste(picture, (x, y))
            x += picture.width
        y += max(p.height for p in row)
    draw = ImageDraw.Draw(canvas)
    for line in text_rows:
        draw.text((10, y + 4), line, fill=INK, font=font(13))
        y += 18
    return canvas


def _title(model: StadtteilModel, lang: str, label: str) -> str:
    head = texts.tr("month_year", lang, month=model.month, year=model.config.district.start_year + model.month // 12)
    district = model.config.district.name
    return f"{label + ': ' if label else ''}{district} · {head}"


def title(model: StadtteilModel, lang: str, label: str = "") -> str:
    return _title(model, lang, label)
