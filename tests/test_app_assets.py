"""Solara's front-end files come from the installation (a cache filled from the npm registry),
never from a CDN: the list matches the installed solara, the cache is complete after set-up,
and fetching unpacks npm tarballs into solara's cache layout."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import solara
import solara.server.settings

from stadtteil_sim.app import assets

SOLARA = Path(solara.__file__).parent


def test_package_list_matches_what_the_installed_solara_loads():
    template = (SOLARA / "server/templates/solara.html.j2").read_text(encoding="utf-8")
    grid = (SOLARA / "widgets/vue/gridlayout.vue").read_text(encoding="utf-8")
    assert "/@widgetti/solara-vuetify-app@10.1.1/dist/solara-vuetify-app{{ipywidget_major_version}}" in template
    assert "/requirejs@2.3.6/require.js" in template
    assert solara.server.settings.assets.fontawesome_path.startswith("/font-awesome@4.5.0/")
    assert "@widgetti/vue-grid-layout@2.3.13-alpha.2/dist/vue-grid-layout.umd.js" in grid
    assert set(assets.PROBES) == set(assets.PACKAGES)


def test_the_cache_solara_uses_is_complete():
    """./dev test fetches the files during set-up; solara serves from this folder."""
    used = Path(solara.server.settings.assets.proxy_cache_dir)
    assert used == assets.cache_dir()
    assert assets.missing(used) == [], f"run: {sys.executable} -m stadtteil_sim.app.assets"
    assert (used / "@widgetti/solara-vuetify-app@10.1.1/dist/main8.css").is_file()


def fake_npm(tmp_path: Path) -> str:
    """An `npm pack` stand-in: writes a tarball with the probe file of the asked package."""
    script = tmp_path / "npm"
    script.write_text(
        f"""#!{sys.executable}
import sys, tarfile, io, pathlib
spec, dest = sys.argv[-1], pathlib.Path(sys.argv[sys.argv.index("--pack-destination") + 1])
probes = {assets.PROBES!r}
name = spec.replace("@", "").replace("/", "-") + ".tgz"
with tarfile.open(dest / name, "w:gz") as tar:
    for path in (probes[spec], "package.json"):
        data = ("// " + spec + "\\n").encode()
        info = tarfile.TarInfo("package/" + path)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
print(name)
""",
        encoding="utf-8",
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


def test_fetch_unpacks_into_the_cache_layout_and_is_stamped(tmp_path):
    cache = tmp_path / "cdn"
    assert assets.fetch(cache, npm=fake_npm(tmp_path)) == list(assets.PACKAGES)
    for spec, probe in assets.PROBES.items():
        assert (cache / spec / probe).read_text() == f"// {spec}\n"
    assert assets.fetch(cache, npm="/nonexistent/npm") == []  # complete and stamped: nothing to do
    assert not list(cache.rglob("*.partial"))


def test_missing_npm_gives_a_clear_message(tmp_path, monkeypatch):
    monkeypatch.setattr(assets.shutil, "which", lambda name: None)
    try:
        assets.fetch(tmp_path / "empty")
    except assets.AssetsError as exc:
        assert "npm" in str(exc) and "stadtteil_sim.app.assets" in str(exc)
    else:
        raise AssertionError("fetch without npm must fail")


def test_configure_points_solara_at_the_cache(monkeypatch):
    monkeypatch.delenv(assets.ENV_CACHE, raising=False)
    directory = assets.configure(assets.default_cache_dir())
    assert os.environ[assets.ENV_CACHE] == str(directory)
