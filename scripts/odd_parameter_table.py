"""Regenerate the parameter table of docs/ODD.md (section 9.1) from the schema and the two
bundled scenarios, so the documentation cannot drift from the code.

    .venv/bin/python scripts/odd_parameter_table.py          # rewrites docs/ODD.md in place
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from stadtteil_sim.config.loading import load_scenario
from stadtteil_sim.config.schema import iter_parameters

ROOT = Path(__file__).resolve().parent.parent
ODD = ROOT / "docs" / "ODD.md"
SKIP = {"name", "description", "district.name"}


def shown(value) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if value is None:
        return "none"
    return json.dumps(value) if isinstance(value, list) else str(value)


def rows() -> list[str]:
    ks = load_scenario(ROOT / "scenarios" / "kranichstein_sued.yaml")
    es = load_scenario(ROOT / "scenarios" / "eberstadt_sued.yaml")
    es_values = {r["path"]: r["value"] for r in iter_parameters(es)}
    out = []
    for r in iter_parameters(ks):
        path = r["path"]
        if path in SKIP or path.startswith("district.communities."):
            continue
        default = "required" if r.get("required") else shown(r["default"])
        ks_v = "=" if r["value"] == r["default"] else shown(r["value"])
        es_v = "=" if es_values[path] == r["default"] else shown(es_values[path])
        allowed = re.sub(r"^float in ", "", r["allowed"]).replace("int in ", "int ").replace("|", "\\|")
        out.append(f"| `{path}` | {default} | {ks_v} | {es_v} | {allowed} | {r['source'] or r['role']} | {r['description']} |")
    return out


def main() -> None:
    text = ODD.read_text(encoding="utf-8")
    header = "| path | default | Kranichstein-Süd | Eberstadt-Süd | allowed | source | meaning |\n|---|---|---|---|---|---|---|\n"
    start = text.index(header) + len(header)
    end = text.index("\n\n", start)
    ODD.write_text(text[:start] + "\n".join(rows()) + text[end:], encoding="utf-8")
    print(f"rewrote the parameter table of {ODD.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
