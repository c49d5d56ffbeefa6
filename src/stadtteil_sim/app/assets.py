"""Solara's front-end files for a room without internet.

Solara's page loads its JavaScript and CSS from a CDN; its server can instead serve them from
a local proxy cache (``SOLARA_ASSETS_PROXY_CACHE_DIR``, laid out as ``<package>@<version>/<file>``).
This module fills that cache once from the npm registry (with ``npm pack``, the ordinary client)
and points solara at it. The cache is solara's own default folder inside the virtual environment
(``<venv>/share/solara/cdn``), so the server, the tests and ``stadtteil-sim live`` all find it.

    .venv/bin/python -m stadtteil_sim.app.assets          # fetch when missing (./dev does this)
    .venv/bin/python -m stadtteil_sim.app.assets --check  # exit 1 when something is missing

Nothing here imports solara: ``configure()`` must run before solara reads its settings.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

# The packages the page loads, at the versions the pinned solara asks for (its template
# solara.html.j2, its grid layout widget and settings.assets.fontawesome_path).
# tests/test_app_assets.py checks this list against the installed solara.
PACKAGES = (
    "@widgetti/solara-vuetify-app@10.1.1",
    "requirejs@2.3.6",
    "font-awesome@4.5.0",
    "@widgetti/vue-grid-layout@2.3.13-alpha.2",
)
# A file of each package the page requests; its presence means the package is in the cache.
PROBES = {
    "@widgetti/solara-vuetify-app@10.1.1": "dist/solara-vuetify-app8.min.js",
    "requirejs@2.3.6": "require.js",
    "font-awesome@4.5.0": "css/font-awesome.min.css",
    "@widgetti/vue-grid-layout@2.3.13-alpha.2": "dist/vue-grid-layout.umd.js",
}
ENV_CACHE = "SOLARA_ASSETS_PROXY_CACHE_DIR"


class AssetsError(RuntimeError):
    """The offline assets are missing and cannot be fetched; the message says how to fix it."""


def default_cache_dir() -> Path:
    """Solara's default proxy cache: ``<sys.prefix>/share/solara/cdn``."""
    return Path(sys.prefix) / "share" / "solara" / "cdn"


def cache_dir() -> Path:
    return Path(os.environ.get(ENV_CACHE) or default_cache_dir())


def _stamp(directory: Path) -> Path:
    digest = hashlib.sha256("\n".join(PACKAGES).encode()).hexdigest()[:12]
    return directory / f".stadtteil_sim-assets-{digest}"


def missing(directory: Path | None = None) -> list[str]:
    """The packages whose files are not in the cache."""
    directory = directory or cache_dir()
    return [p for p in PACKAGES if not (directory / p / PROBES[p]).is_file()]


def fetch(directory: Path | None = None, npm: str | None = None) -> list[str]:
    """Put every missing package into the cache with ``npm pack``; returns what was fetched."""
    directory = directory or cache_dir()
    wanted = missing(directory)
    if not wanted and _stamp(directory).is_file():
        return []
    npm = npm or shutil.which("npm")
    if wanted and not npm:
        raise AssetsError(
            f"solara's front-end files are missing from {directory} ({', '.join(wanted)}) and npm is not "
            "installed to fetch them; install Node.js/npm and run: .venv/bin/python -m stadtteil_sim.app.assets"
        )
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="solara-assets-") as tmp:
        for spec in wanted:
            done = subprocess.run(
                [npm, "pack", "--silent", "--pack-destination", tmp, spec],
                capture_output=True, text=True, check=False,
            )
            if done.returncode != 0:
                raise AssetsError(f"npm pack {spec} failed: {done.stderr.strip() or done.stdout.strip()}")
            tarball = Path(tmp) / done.stdout.strip().splitlines()[-1]
            _unpack(tarball, directory / spec)
    still = missing(directory)
    if still:
        raise AssetsError(f"after fetching, these are still missing from {directory}: {', '.join(still)}")
    _stamp(directory).touch()
    return wanted


def _unpack(tarball: Path, target: Path) -> None:
    """Extract an npm tarball's ``package/`` folder as ``target`` (atomically: rename at the end)."""
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    with tarfile.open(tarball) as archive:
        members = [m for m in archive.getmembers() if m.name.startswith("package/") and (m.isfile() or m.isdir())]
        for member in members:
            member.name = member.name[len("package/"):]
        archive.extractall(staging, members=[m for m in members if m.name], filter="data")
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)


def configure(directory: Path | None = None) -> Path:
    """Point solara at the local cache (call before solara is imported); raise if incomplete."""
    directory = directory or cache_dir()
    settings = sys.modules.get("solara.server.settings")
    if settings is not None and Path(settings.assets.proxy_cache_dir) != directory:
        raise AssetsError("solara was imported before its assets were configured")
    gone = missing(directory)
    if gone:
        raise AssetsError(
            f"solara's front-end files are missing from {directory}: {', '.join(gone)}; "
            "fetch them once with: .venv/bin/python -m stadtteil_sim.app.assets"
        )
    os.environ[ENV_CACHE] = str(directory)
    os.environ["SOLARA_ASSETS_PROXY"] = "True"
    return directory


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fetch solara's front-end files for offline use.")
    parser.add_argument("--dir", type=Path, default=None, help=f"cache folder (default: {default_cache_dir()})")
    parser.add_argument("--check", action="store_true", help="only check; exit 1 when something is missing")
    args = parser.parse_args(argv)
    directory = args.dir or cache_dir()
    if args.check:
        gone = missing(directory)
        print(f"missing from {directory}: {', '.join(gone)}" if gone else f"complete: {directory}")
        return 1 if gone else 0
    try:
        fetched = fetch(directory)
    except AssetsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"fetched into {directory}: {', '.join(fetched)}" if fetched else f"up to date: {directory}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
