"""Writing files so that a reader (or a crash) never sees them half-written: each is written
under a temporary dot-name next to its target, then renamed into place."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the command line imports this module; pandas only where a table is written
    import pandas as pd


def _read_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _read_umask()  # read once, at import: os.umask can only be read by setting it


def shareable(path: str | Path, mode: int = 0o666) -> None:
    """mkstemp/mkdtemp create private (0600/0700) entries; results are for others to read too."""
    os.chmod(path, mode & ~_UMASK)


def write_bytes(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` via a flushed temporary file and a rename."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        shareable(tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_parquet(frame: pd.DataFrame, target: Path) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(fd)
    try:
        frame.to_parquet(tmp, index=False)
        shareable(tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_figure(fig, target: Path, **savefig) -> None:
    """Save a matplotlib figure as PNG (rendered in memory first) via :func:`write_bytes`."""
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", **savefig)
    write_bytes(target, buffer.getvalue())
