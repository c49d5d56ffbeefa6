"""``stadtteil-sim animate``: the dashboard's pictures as an animation, for slides without a server.

Each frame is ``app.views.frame``: the same district, organisation and chart pictures the live
page shows, with its monitors and latest events. A ``.gif`` is written with Pillow; an ``.mp4``
with ffmpeg where it is installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from PIL import Image

from stadtteil_sim.app import views
from stadtteil_sim.app.workshop import NO_COMPARISON, WorkshopModel
from stadtteil_sim.atomic import shareable
from stadtteil_sim.ownership import check_file
from stadtteil_sim.scenario import ScenarioError

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
        frames: list[Image.Image] = []
        # One palette for the whole film (taken from the first frame) keeps the colours steady.
        palette: list[Image.Image] = []

        def keep(_month: int, frame: Image.Image) -> None:
            if not palette:
                palette.append(frame.quantize(colors=96, method=Image.Quantize.MEDIANCUT))
            frames.append(frame.quantize(palette=palette[0], dither=Image.Dither.NONE))

        render_frames(workshop, lang, months, every, keep)
        with _partial(out) as tmp:
            frames[0].save(tmp, format="GIF", save_all=True, append_images=frames[1:], duration=int(1000 / fps),
                           loop=0, optimize=False, comment=SIGNATURE)
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
