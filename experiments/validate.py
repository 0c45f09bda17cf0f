"""Validation of the presets against stylized facts (``abm validate``).

Every preset runs over N seeds through the experiment runner (:func:`abm.experiments.run_batch`);
for each fact the model mean and a 95% t-interval of its metric
(:func:`abm.experiments.stats.mean_ci`: non-finite values are left out, one value gives no
interval) are compared with the fact's range. A fact holds when the mean lies in the range.
``abm validate`` exits 1 when a calibration fact does not hold (``--strict``: any fact);
held-out facts are findings about the model and are always reported. Facts live in
``stylized_facts.toml`` beside this module, each with its source and its kind of evidence
(:data:`EVIDENCE`): a calibration target, a held-out fact, an identity of an input, or a fact
used to hand-set constants. Only held-out facts are evidence the model was not tuned to. Validation seeds come from ``SeedSequence(VALIDATION_SEED)``;
calibration (``scripts/calibrate.py``) uses ``SeedSequence(CALIBRATION_SEED)``, so the two
never share a seed.
"""

from __future__ import annotations

import math
import os
import shutil
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from abm.data_layer import DataError
from abm.data_layer import series as data_series
from abm.hints import did_you_mean
from abm.metrics import EXTRA_KEYS, SUMMARY_KEYS
from abm.presets import PRESET_NAMES

from .runner import run_batch
from .stats import mean_ci
from .spec import RunSpec, replicate_seeds

VALIDATION_SEED = 20261123
CALIBRATION_SEED = 7
FACT_FIELDS = {"id", "key", "preset", "low", "high", "use", "source"}
OPTIONAL_FIELDS = {"target", "target_reason", "note", "series", "per"}
"""``target``: the point inside the range calibration aims at (default: the range's centre),
with ``target_reason`` saying why (the source's own value); ``note``: why a fact has its kind
of evidence (e.g. which input it is an identity of); ``series``: the data-layer series
(:mod:`abm.data_layer`, ``"country.name"``) the range is read from, named in the table so a
reader finds every point, its year and its source there (the outcome levels of issue 29:
productivity growth, private unicorns per unit of economy, venture-track survival, growth
from entrants, displacement); ``per``: the data-layer series the ``series`` values are divided
by, year by year, to give the range (the unit of economy: ``"us.gdp_usd"`` for private
unicorns per USD trn of GDP), named in the table beside them."""

EVIDENCE: dict[str, str] = {
    "calibration": "calibration",
    "held_out": "held out",
    "identity": "identity",
    "used_for_constants": "used for constants",
}
"""The kinds of evidence a fact is (its ``use``) and their labels in the validation table.

* ``calibration``: the presets were tuned to land in the range (scripts/calibrate.py reads
  these); holding is required, it is no evidence of the mechanisms.
* ``held_out``: never used for tuning anything; the model should reproduce it from its
  mechanisms (the only kind that tests the model).
* ``identity``: the metric follows from an input by construction (e.g. the mobility rate is
  about its ``job_mobility`` input; the all-firm exit rate equals the entry rate because the
  small firms' hazard level is set for a stationary population); it checks the code, not
  the model.
* ``used_for_constants``: the fact was used to hand-set a constant (e.g. the ages at exit set
  the growth and exit constants), so it is not held out either.
"""


class FactError(ValueError):
    """A malformed facts file."""


@dataclass(frozen=True)
class Fact:
    id: str
    key: str
    preset: str
    low: float
    high: float
    use: str
    source: str
    target: float | None = None
    target_reason: str = ""
    note: str = ""
    series: tuple[str, ...] = ()
    per: str = ""

    @property
    def aim(self) -> float:
        """The value calibration aims at."""
        return 0.5 * (self.low + self.high) if self.target is None else self.target


def load_facts(path: str | Path | None = None) -> list[Fact]:
    """Read and check the facts (default: the shipped ``stylized_facts.toml``)."""
    if path is None:
        text = resources.files(__package__).joinpath("stylized_facts.toml").read_text("utf-8")
        where = "experiments/stylized_facts.toml"
    else:
        text, where = Path(path).read_text(encoding="utf-8"), str(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise FactError(f"{where}: {exc}") from None
    facts = []
    for i, raw in enumerate(data.get("fact", [])):
        unknown = set(raw) - FACT_FIELDS - OPTIONAL_FIELDS
        missing = FACT_FIELDS - set(raw)
        if unknown or missing:
            raise FactError(f"{where}: fact #{i + 1}: unknown keys {sorted(unknown)} / missing "
                            f"{sorted(missing)}; valid keys: "
                            f"{sorted(FACT_FIELDS | OPTIONAL_FIELDS)}")
        if "target" in raw and not raw["low"] <= raw["target"] <= raw["high"]:
            raise FactError(f"{where}: fact {raw['id']}: target {raw['target']} is outside "
                            f"[{raw['low']}, {raw['high']}]")
        if raw["key"] not in SUMMARY_KEYS + EXTRA_KEYS:
            raise FactError(f"{where}: fact {raw['id']}: unknown metric '{raw['key']}'; "
                            f"{did_you_mean(raw['key'], SUMMARY_KEYS + EXTRA_KEYS)}")
        if raw["preset"] not in PRESET_NAMES:
            raise FactError(f"{where}: fact {raw['id']}: unknown preset '{raw['preset']}'; "
                            f"{did_you_mean(raw['preset'], PRESET_NAMES, label='valid presets')}")
        if raw["use"] not in EVIDENCE:
            raise FactError(f"{where}: fact {raw['id']}: use must be one of "
                            f"{', '.join(repr(k) for k in EVIDENCE)}, got {raw['use']!r}")
        refs = raw.get("series", [])
        if isinstance(refs, str) or not isinstance(refs, list) \
                or not all(isinstance(x, str) for x in refs):
            raise FactError(f"{where}: fact {raw['id']}: series must be a list of "
                            f"'country.name' references, got {refs!r}")
        per = raw.get("per", "")
        if not isinstance(per, str) or (per and not refs):
            raise FactError(f"{where}: fact {raw['id']}: per must be one 'country.name' "
                            f"reference, beside a series list, got {per!r}")
        for ref in refs + ([per] if per else []):
            try:
                data_series(ref)
            except DataError as exc:
                raise FactError(f"{where}: fact {raw['id']}: {exc}") from None
        body = {k: raw[k] for k in FACT_FIELDS | OPTIONAL_FIELDS if k in raw}
        body["series"] = tuple(refs)
        facts.append(Fact(**body))
    return facts


def validation_runs(presets: Sequence[str], seeds: int, steps: int,
                    overrides: Mapping[str, Mapping[str, Any]] | None = None,
                    master_seed: int = VALIDATION_SEED) -> list[RunSpec]:
    """One run per preset and seed (the same seeds for every preset)."""
    seed_list = replicate_seeds(master_seed, seeds)
    runs = []
    for p_i, preset in enumerate(presets):
        for r, seed in enumerate(seed_list):
            runs.append(RunSpec(run_id=f"{p_i:02d}-{preset}-{r:03d}", preset=preset,
                                overrides=dict((overrides or {}).get(preset, {})), seed=seed,
                                steps=steps, scenario=preset, replicate=r, scenario_index=p_i))
    return runs


def evaluate(facts: Sequence[Fact], runs_table) -> list[dict[str, Any]]:
    """One row per fact: model mean, interval, whether it holds."""
    rows = []
    for f in facts:
        vals = runs_table.loc[runs_table["preset"] == f.preset, f.key].to_numpy(dtype=float)
        ci = mean_ci(vals)
        rows.append({"fact": f, "n": ci["n"], "mean": ci["mean"], "lo": ci["ci_low"],
                     "hi": ci["ci_high"], "holds": bool(f.low <= ci["mean"] <= f.high)})
    return rows


def _g(x: float) -> str:
    if not math.isfinite(x):
        return "n/a"
    return f"{x:.3g}" if abs(x) >= 1e-3 or x == 0 else f"{x:.2e}"


def table_markdown(rows: Sequence[Mapping[str, Any]]) -> str:
    head = ("| fact | preset | metric | evidence | target range | model mean [95% CI] | holds? | "
            "source |\n|---|---|---|---|---|---|---|---|\n")
    lines = []
    for r in rows:
        f = r["fact"]
        source = f.source + (f" ({f.note})" if f.note else "")
        if f.series:
            source += "; data: " + ", ".join(f"`{s}`" for s in f.series)
            if f.per:
                source += f" per `{f.per}`"
        lines.append(f"| {f.id} | {f.preset} | {f.key} | {EVIDENCE[f.use]} | "
                     f"[{_g(f.low)}, {_g(f.high)}] | "
                     f"{_g(r['mean'])} [{_g(r['lo'])}, {_g(r['hi'])}] | "
                     f"{'yes' if r['holds'] else '**no**'} | {source} |")
    return head + "\n".join(lines) + "\n"


def counts_by_kind(rows: Sequence[Mapping[str, Any]]) -> str:
    """``"a of b calibration facts, ..."`` for every kind of evidence present in ``rows``."""
    parts = []
    for kind, label in EVIDENCE.items():
        n = sum(r["fact"].use == kind for r in rows)
        if n:
            ok = sum(r["holds"] for r in rows if r["fact"].use == kind)
            word = label.replace(" ", "-")
            parts.append(f"{ok} of {n} {word} fact{'s' if n != 1 else ''}")
    return ", ".join(parts)


def validate(seeds: int = 20, steps: int = 100, out: str | Path | None = None,
             workers: int | None = None, scheduler: str | None = None,
             only: Sequence[str] = (), overrides: Mapping[str, Mapping[str, Any]] | None = None,
             facts_path: str | Path | None = None, progress: bool = True,
             all_presets: bool = True, force: bool = False,
             estimate: Callable[[str], None] | None = None) -> tuple[list[dict[str, Any]], str]:
    """Run the validation; returns the rows and the markdown report.

    Args:
        seeds: seeds per preset.
        steps: quarters per run.
        out: folder for runs.parquet and validation.md (resumable runner folder).
        only: fact ids to check (default: all); only their presets run unless
            ``all_presets``.
        overrides: ``{preset: {parameter: value}}`` (e.g. to break a preset on purpose).
        force: lift the work limits of :mod:`abm.experiments.limits` (checked before any run;
            :class:`~abm.experiments.runner.RunnerError` otherwise).
        estimate: called with a line of estimated time and memory when the runs are long.
    """
    facts = load_facts(facts_path)
    if only:
        known = {f.id for f in facts}
        bad = [o for o in only if o not in known]
        if bad:
            raise FactError(f"unknown fact id(s) {', '.join(bad)}; valid ids: "
                            f"{', '.join(sorted(known))}")
        facts = [f for f in facts if f.id in set(only)]
    needed = sorted({f.preset for f in facts}, key=PRESET_NAMES.index)
    presets = list(PRESET_NAMES) if all_presets and not only else needed
    from .limits import LONG_SECONDS, LimitError, check_runs, check_steps, estimate_line
    from .runner import RunnerError, check_limits, run_scale

    try:  # before the list of runs is built
        check_steps(steps, "steps", force)
        check_runs(seeds * len(presets), f"{len(presets)} presets x {seeds:,} seeds", force)
    except LimitError as exc:
        raise RunnerError(str(exc)) from None
    runs = validation_runs(presets, seeds, steps, overrides)
    cores = 1 if scheduler else min(workers or os.cpu_count() or 1, len(runs))
    cpu = check_limits(runs, cores, force)
    if estimate is not None and cpu / cores > LONG_SECONDS:
        estimate(estimate_line(cpu, cores, max(run_scale(r) for r in runs), steps))
    runs_dir = Path(out) / "runs" if out else None
    if runs_dir is not None and runs_dir.exists():
        # always afresh: earlier runs may come from other preset values or code
        shutil.rmtree(runs_dir)
    result = run_batch(runs, out=runs_dir, workers=workers,
                       scheduler=scheduler, resume=False, progress=progress,
                       collect={"timeseries": False, "distributions": False},
                       label="validate", force=force)
    if result.failures:
        raise RuntimeError(f"{len(result.failures)} validation run(s) raised; see "
                           f"failures.jsonl ({result.failures[0].get('error')})")
    rows = evaluate(facts, result.runs)
    held = sum(r["holds"] for r in rows)
    md = (f"# Validation against stylized facts\n\n{len(presets)} preset(s) x {seeds} seeds "
          f"(SeedSequence({VALIDATION_SEED})), {steps} steps; a fact holds when the model mean "
          f"lies in the target range. {held} of {len(rows)} facts hold "
          f"({counts_by_kind(rows)}). Only held-out facts test the model; calibration facts "
          f"were tuned to, identities follow from an input, and facts used for constants "
          f"set them.\n\n" + table_markdown(rows))
    if overrides:
        md += f"\nOverrides applied: `{dict(overrides)}`\n"
    if out:
        Path(out).mkdir(parents=True, exist_ok=True)
        (Path(out) / "validation.md").write_text(md, encoding="utf-8")
    return rows, md
