"""Small scenario texts shared by the validation and CLI tests, and writing them."""

import textwrap
from pathlib import Path


def write(path: Path, text: str) -> Path:
    """A test's YAML file (indented text dedented), its folder made if need be."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


# A small valid district: foreign-national communities A + B = 200 = 0.2 x 1000; C are German citizens.
SMALL = """\
name: small
district:
  name: Testviertel
  population: 1000
  foreign_share: 0.2
  communities:
    - {name: A, size: 150, language: La}
    - {name: B, size: 50, language: Lb}
    - {name: C, size: 100, language: Lc, foreign_nationals: false}
"""
