"""Hostile or broken YAML fails cleanly and fast: one ``error:`` line naming the file (the
including file and its ``include`` key for an include), what is allowed, exit status 2, nothing
written, no traceback, the file's contents never echoed, and all of it inside 200 MB of address
space (``RLIMIT_AS`` on the subprocess, so an alias bomb cannot expand in memory).
"""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

import pytest

from samples import SMALL
from stadtteil_sim.config import safe_yaml

MEMORY_LIMIT = 200 * 2**20
SECRET = "Protokoll der Sitzung, vertraulich, Frau K. sagt"


def cli(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess:
    def limit_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    return subprocess.run(
        [sys.executable, "-m", "stadtteil_sim", *map(str, args)], cwd=cwd, capture_output=True, text=True,
        timeout=300, preexec_fn=limit_memory,
    )  # fmt: skip


def assert_one_clean_error(proc: subprocess.CompletedProcess, *expected: str) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    assert "allowed:" in lines[0], lines[0]
    assert "Traceback" not in proc.stderr + proc.stdout
    for part in expected:
        assert part in lines[0], (part, lines[0])


def deep(levels: int) -> str:
    return "a: " + "[" * levels + "]" * levels + "\n"


def alias_bomb(levels: int = 9) -> str:
    """"Billion laughs": nine levels of nine aliases each, 9^9 (about 387 million) strings."""
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


HOSTILE = {
    "deep nesting": (deep(5000), f"nests more than {safe_yaml.MAX_DEPTH} levels deep"),
    "alias bomb": (alias_bomb(), "values once its aliases are expanded"),
    "too large": ("name: x\ndescription: '" + "x" * (safe_yaml.MAX_BYTES + 10) + "'\n", "larger than 1,000,000 bytes"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_scenario_fails_with_one_line(tmp_path, case):
    text, message = HOSTILE[case]
    (tmp_path / "hostile.yaml").write_text(text)
    before = sorted(tmp_path.iterdir())
    for command in ("validate", "run"):
        assert_one_clean_error(cli(command, "hostile.yaml", cwd=tmp_path), "hostile.yaml: ", message)
    assert sorted(tmp_path.iterdir()) == before  # nothing written


def write_include(tmp_path: Path, target: str) -> None:
    (tmp_path / "district.yaml").write_text(f"include: {target}\n" + SMALL)


INCLUDES = {
    "folder": (lambda p: (p / "part").mkdir(), "part", "is a folder"),
    "missing file": (lambda p: None, "part.yaml", "file not found"),
    "binary file": (lambda p: (p / "part.bin").write_bytes(bytes(range(256)) * 8), "part.bin", "binary file"),
    "not UTF-8": (lambda p: (p / "part.txt").write_bytes(SECRET.encode("latin-1") + "ä".encode("latin-1")), "part.txt",
                  "not UTF-8"),
    "text, not a mapping": (lambda p: (p / "notes.txt").write_text(SECRET + " ...\n"), "notes.txt", "top level is text"),
    "notes with a colon": (lambda p: (p / "notes.md").write_text(f"{SECRET}: nein\nDann: ja\n"), "notes.md",
                           "not a scenario file"),
    "a list, not a mapping": (lambda p: (p / "list.yaml").write_text(f"- {SECRET}\n- zwei\n"), "list.yaml",
                              "top level is a list"),
    "deep nesting": (lambda p: (p / "deep.yaml").write_text(deep(5000)), "deep.yaml", "levels deep"),
    "alias bomb": (lambda p: (p / "bomb.yaml").write_text(alias_bomb()), "bomb.yaml", "aliases are expanded"),
    "cycle": (lambda p: (p / "loop.yaml").write_text("include: district.yaml\n"), "loop.yaml", "include cycle"),
}


@pytest.mark.parametrize("case", sorted(INCLUDES))
def test_a_bad_include_names_the_including_file_and_key_and_never_echoes_the_file(tmp_path, case):
    make, target, message = INCLUDES[case]
    make(tmp_path)
    write_include(tmp_path, target)
    before = sorted(tmp_path.rglob("*"))
    for command in ("validate", "run"):
        proc = cli(command, "district.yaml", cwd=tmp_path)
        if case == "cycle":  # named from the file that leads back
            assert_one_clean_error(proc, "include cycle: district.yaml -> loop.yaml -> district.yaml")
        else:
            assert_one_clean_error(proc, f"district.yaml: include = '{target}': ", message)
        assert SECRET not in proc.stderr and "Protokoll" not in proc.stderr
    assert sorted(tmp_path.rglob("*")) == before


# The batch command's engine (numpy, pandas, pyarrow) alone maps more than 200 MB of address
# space, so there the limit is 200 MB on top of what the imported program already holds.
HEADROOM = """\
import resource, sys
import stadtteil_sim.experiments.batch, stadtteil_sim.cli
size = int(open("/proc/self/status").read().split("VmSize:")[1].split()[0]) * 1024
resource.setrlimit(resource.RLIMIT_AS, (size + {limit}, size + {limit}))
sys.argv = ["stadtteil-sim", *sys.argv[1:]]
stadtteil_sim.cli.main()
"""


@pytest.mark.parametrize("text", [alias_bomb(), deep(5000)], ids=["alias bomb", "deep nesting"])
def test_an_experiment_file_is_read_with_the_same_limits(tmp_path, text):
    (tmp_path / "exp.yaml").write_text(text)
    proc = subprocess.run([sys.executable, "-c", HEADROOM.format(limit=MEMORY_LIMIT), "batch", "exp.yaml"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert_one_clean_error(proc, "exp.yaml: ")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exp.yaml"]


def test_anchors_and_aliases_within_the_limits_still_work(tmp_path):
    (tmp_path / "anchors.yaml").write_text(SMALL.replace("    - {name: B, size: 50, language: Lb}",
                                                         "    - &b {name: B, size: 50, language: Lb}")
                                           + "description: &d Ein Viertel\n")
    proc = cli("validate", "anchors.yaml", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr


def test_the_command_line_checks_input_before_it_loads_the_numeric_stack():
    """What keeps a refused scenario quick and inside the memory limit: numpy, pandas, pyarrow
    and Mesa are imported only once the input is valid."""
    code = "import sys, stadtteil_sim.cli; print(sorted(m for m in ('numpy', 'pandas', 'pyarrow', 'mesa') if m in sys.modules))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.stdout.strip() == "[]", proc.stdout + proc.stderr


def test_limits_hold_at_their_edge():
    safe_yaml.load(deep(safe_yaml.MAX_DEPTH - 1))  # the mapping is one level, the lists the rest
    with pytest.raises(safe_yaml.YamlInputError, match="levels deep"):
        safe_yaml.load(deep(safe_yaml.MAX_DEPTH))
    with pytest.raises(safe_yaml.YamlInputError, match="aliases are expanded"):
        safe_yaml.load(alias_bomb(levels=6))  # 9^6 = 531,441 values
    assert len(safe_yaml.load(alias_bomb(levels=4))["l3"]) == 9  # 9^4 = 6,561: fine
