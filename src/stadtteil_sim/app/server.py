"""Starting the workshop page: solara's own server, bound to 127.0.0.1, with the offline assets.

``serve`` sets the environment the page reads (scenario, language, where scenarios are saved),
points solara at the local asset cache before solara is imported, prints the address and runs
``solara run`` in this process until Ctrl+C.
"""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

from stadtteil_sim.app import assets
from stadtteil_sim.app.defaults import ENV_LANG, ENV_SAVE_DIR, ENV_SCENARIO

HOST = "127.0.0.1"
APP_MODULE = "stadtteil_sim.app.page"


class ServeError(RuntimeError):
    """The server cannot start (port taken, assets missing); the message says what to do."""


def port_free(port: int, host: str = HOST) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def prepare(scenario: Path, lang: str, save_dir: Path | None) -> Path:
    """Environment for the page and for solara; fetch the assets once if npm can."""
    cache = assets.cache_dir()
    if assets.missing(cache):
        try:
            assets.fetch(cache)
        except assets.AssetsError as exc:
            raise ServeError(str(exc)) from None
    os.environ[ENV_SCENARIO] = str(scenario)
    os.environ[ENV_LANG] = lang
    if save_dir is not None:
        os.environ[ENV_SAVE_DIR] = str(save_dir)
    return assets.configure(cache)


def serve(scenario: Path, port: int, lang: str, save_dir: Path | None = None) -> None:
    if not port_free(port):
        raise ServeError(f"--port {port}: the port is in use on {HOST}; allowed: a free port, e.g. --port {port + 1}")
    prepare(scenario, lang, save_dir)
    # Only after configure(): solara reads its settings when it is imported.
    from solara.__main__ import run as solara_run

    print(f"Workshop dashboard: http://{HOST}:{port}  (scenario {scenario}, language {lang}; Ctrl+C stops it)", flush=True)
    solara_run.main(
        args=[APP_MODULE, "--host", HOST, "--port", str(port), "--production", "--no-open", "--no-check-version"],
        prog_name="solara run",
        standalone_mode=False,
    )
    sys.stdout.flush()
