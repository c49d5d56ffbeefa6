"""``stadtteil-sim animate``: the dashboard's pictures as an animation, for slides without a server.

Each frame is ``app.views.frame``: the same district, organisation and chart pictures the live
page shows, with its monitors and latest events. A ``.gif`` is written with Pillow; an ``.mp4``
with ffmpeg where it is installed.

A GIF has one size and one palette of 256 colours for the whole film. The frames grow as the
event ticker fills, so all are rendered first and padded with the background to the largest one.
The palette holds every colour the views draw flat (community colours at each participation
level, the UI colours) as its own entry; the other entries go to the frames' other colours
(anti-aliased text and edges) by a median cut weighted by how many pixels show each; every pixel
takes its nearest entry, without dithering.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from stadtteil_sim.app import views
from stadtteil_sim.app.workshop import NO_COMPARISON, WorkshopModel
from stadtteil_sim.config.errors import ScenarioError
from stadtteil_sim.experiments.atomic import shareable
from stadtteil_sim.experiments.ownership import check_file

FORMATS = (".gif", ".mp4")
SIGNATURE = "written by stadtteil-sim animate"  # a GIF comment / an MP4 metadata comment


class AnimateError(ValueError):
    """Bad input or a missing tool; the message names what is allowed."""


def check_target(out: Path) -> str:
    """The output format from the file name; mp4 needs ffmpeg on the PATH."""
    suffix = Path(out).suffix.lower()
    if suffix not in FORMATS:
        raise AnimateError(f"--out {out}: unknown format {suffix or '(none)'}; allowed: {' | '.join(FORMATS)}")
    if suffix == ".mp4" and shutil.which("ffmpeg") is None:
        raise AnimateError(f"--out {out}: writing mp4 needs ffmpeg, which is not installed; allowed: a .gif file")
    return suffix


def written_by_animate(path: Path) -> bool:
    """Whether ``path`` is an animation this command wrote (it carries :data:`SIGNATURE`)."""
    try:
        with Path(path).open("rb") as handle:
            data = handle.read(256 * 2**20)  # the MP4 metadata sits at the end of files of a few MB
    except OSError:
        return False
    return SIGNATURE.encode() in data


def render_frames(
    workshop: WorkshopModel,
    lang: str,
    months: int | None = None,
    every: int = 1,
    on_frame: Callable[[int, Image.Image], None] | None = None,
) -> int:
    """Step ``workshop`` to ``months`` (default: its horizon) and hand every ``every``-th month's
    frame (month 0 and the last month always) to ``on_frame``. Returns the number of frames."""
    if workshop.error:
        raise ScenarioError(workshop.error)
    copies = [(c.label, c.model) for c in workshop.copies]
    district_views = [views.DistrictView(model, lang) for _, model in copies]
    horizon = min(months if months is not None else workshop.copies[0].model.config.run.months,
                  workshop.copies[0].model.config.run.months)
    count = 0
    for month in range(horizon + 1):
        if month > 0:
            workshop.step()
        if month % every == 0 or month == horizon:
            frame = views.frame(copies, district_views, lang)
            if on_frame is not None:
                on_frame(month, frame)
            count += 1
    return count


def animate(
    scenario: str | Path,
    out: str | Path,
    *,
    seed: int | None = None,
    lang: str = "de",
    months: int | None = None,
    every: int = 1,
    fps: float = 4.0,
    compare: str = NO_COMPARISON,
    compare_value: Any = "",
    levers: dict[str, Any] | None = None,
    force: bool = False,
) -> Path:
    """Write the animation of one scenario (or a side-by-side pair) to ``out``; an existing
    file there that this command did not write is refused (``OutputError``) unless ``force``."""
    out = Path(out)
    suffix = check_target(out)
    check_file(out, "animate", force=force, written_here=written_by_animate)
    if every < 1:
        raise AnimateError(f"--every {every}: allowed: a whole number >= 1")
    if fps <= 0:
        raise AnimateError(f"--fps {fps}: allowed: a number > 0")
    workshop = WorkshopModel(scenario, seed=seed, compare=compare, compare_value=compare_value, **(levers or {}))
    if workshop.error:
        raise ScenarioError(workshop.error)
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".gif":
        film = _GifFilm()
        render_frames(workshop, lang, months, every, film.add)
        frames, palette = film.frames()
        with _partial(out) as tmp:
            # palette: the film's one colour table, written once (no copy per frame)
            frames[0].save(tmp, format="GIF", save_all=True, append_images=frames[1:], duration=int(1000 / fps),
                           loop=0, optimize=False, palette=palette, comment=SIGNATURE)
        return out
    with tempfile.TemporaryDirectory(prefix="stadtteil-animate-") as tmpdir:
        def write(month: int, frame: Image.Image) -> None:
            # even sizes for the h264 encoder
            w, h = frame.size
            frame.crop((0, 0, w - w % 2, h - h % 2)).save(Path(tmpdir) / f"frame_{month:05d}.png", compress_level=1)

        render_frames(workshop, lang, months, every, write)
        with _partial(out) as tmp:
            done = subprocess.run(
                ["ffmpeg", "-y", "-loglevel", "error", "-framerate", str(fps), "-pattern_type", "glob",
                 "-i", str(Path(tmpdir) / "frame_*.png"), "-pix_fmt", "yuv420p", "-c:v", "libx264",
                 "-metadata", f"comment={SIGNATURE}", "-f", "mp4", str(tmp)],
                capture_output=True, text=True, check=False,
            )
            if done.returncode != 0:
                raise AnimateError(f"ffmpeg failed: {done.stderr.strip()}")
    return out


# --------------------------------------------------------------------------- the GIF's palette
# Colours views.py draws with as literals (tile outlines, rooms, school, the organisation diagram's
# boxes and lines, chart axes); its named constants are read from the module itself below.
UI_COLOURS = (
    (255, 255, 255), (200, 200, 200), (150, 150, 150), (255, 244, 214), (240, 240, 240), (222, 236, 255),
    (120, 120, 120), (70, 120, 200), (160, 160, 160), (205, 205, 205), (110, 110, 110), (230, 245, 232),
    (240, 240, 255), (60, 60, 160), (253, 236, 236), (236, 236, 252), (120, 120, 200), (100, 100, 100),
    (90, 90, 90),
)
GIF_COLOURS = 256


def fixed_colours() -> list[tuple[int, int, int]]:
    """Every colour the views draw flat, once each: the community colours, each of them at every
    participation level (mixed with white exactly as ``DistrictView.image`` does), the UI colours."""
    base = views.PALETTE
    levels = [(255.0 - s * (255.0 - base)).astype(np.uint8) for s in np.unique(views.LEVEL_STRENGTH)]
    named = [views.INK, views.GRID, views.HANDOVER_COLOUR, views.LINK_COLOUR]
    named += [i.colour for chart in views.charts() for i in views.chart_series(chart)]
    colours = [tuple(int(v) for v in row) for row in base.astype(np.uint8)]
    colours += [tuple(int(v) for v in row) for level in levels for row in level]
    colours += [tuple(int(v) for v in c) for c in (*named, *UI_COLOURS)]
    return list(dict.fromkeys(colours))


def gif_palette(counts: dict[tuple[int, int, int], int], background: tuple[int, int, int]) -> list[tuple[int, int, int]]:
    """The film's palette: the background and :func:`fixed_colours` (each its own entry), then
    up to :data:`GIF_COLOURS` in all from the frames' other colours (anti-aliased text and edges),
    chosen by a median cut weighted by how many pixels show them."""
    fixed = list(dict.fromkeys([background, *fixed_colours()]))
    if len(fixed) > GIF_COLOURS:
        raise AnimateError(f"the views draw with {len(fixed)} colours; a GIF holds {GIF_COLOURS}")
    known = set(fixed)
    others = {c: n for c, n in counts.items() if c not in known}
    free = GIF_COLOURS - len(fixed)
    if len(others) <= free:
        return fixed + sorted(others, key=others.__getitem__, reverse=True)
    colours = np.array(list(others), dtype=np.uint8)
    pixels = np.array(list(others.values()), dtype=np.float64)
    weights = np.ceil(pixels * (2**20 / pixels.sum())).astype(np.int64)  # every colour at least once
    sample = Image.fromarray(np.repeat(colours, weights, axis=0)[None])
    cut = sample.quantize(colors=free, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    flat = cut.getpalette() or []
    used = [tuple(flat[3 * i:3 * i + 3]) for _, i in sorted(cut.getcolors(GIF_COLOURS), reverse=True)]
    return fixed + [c for c in dict.fromkeys(used) if c not in known][:free]


def _keys(rgb: np.ndarray) -> np.ndarray:
    """One integer per pixel (or per row of colours), from uint8 RGB: R + G·2⁸ + B·2¹⁶."""
    padded = np.zeros((*rgb.shape[:-1], 4), dtype=np.uint8)
    padded[..., :3] = rgb
    return padded.view("<u4")[..., 0]


class _GifFilm:
    """Collects the rendered frames (zlib-compressed: a film's RGB frames would fill the memory)
    and how many pixels show each colour, then gives them back all of one size on one palette."""

    def __init__(self) -> None:
        self.frames_rgb: list[tuple[tuple[int, int], bytes]] = []
        self.counts: Counter[tuple[int, int, int]] = Counter()
        self.background: tuple[int, int, int] | None = None

    def add(self, _month: int, frame: Image.Image) -> None:
        if frame.mode != "RGB":
            frame = frame.convert("RGB")
        if self.background is None:  # views.frame leaves a white margin below the text
            self.background = frame.getpixel((frame.width - 1, frame.height - 1))
        for n, colour in frame.getcolors(frame.width * frame.height):
            self.counts[colour] += n
        self.frames_rgb.append((frame.size, zlib.compress(frame.tobytes(), 1)))

    def frames(self) -> tuple[list[Image.Image], bytes]:
        """Every frame padded (right and below) with the background to the largest width and
        height, and mapped to :func:`gif_palette` by nearest colour (no dithering: a legend colour
        stays one index, exact colours keep their own entries); and that palette as bytes."""
        assert self.background is not None, "no frames"
        palette = gif_palette(self.counts, self.background)
        entries = np.array(palette, dtype=np.int64)
        seen = np.array(list(self.counts), dtype=np.int64)
        lut = np.zeros(2**24, dtype=np.uint8)  # colour key -> palette index
        for start in range(0, len(seen), 4096):
            chunk = seen[start:start + 4096]
            distance = ((chunk[:, None, :] - entries[None, :, :]) ** 2).sum(axis=2)
            lut[_keys(chunk.astype(np.uint8))] = distance.argmin(axis=1)  # exact colours: distance 0
        width = max(w for (w, _), _ in self.frames_rgb)
        height = max(h for (_, h), _ in self.frames_rgb)
        flat = bytes(v for colour in palette for v in colour)
        frames = []
        for (w, h), data in self.frames_rgb:
            rgb = np.frombuffer(zlib.decompress(data), dtype=np.uint8).reshape(h, w, 3)
            indices = np.full((height, width), palette.index(self.background), dtype=np.uint8)
            indices[:h, :w] = lut[_keys(rgb)]
            frame = Image.frombytes("P", (width, height), indices.tobytes())
            frame.putpalette(flat)
            frames.append(frame)
        return frames, flat


@contextmanager
def _partial(out: Path) -> Iterator[Path]:
    """A temporary file beside ``out`` to write; renamed to ``out`` on success, removed otherwise."""
    fd, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        shareable(tmp)
        tmp.replace(out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
