"""The package's version, declared once in pyproject.toml and read from the installed metadata."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("stadtteil_sim")
except PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"
