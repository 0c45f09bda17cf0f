"""scripts/point_vs_ensemble.py on hand-built run tables (no model runs)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pandas as pd

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "point_vs_ensemble.py"


def _script():
    spec = importlib.util.spec_from_file_location("point_vs_ensemble", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _runs(d: Path, values: dict, ensemble: bool) -> None:
    d.mkdir()
    rows = [{"scenario": p, "replicate": r, "unicorns": v + r} for p, v in values.items()
            for r in range(4)]
    pd.DataFrame(rows).to_parquet(d / "runs.parquet")
    spec = {"path": "experiments/x.toml"}
    if ensemble:
        spec["ensemble"] = {"members": 2, "path": "e.toml", "replicate_members": [0, 1, 0, 1]}
    (d / "manifest.json").write_text(json.dumps({"spec": spec}))


def test_table_and_orderings(tmp_path):
    _runs(tmp_path / "p", {"a": 10.0, "b": 20.0, "c": 30.0}, False)
    _runs(tmp_path / "e", {"a": 10.0, "b": 40.0, "c": 30.0}, True)   # b and c swap
    out = tmp_path / "t.md"
    assert _script().main(["--point", str(tmp_path / "p"), "--ensemble", str(tmp_path / "e"),
                           "--out", str(out)]) == 0
    text = out.read_text()
    assert "| unicorns | a | 11.5 [" in text and "| unicorns | b | 21.5 [" in text
    assert "| unicorns | b vs c | <= | > | **reversed** |" in text
    assert "| unicorns | a vs b | <= | <= | same |" in text


def test_refuses_a_folder_not_run_over_an_ensemble(tmp_path, capsys):
    _runs(tmp_path / "p", {"a": 1.0}, False)
    _runs(tmp_path / "e", {"a": 1.0}, False)
    assert _script().main(["--point", str(tmp_path / "p"), "--ensemble",
                           str(tmp_path / "e")]) == 2
    assert "not run over an ensemble" in capsys.readouterr().err
