"""The results folder of a batch: one Parquet file per finished run, committed atomically.

Layout of ``results/<experiment>/``::

    manifest.json        experiment, resolved scenarios, fingerprint, versions, git commit, seeds, times
    experiment.yaml      the experiment file as given
    parameter_sample.csv the parameter sample as given (.parquet for Parquet), if the experiment has one
    runs/<run_id>.parquet    one row per district: variant, replicate, seed, district, summary values, metrics
    series/<run_id>.parquet  the kept monthly indicators of that run, long by (district, month)
    failures/<run_id>.json   a run that raised: variant, seed, traceback

A run counts as done once its ``runs/`` file exists; it is written after its series file, and
both by rename from a temporary file, so a kill at any moment loses at most the runs in flight.
Readers ignore the temporary files (their names start with a dot).
"""

from __future__ import annotations

import ast
import hashlib
import json
import platform
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from stadtteil_sim.config.loading import display_path
from stadtteil_sim.experiments.atomic import write_bytes, write_parquet
from stadtteil_sim.experiments.design import Design, factor_levels

MANIFEST = "manifest.json"
# How a folder lays out its runs: 2 = one row per (run, district) and series long by (district,
# month), every run a city (a district file a city of one). Folders without it hold one row per run.
STORE_FORMAT = 2
# What a batch's worker executes for one run; the code it reaches is the code that computes
# what the store keeps (see code_fingerprint).
WORKER = "stadtteil_sim.experiments.record"
PACKAGES = ("stadtteil_sim", "mesa", "numpy", "pandas", "pyarrow", "pydantic", "dask", "distributed")


class StoreError(RuntimeError):
    """The folder cannot take this batch (another experiment's results, unreadable manifest)."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return out


def computing_modules(entry: str = WORKER) -> list[str]:
    """The package's modules that run when ``entry`` runs: ``entry``, everything it imports at
    any depth (also inside functions), and the packages above each (their ``__init__`` runs
    first). Imports made only for type checking are left out: they never run; so are a
    package's lazy re-exports."""
    root = Path(__file__).resolve().parents[1]

    def source(module: str) -> Path | None:
        base = root.parent.joinpath(*module.split("."))
        for candidate in (base.with_suffix(".py"), base / "__init__.py"):
            if candidate.is_file():
                return candidate
        return None

    def imported(module: str, path: Path) -> set[str]:
        found: set[str] = set()
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        parts = package.split(".")
        for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # a relative import
                    base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
                found.add(base)
                found |= {f"{base}.{alias.name}" for alias in node.names}
        return {name for name in found if name.split(".")[0] == "stadtteil_sim" and source(name)}

    seen: set[str] = set()
    todo = [entry]
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        parents = [".".join(module.split(".")[:i]) for i in range(1, module.count(".") + 1)]
        todo.extend(parents)
        path = source(module)
        if path is not None:
            todo.extend(imported(module, path) - seen)
    return sorted(seen)


def _runtime_nodes(tree: ast.AST):
    """Every node of ``tree`` except those under ``if TYPE_CHECKING:`` and a package's lazy
    re-exports (a module-level ``__getattr__``: it runs only when that name is asked for)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(tree, ast.Module) and isinstance(node, ast.FunctionDef) and node.name == "__getattr__":
            continue
        test = node.test if isinstance(node, ast.If) else None
        if test is not None and (getattr(test, "id", None) or getattr(test, "attr", None)) == "TYPE_CHECKING":
            yield from (n for child in node.orelse for n in (child, *_runtime_nodes(child)))
            continue
        yield node
        yield from _runtime_nodes(node)


def code_fingerprint() -> str:
    """Hash of the source of every module a batch's worker runs (:func:`computing_modules`):
    runs stored by other code are stale. Presentation (report, analysis, dashboard) and
    analyses that choose runs (calibration, sensitivity) are not reached, so changing them
    keeps stored runs valid; nothing is excluded by hand."""
    root = Path(__file__).resolve().parents[2]
    digest = hashlib.sha256()
    for module in computing_modules():
        base = root.joinpath(*module.split("."))
        path = base.with_suffix(".py") if base.with_suffix(".py").is_file() else base / "__init__.py"
        digest.update(module.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _git_commit() -> str | None:
    """The commit of the code that ran, with '+dirty' for uncommitted changes; None outside git."""
    here = Path(__file__).resolve().parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=here, capture_output=True, text=True, timeout=10
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return commit + ("+dirty" if dirty else "")


def _sample_manifest(design: Design) -> dict[str, Any] | None:
    """The parameter sample of a design: file, content hash, size, weighting and the row each
    replicate drew (the same in every variant and base), for the report and for resuming."""
    sample = design.sample
    if sample is None:
        return None
    if sample.hypercube:
        return {
            "sample": "uncertainties",
            "kind": "latin_hypercube",
            "sha256": sample.sha256,
            "rows": len(sample.values),
            "columns": sample.columns,
            "ranges": design.experiment.uncertainties.ranges,
            "weighted": False,
            "draws": {str(r): row for r, row in enumerate(design.draws)},
            "set_by_experiment": design.set_by_experiment,
        }
    return {
        "kind": "file",
        "sample": display_path(sample.file),
        "sha256": sample.sha256,
        "rows": len(sample.values),
        "columns": sample.columns,
        "weighted": sample.weights is not None,
        "draws": {str(r): row for r, row in enumerate(design.draws)},
        "set_by_experiment": design.set_by_experiment,
    }


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The manifest of a batch folder, or None where there is none (or a file of that name
    that a batch did not write)."""
    try:
        manifest = json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if isinstance(manifest, dict) and "fingerprint" in manifest and "code_fingerprint" in manifest:
        return manifest
    return None


def is_batch_folder(folder: Path) -> bool:
    """A batch folder written before folders carried a marker."""
    return read_manifest(folder) is not None


class BatchStore:
    """Open (or create) the folder for ``design``; refuses a folder made by a different
    experiment. Whether the folder may be written at all is checked before, by
    :func:`stadtteil_sim.experiments.ownership.claim_folder`."""

    def __init__(self, folder: Path, design: Design):
        self.folder = Path(folder)
        self.design = design
        self.runs_dir = self.folder / "runs"
        self.series_dir = self.folder / "series"
        self.failures_dir = self.folder / "failures"
        fingerprint = design.fingerprint()
        manifest = read_manifest(self.folder)
        if manifest is not None:
            if manifest.get("store_format") != STORE_FORMAT:
                raise StoreError(
                    f"{self.folder} holds runs stored in an older format by an earlier version of stadtteil_sim "
                    f"(git {manifest.get('git_commit') or 'unknown'}): one row per run, without the district column; "
                    "its code fingerprint differs from this version's, and mixing them with new runs would be wrong. "
                    "Choose another --out, or move that folder away to start afresh."
                )
            stored_sample = (manifest.get("parameters") or {}).get("sha256")
            if design.sample is not None and not design.sample.hypercube and stored_sample not in (None, design.sample.sha256):
                raise StoreError(
                    f"{self.folder} holds results drawn from another version of the parameter sample "
                    f"{manifest['parameters'].get('sample', '?')}; {display_path(design.sample.file)} has changed since. "
                    "Choose another --out, or move that folder away to start afresh."
                )
            if manifest.get("fingerprint") != fingerprint:
                raise StoreError(
                    f"{self.folder} holds results of a different experiment "
                    f"('{manifest.get('experiment', {}).get('name', '?')}' from {manifest.get('experiment_file', '?')}); "
                    f"{design.source} has changed since, or is another experiment. "
                    "Choose another --out, or move that folder away to start afresh."
                )
            if manifest.get("code_fingerprint") != code_fingerprint():
                raise StoreError(
                    f"{self.folder} holds runs computed by a different version of stadtteil_sim's model code "
                    f"(git {manifest.get('git_commit') or 'unknown'}); mixing them with new runs would be wrong. "
                    "Choose another --out, or move that folder away to start afresh."
                )
            self.manifest = manifest
        else:
            # A new folder, or one the user let us write into with --force: a manifest.json
            # there that is not a batch's is one of the names this command replaces.
            self.manifest = self._new_manifest(fingerprint)
        for folder in (self.runs_dir, self.series_dir, self.failures_dir):
            folder.mkdir(parents=True, exist_ok=True)
        self.manifest.setdefault("sessions", []).append({"started": _now(), "ended": None})
        self._write_manifest()
        copies = [(design.source.read_bytes, self.folder / "experiment.yaml")]
        if design.sample is not None and design.sample.hypercube:  # the drawn conditions, for a spreadsheet
            conditions = design.sample.values.rename_axis("condition").reset_index()
            copies.append((lambda: conditions.to_csv(index=False).encode(), self.folder / "conditions.csv"))
        elif design.sample is not None:
            copies.append((design.sample.file.read_bytes, self.folder / f"parameter_sample{design.sample.file.suffix.lower()}"))
        for content, copy in copies:
            if manifest is None or not copy.exists():
                write_bytes(copy, content())

    def _new_manifest(self, fingerprint: str) -> dict[str, Any]:
        d = self.design
        return {
            "experiment_file": str(d.source),
            "experiment": d.experiment.model_dump(mode="json"),
            "fingerprint": fingerprint,
            "reference": d.reference,
            "bases": {name: str(path) for name, path in d.bases.items()},
            "variants": [{"name": v.name, "overrides": v.overrides, "levels": v.levels} for v in d.variants],
            "factors": factor_levels(d.experiment),
            "scenarios": {f"{b}|{v}": s for (b, v), s in d.scenarios.items()},
            "root_seed": d.experiment.seed,
            "replicate_seeds": {str(t.replicate): t.seed for t in d.tasks},  # the same in every variant
            "parameters": _sample_manifest(d),
            "runs_total": len(d.tasks),
            "store_format": STORE_FORMAT,
            "code_fingerprint": code_fingerprint(),
            "versions": _versions(),
            "git_commit": _git_commit(),
            "created": _now(),
        }

    def _write_manifest(self) -> None:
        data = json.dumps(self.manifest, indent=1, default=str, ensure_ascii=False) + "\n"
        write_bytes(self.folder / MANIFEST, data.encode("utf-8"))

    def done(self) -> set[str]:
        """Run ids of this design already committed."""
        stored = {p.stem for p in self.runs_dir.glob("*.parquet") if not p.name.startswith(".")}
        return stored & {task.run_id for task in self.design.tasks}

    def commit(self, run_id: str, rows: list[dict[str, Any]], series: pd.DataFrame) -> None:
        """Store a finished run: series first, then its rows (they mark the run as done)."""
        write_parquet(series, self.series_dir / f"{run_id}.parquet")
        write_parquet(pd.DataFrame(rows), self.runs_dir / f"{run_id}.parquet")
        (self.failures_dir / f"{run_id}.json").unlink(missing_ok=True)  # an earlier attempt failed

    def record_failure(self, failure: dict[str, Any]) -> None:
        data = json.dumps(failure, indent=1, default=str) + "\n"
        write_bytes(self.failures_dir / f"{failure['run_id']}.json", data.encode("utf-8"))

    def close(self, failures: int) -> None:
        session = self.manifest["sessions"][-1]
        session["ended"] = _now()
        session["runs_done"] = len(self.done())
        session["failures"] = failures
        self._write_manifest()


@dataclass(repr=False)  # the default repr prints whole tables; see __repr__
class BatchResults:
    """A batch's results as pandas tables (see :func:`load_results`)."""

    folder: Path
    manifest: dict[str, Any]
    runs: pd.DataFrame  # one row per finished run and district
    series: pd.DataFrame  # one row per run, district and kept month
    failures: pd.DataFrame  # one row per failed run (empty when none)

    MAX_VARIANTS = 20  # rows of the variants table in _repr_html_

    def _experiment(self) -> str:
        return str((self.manifest.get("experiment") or {}).get("name", "?"))

    def _runs_total(self) -> int | str:
        return self.manifest.get("runs_total", "?")

    def finished(self) -> int:
        return int(self.runs["run_id"].nunique()) if "run_id" in self.runs else 0

    def __repr__(self) -> str:
        variants = len(self.manifest.get("variants") or [])
        return (
            f"BatchResults({self.folder}: experiment '{self._experiment()}', {variants} variants; "
            f"runs {self.finished()}/{self._runs_total()} finished, {len(self.failures)} failed; "
            f"runs {self.runs.shape[0]} x {self.runs.shape[1]}, series {self.series.shape[0]} x {self.series.shape[1]})"
        )

    def _variant_table(self) -> pd.DataFrame:
        """One row per variant of the experiment: runs finished and failed, of how many planned."""
        variants = [v.get("name", "?") for v in self.manifest.get("variants") or []]
        per_variant = len(self.manifest.get("bases") or {}) * len(self.manifest.get("replicate_seeds") or {})
        finished = self.runs.drop_duplicates("run_id") if "run_id" in self.runs else self.runs
        done = finished["variant"].value_counts() if "variant" in finished else pd.Series(dtype=int)
        failed = self.failures["variant"].value_counts() if "variant" in self.failures else pd.Series(dtype=int)
        return pd.DataFrame({
            "variant": variants,
            "finished": [int(done.get(v, 0)) for v in variants],
            "failed": [int(failed.get(v, 0)) for v in variants],
            "planned": [per_variant] * len(variants),
        })  # fmt: skip

    def _repr_html_(self) -> str:
        import html

        table = self._variant_table()
        more = len(table) - self.MAX_VARIANTS
        shown = table.head(self.MAX_VARIANTS).to_html(index=False, border=0)
        note = f"<small>… and {more} more variants</small>" if more > 0 else ""
        return (
            f"<div><strong>BatchResults</strong> {html.escape(str(self.folder))}<br>"
            f"experiment <code>{html.escape(self._experiment())}</code>: {self.finished()} of {self._runs_total()} "
            f"runs finished, {len(self.failures)} failed<br>"
            f"<small>.runs {self.runs.shape[0]} x {self.runs.shape[1]}, .series {self.series.shape[0]} x "
            f"{self.series.shape[1]}, .failures, .manifest</small>{shown}{note}</div>"
        )


def load_results(folder: str | Path) -> BatchResults:
    """Load a batch results folder: ``load_results("results/handover_timing").runs`` is a DataFrame,
    one row per run and district (a district file's run has one district)."""
    folder = Path(folder)
    manifest_path = folder / MANIFEST
    if not manifest_path.exists():
        raise StoreError(f"{folder}: no {MANIFEST}; allowed: a folder written by 'stadtteil-sim batch'")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise StoreError(f"{manifest_path}: cannot be read ({exc}); allowed: a folder written by 'stadtteil-sim batch'") from None
    runs = _read_folder(folder / "runs")
    series = _read_folder(folder / "series")
    if not runs.empty:
        runs = runs.sort_values(["base", "variant_index", "replicate", "district_index"], ignore_index=True)
    if not series.empty:
        series = series.sort_values(["run_id", "district", "month"], ignore_index=True)
    failures = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((folder / "failures").glob("*.json"))]
    return BatchResults(folder, manifest, runs, series, pd.DataFrame(failures))


def _read_folder(folder: Path) -> pd.DataFrame:
    """All committed files of a folder as one table (pyarrow skips the dot-named temporary files)."""
    import pyarrow.dataset as ds

    if not any(p for p in folder.glob("*.parquet") if not p.name.startswith(".")):
        return pd.DataFrame()
    return ds.dataset(folder, format="parquet").to_table().to_pandas()
