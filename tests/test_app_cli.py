"""`stadtteil-sim live` and `stadtteil-sim animate` from the command line: bad input exits 2 with a
clear message and no traceback; live serves the page and solara's front-end files offline;
animate writes the dashboard's pictures as a GIF."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from PIL import GifImagePlugin, Image, ImageSequence
from typer.testing import CliRunner

from stadtteil_sim.app import animate as animate_module
from stadtteil_sim.app import views
from stadtteil_sim.cli import app

ROOT = Path(__file__).resolve().parent.parent
KS = ROOT / "scenarios" / "kranichstein_sued.yaml"
ES = ROOT / "scenarios" / "eberstadt_sued.yaml"
runner = CliRunner()


def invoke(*args: str):
    result = runner.invoke(app, list(args))
    assert "Traceback" not in result.output
    return result


def broken(tmp_path: Path) -> Path:
    path = tmp_path / "broken.yaml"
    path.write_text("office:\n  handover_rule: sometimes\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("command", ["live", "animate"])
def test_wrong_language_exits_2_naming_the_allowed_ones(command):
    result = invoke(command, str(KS), "--lang", "fr")
    shown = " ".join(re.sub("[│╭╮╰╯─]", " ", result.output).split())  # typer's error box, unwrapped
    assert result.exit_code == 2 and "Invalid value for '--lang'" in shown and "'de', 'en'" in shown


@pytest.mark.parametrize("command", ["live", "animate"])
def test_broken_scenario_exits_2_naming_file_and_key(command, tmp_path):
    result = invoke(command, str(broken(tmp_path)))
    assert result.exit_code == 2
    assert "broken.yaml" in result.output and "office.handover_rule" in result.output and "fixed | stable" in result.output


def test_live_refuses_a_taken_port():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = invoke("live", str(KS), "--port", str(port))
    assert result.exit_code == 2 and f"--port {port}" in result.output and "in use" in result.output


def test_animate_writes_a_gif_of_the_views(tmp_path):
    out = tmp_path / "film" / "run.gif"
    result = invoke("animate", str(KS), "--out", str(out), "--months", "4", "--every", "2", "--lang", "en")
    assert result.exit_code == 0, result.output
    with Image.open(out) as gif:
        assert gif.n_frames == 3  # months 0, 2, 4
        assert gif.size[0] > 1000 and gif.size[1] > 600
    assert not list(out.parent.glob(".*partial*"))


def test_animate_side_by_side_is_taller(tmp_path):
    single, pair = tmp_path / "one.gif", tmp_path / "two.gif"
    assert invoke("animate", str(KS), "--out", str(single), "--months", "0").exit_code == 0
    assert invoke("animate", str(KS), "--out", str(pair), "--months", "0", "--compare", "office.handover_month",
                  "--compare-value", "42").exit_code == 0
    with Image.open(single) as a, Image.open(pair) as b:
        assert b.size[1] > a.size[1]


@pytest.fixture(scope="module")
def eberstadt_film(tmp_path_factory):
    """Eberstadt-Süd side by side (B hands over in month 1), small and short, with the frames
    views.frame drew for it: the ticker fills, so later frames are taller than the first."""
    folder = tmp_path_factory.mktemp("film")
    scenario = folder / "small.yaml"
    scenario.write_text(f"include: {json.dumps(ES.as_posix())}\nrun: {{scale: 0.05}}\n", encoding="utf-8")
    out = folder / "pair.gif"
    drawn: list[tuple[Image.Image, list[str]]] = []
    real = views.frame

    def recording(copies, district_views, lang):
        picture = real(copies, district_views, lang)
        drawn.append((picture.copy(), list(copies[0][1].community_names)))
        return picture

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(animate_module.views, "frame", recording)
        result = invoke("animate", str(scenario), "--out", str(out), "--months", "3",
                        "--compare", "office.handover_month", "--compare-value", "1")
    assert result.exit_code == 0, result.output
    return out, drawn


def test_animate_frames_are_one_size_and_keep_all_their_content(eberstadt_film):
    out, drawn = eberstadt_film
    sizes = [picture.size for picture, _ in drawn]
    assert len(set(sizes)) > 1, f"the frames did not grow ({sizes}): this film tests nothing"
    largest = (max(w for w, _ in sizes), max(h for _, h in sizes))
    background = drawn[0][0].getpixel((0, sizes[0][1] - 1))
    with Image.open(out) as gif:
        assert gif.n_frames == len(drawn)
        frames = [np.asarray(f.convert("RGB")) for f in ImageSequence.Iterator(gif)]
    assert {(f.shape[1], f.shape[0]) for f in frames} == {largest}
    for number, (shown, (picture, _)) in enumerate(zip(frames, drawn, strict=True)):
        w, h = picture.size
        content = np.asarray(picture)
        assert (shown[:h, :w] == content).all(axis=2).mean() > 0.95, f"frame {number} is not the drawn one"
        assert (shown[h:] == background).all() and (shown[:, w:] == background).all(), f"frame {number}: padding"
    last, shown = np.asarray(drawn[-1][0]), frames[-1]
    # Nothing cut at the bottom: B's status line and its events (the last text rows), then the
    # margin, whose last 10 px are background.
    status = slice(last.shape[0] - 14 - 18 * 6, last.shape[0])
    assert (last[status].mean(axis=2) < 128).sum() > 1000  # text is drawn there
    assert np.abs(shown[status].astype(int) - last[status]).max() <= 16  # anti-aliasing: a near grey
    assert (shown[-10:] == background).all(), "the last frame's bottom margin is cut off"


def test_animate_gives_every_community_colour_its_own_palette_index(eberstadt_film, monkeypatch):
    out, drawn = eberstadt_film
    names = drawn[0][1]
    assert len(names) == 14  # natives and 13 communities
    colours = [views.community_colour(k) for k in range(len(names))]
    assert len(set(colours)) == len(colours)
    # Keep every frame in palette mode (Pillow turns frames after the first into RGB by default).
    monkeypatch.setattr(GifImagePlugin, "LOADING_STRATEGY",
                        GifImagePlugin.LoadingStrategy.RGB_AFTER_DIFFERENT_PALETTE_ONLY)
    with Image.open(out) as gif:
        for number, frame in enumerate(ImageSequence.Iterator(gif)):
            assert frame.mode == "P", f"frame {number} has a palette of its own"
            flat = frame.getpalette()
            palette = [tuple(flat[i:i + 3]) for i in range(0, len(flat), 3)]
            indices = np.asarray(frame)
            drawn_rgb = np.asarray(drawn[number][0])
            h, w = min(indices.shape[0], drawn_rgb.shape[0]), min(indices.shape[1], drawn_rgb.shape[1])
            used = {}
            for name, colour in zip(names, colours, strict=True):
                assert palette.count(colour) == 1, f"frame {number}: {name} {colour} is not in the palette once"
                where = (drawn_rgb[:h, :w] == colour).all(axis=2)  # its legend square at least
                assert where.sum() >= 14 * 14, f"frame {number}: {name} is not drawn"
                shown = set(np.unique(indices[:h, :w][where]).tolist())
                assert shown == {palette.index(colour)}, f"frame {number}: {name} shows as {shown}"
                used[palette.index(colour)] = name
            assert len(used) == len(names), f"frame {number}: communities share an index: {used}"
            # The dots' colours at each participation level are in the palette exactly too.
            for strength in np.unique(views.LEVEL_STRENGTH):
                for base in views.PALETTE[: len(names)]:
                    mixed = tuple(int(v) for v in (255.0 - strength * (255.0 - base)).astype(np.uint8))
                    assert mixed in palette, f"frame {number}: level colour {mixed} is missing"


def test_animate_format_and_ffmpeg_messages(tmp_path, monkeypatch):
    result = invoke("animate", str(KS), "--out", str(tmp_path / "run.avi"))
    assert result.exit_code == 2 and ".gif | .mp4" in result.output
    monkeypatch.setattr(animate_module.shutil, "which", lambda name: None)
    result = invoke("animate", str(KS), "--out", str(tmp_path / "run.mp4"))
    assert result.exit_code == 2 and "ffmpeg" in result.output and not (tmp_path / "run.mp4").exists()


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="mp4 needs ffmpeg, which this machine does not have")
def test_animate_writes_mp4_where_ffmpeg_exists(tmp_path):
    out = tmp_path / "run.mp4"
    assert invoke("animate", str(KS), "--out", str(out), "--months", "2").exit_code == 0
    assert out.stat().st_size > 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_live_serves_the_page_and_its_front_end_files_without_internet(tmp_path):
    """The real command in a subprocess: it prints its address, the page answers, and solara's
    JavaScript comes from the local cache (a CDN fetch would fail on these machines)."""
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "stadtteil_sim", "live", str(KS), "--port", str(port), "--lang", "en",
         "--save-dir", str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=ROOT,
    )
    try:
        first = process.stdout.readline()
        assert f"http://127.0.0.1:{port}" in first, first
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                    page = response.read().decode()
                break
            except OSError:
                assert time.monotonic() < deadline and process.poll() is None, "the server did not come up"
                time.sleep(0.3)
        assert "/_solara/cdn/@widgetti/solara-vuetify-app@10.1.1/" in page and "jsdelivr" not in page
        for path in ("@widgetti/solara-vuetify-app@10.1.1/dist/solara-vuetify-app8.min.js", "requirejs@2.3.6/require.js",
                     "@widgetti/vue-grid-layout@2.3.13-alpha.2/dist/vue-grid-layout.umd.js"):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_solara/cdn/{path}", timeout=30) as response:
                assert response.status == 200 and len(response.read()) > 1000
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
