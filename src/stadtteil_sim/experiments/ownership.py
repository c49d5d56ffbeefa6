"""Where a command may write: never over what it did not write.

A command that writes a folder (``run``, ``report``, ``batch``, ``calibrate``, ``sensitivity``)
may create a new folder, fill an empty one, or update one it wrote itself, which it recognises
by the marker file :data:`MARKER` it leaves there (or, for folders written before markers
existed, by its own manifest). Any other non-empty folder is refused unless the user passes
``--force``; even then only the command's own files are replaced, each atomically, and every
other file stays. A command that writes one file (``animate``, the dashboard's saved levers)
never replaces a file it did not write.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from stadtteil_sim.experiments.atomic import shareable, write_bytes

MARKER = ".stadtteil-sim.json"
STAGING_PREFIX = ".stadtteil-sim-staging-"


class OutputError(ValueError):
    """The output path cannot be used as asked; the message names it and what is allowed."""


def _marker(folder: Path) -> dict | None:
    try:
        data = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _entries(folder: Path) -> list[Path]:
    """What a folder holds, leaving out the marker and staging folders of a command killed midway."""
    return sorted(p for p in folder.iterdir() if p.name != MARKER and not p.name.startswith(STAGING_PREFIX))


def _check_path(path: Path, flag: str) -> None:
    """Refuse paths that can never be an output of their own: the current folder or one above
    it, a path through a regular file."""
    resolved = path.resolve()
    if path.name in ("", ".", "..") or Path.cwd().is_relative_to(resolved):
        raise OutputError(
            f"{flag} {path}: this is the current folder or one above it; "
            "allowed: a folder of its own, e.g. results/NAME"
        )
    for ancestor in resolved.parents:
        if ancestor.exists():
            if not ancestor.is_dir():
                raise OutputError(f"{flag} {path}: cannot be created, {ancestor} is a file; allowed: a path under a folder")
            break


def check_folder(
    folder: str | Path,
    command: str,
    *,
    force: bool = False,
    recognise: Callable[[Path], bool] | None = None,
    flag: str = "--out",
) -> None:
    """Raise :class:`OutputError` unless ``command`` may write into ``folder``.

    ``recognise`` tells a folder the command wrote before it left markers (e.g. by its manifest).
    """
    folder = Path(folder)
    _check_path(folder, flag)
    if not folder.exists():
        return
    if not folder.is_dir():
        raise OutputError(
            f"{flag} {folder}: is a file, not a folder; allowed: a new folder, or one 'stadtteil-sim {command}' wrote"
        )
    entries = _entries(folder)
    marker = _marker(folder)
    written_by = (marker or {}).get("command")
    if not entries or written_by == command or (written_by is None and recognise is not None and recognise(folder)):
        return
    if force:
        return
    whose = f"was written by 'stadtteil-sim {written_by}'" if written_by else "holds files stadtteil-sim did not write"
    raise OutputError(
        f"{flag} {folder}: {whose} (e.g. {entries[0].name}); allowed: a new or empty folder, or one "
        f"'stadtteil-sim {command}' wrote; add --force to write into it anyway "
        f"(only {command}'s own files are replaced, every other file stays)"
    )


def _write_marker(folder: Path, command: str, files: list[str] | None) -> None:
    from stadtteil_sim._version import __version__

    data = {"command": command, "version": __version__, "updated": datetime.now(UTC).isoformat(timespec="seconds")}
    if files is not None:
        data["files"] = files
    write_bytes(folder / MARKER, (json.dumps(data, indent=1) + "\n").encode("utf-8"))


def claim_folder(
    folder: str | Path,
    command: str,
    *,
    force: bool = False,
    recognise: Callable[[Path], bool] | None = None,
) -> Path:
    """For a command that fills its folder bit by bit (a batch, a calibration): check, create
    and mark it as ``command``'s. Files it holds already are left alone."""
    folder = Path(folder)
    check_folder(folder, command, force=force, recognise=recognise)
    folder.mkdir(parents=True, exist_ok=True)
    if (_marker(folder) or {}).get("command") != command:
        _write_marker(folder, command, None)
    return folder


def _files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


@contextmanager
def result_folder(
    folder: str | Path,
    command: str,
    *,
    force: bool = False,
    recognise: Callable[[Path], bool] | None = None,
) -> Iterator[Path]:
    """Yield an empty staging folder for a command that writes its whole result at once.

    On success a new folder appears in one rename; into an existing folder each file moves
    in by its own rename, files this command wrote last time and not now are removed (the
    marker lists them), and every other file stays. On error nothing changes but the
    staging folder's removal.
    """
    folder = Path(folder)
    check_folder(folder, command, force=force, recognise=recognise)
    fresh = not folder.exists()
    parent = folder.parent if fresh else folder
    parent.mkdir(parents=True, exist_ok=True)
    for stale in parent.glob(f"{STAGING_PREFIX}*"):  # left by a command killed midway
        shutil.rmtree(stale, ignore_errors=True)
    stage = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=parent))
    try:
        shareable(stage, 0o777)
        yield stage
        files = _files_under(stage)
        if fresh:
            _write_marker(stage, command, files)
            stage.rename(folder)
            return
        before = _marker(folder) or {}
        for name in files:
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(stage / name, target)
        if before.get("command") == command:
            for name in set(before.get("files") or ()) - set(files):
                stale = folder / name
                if stale.is_file() and stale.resolve().is_relative_to(folder.resolve()):
                    stale.unlink()
        _write_marker(folder, command, files)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def check_file(
    path: str | Path,
    command: str,
    *,
    force: bool = False,
    written_here: Callable[[Path], bool] | None = None,
    flag: str = "--out",
) -> None:
    """Raise :class:`OutputError` unless ``command`` may write the file ``path``: a new file, one
    ``written_here`` recognises as its own, or any file with ``force``; never a folder."""
    path = Path(path)
    _check_path(path, flag)
    if path.is_dir():
        raise OutputError(f"{flag} {path}: is a folder; allowed: a file name, e.g. {path / 'run.gif'}")
    if not path.exists() or force or (written_here is not None and written_here(path)):
        return
    raise OutputError(
        f"{flag} {path}: exists and was not written by 'stadtteil-sim {command}'; "
        "allowed: a new file name; add --force to replace it"
    )


def free_name(folder: Path, stem: str, suffix: str) -> Path:
    """``folder/stem+suffix``, or with ``-2``, ``-3``, … added when that name is taken."""
    candidate = folder / f"{stem}{suffix}"
    number = 2
    while candidate.exists():
        candidate = folder / f"{stem}-{number}{suffix}"
        number += 1
    return candidate
