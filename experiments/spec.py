"""Experiment specifications: one TOML file per experiment, validated before any run starts.

A spec names the scenarios to run (presets, component swaps, explicit scenarios, a parameter
grid or a global-sensitivity sample), how many replicates, the master seed, the steps and what
to collect. :func:`load_spec` turns a file into an :class:`ExperimentSpec` whose
:meth:`ExperimentSpec.runs` is the full, ordered list of :class:`RunSpec` (one model run
each; :meth:`RunSpec.build` makes its model).

Every error (unknown table or key, unknown preset, component or parameter, bad value, malformed
TOML) raises :class:`SpecError` whose message names the file, the line (when it can be found)
and key, and the valid choices. See docs/experiments.md for the format.

Example:
    >>> from abm.experiments.spec import load_spec, shipped_spec_path
    >>> spec = load_spec(shipped_spec_path("regime_comparison"), replicates=2, steps=4)
    >>> len(spec.runs()), spec.runs()[0].run_id
    (8, 's0000-r0000')
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import re
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from abm.hints import did_you_mean
from abm.metrics import EXTRA_KEYS, SUMMARY_KEYS
from abm.params import COMPONENTS, SPECS, ParameterError
from abm.presets import PRESET_NAMES, resolve

from . import limits

KINDS = ("comparison", "component_swap", "sweep", "sensitivity", "reform_sequencing")
"""Experiment kinds: they select the analyses ``abm report`` writes."""

SAMPLE_METHODS = ("morris", "sobol", "fast", "latin", "montecarlo")
"""``[sample] method``: SALib designs (Morris, Sobol/Saltelli, FAST, Latin hypercube) and plain
Monte Carlo (independent uniform draws). ``abm report`` analyses each with its own method:
Morris mu*, Sobol S1/ST, FAST S1/ST, and the moment-independent delta (with S1) for Latin
hypercube and Monte Carlo samples."""
SAMPLE_ANALYSIS = {"morris": "morris", "sobol": "sobol", "fast": "fast", "latin": "delta",
                   "montecarlo": "delta"}
"""The analysis ``abm report`` runs on each sampling design."""
FAST_M = 4
"""FAST interference parameter M (SALib's default); ``samples`` must exceed 4 M^2."""
SWAPPABLE = tuple(c for c in COMPONENTS if c != "scale")
METRICS = SUMMARY_KEYS + EXTRA_KEYS

SPEC_DIR = Path(__file__).resolve().parent
SHIPPED = ("regime_comparison", "component_swap", "attribution", "tech_regime_sweep", "sensitivity",
           "structural_uncertainty", "open_innovation_channels", "maturation",
           "policy_withdrawal", "japan_history", "reform_sequencing")
"""Experiments shipped in this folder, one TOML file each."""

_TABLES: dict[str, dict[str, str]] = {
    "experiment": {
        "name": "identifier of the experiment (letters, digits, _ and -)",
        "description": "one or more sentences",
        "kind": f"one of {', '.join(KINDS)}",
        "presets": "list of preset names",
        "baseline": "preset or scenario name differences are measured against",
        "replicates": "whole number >= 1",
        "master_seed": "non-negative integer",
        "steps": "whole number >= 1 (quarters)",
    },
    "overrides": {},  # parameter names
    "grid": {},  # parameter names
    "swap": {
        "directions": "list of [base_preset, donor_preset] pairs",
        "components": f"list of components ({', '.join(SWAPPABLE)})",
        "max_order": "1 (one at a time), 2 (and in pairs), up to the number of components "
                     "(every coalition: the Shapley attribution, experiments/attribution.py)",
    },
    "sequence": {
        "base": "preset the reforms start from",
        "donor": "preset whose components are taken",
        "components": f"list of components ({', '.join(SWAPPABLE[:6])})",
        "orders": "\"williams\" (a Williams square: each component once in each position, "
                  "each ordered pair adjacent once), \"all\" (every permutation) or a list "
                  "of orders",
        "first_year": "calendar year of the first reform (>= the base's start_year)",
        "interval_years": "whole number of years between reforms (>= 1)",
        "horizons_years": "list of horizons (years after first_year) the report reads",
        "interactions": "true: also every component and every pair reformed at first_year "
                        "(main effects and interactions at each horizon)",
        "big_bang": "true: also all components reformed at first_year",
    },
    "sample": {
        "method": f"one of {', '.join(SAMPLE_METHODS)}",
        "parameters": "list of parameter names",
        "constants": "list of structural constants (abm.structural.STRUCTURAL; default "
                     "bounds: their declared ranges)",
        "bounds": "table NAME = [low, high]",
        "bounds_from": "two presets whose values span each parameter's range",
        "trajectories": "Morris trajectories (whole number >= 2)",
        "levels": "Morris grid levels (even whole number >= 2)",
        "base_samples": "Sobol base sample size (power of 2)",
        "samples": "points of a latin or montecarlo sample (whole number >= 20), or FAST "
                   f"points per factor (whole number > {4 * 4 ** 2})",
        "outputs": "list of summary metrics to analyse",
        "seed": "non-negative integer for the sample design (default: master_seed)",
    },
    "scenario": {
        "name": "scenario label",
        "preset": "preset name",
        "swaps": "table COMPONENT = PRESET",
        "dated_swaps": "table COMPONENT = [PRESET, YEAR] (a reform at a date)",
        "overrides": "table PARAMETER = VALUE",
        "against": "name of the scenario this one's differences are measured against "
                   "(default: the experiment's baseline)",
    },
    "collect": {
        "timeseries": "true or false",
        "distributions": "true or false (deal multiples and firm sizes per run)",
        "max_distribution_values": "whole number >= 10 kept per run and kind",
    },
    "report": {
        "metrics": "list of summary metrics shown in report.md",
        "series": "list of time series plotted with bands",
        "network_snapshot": "true or false",
        "figures": "true or false",
    },
}


class SpecError(ValueError):
    """A problem in an experiment spec (message names file, line/key and valid choices)."""


def _plain(v: Any) -> Any:
    """A parameter value as a JSON value (numpy numbers to Python's)."""
    if isinstance(v, np.generic):
        return v.item()
    return v


RECORD_VERSION = 1
"""Version of :meth:`RunSpec.to_record` (the ``run`` column of runs.parquet)."""


@dataclass(frozen=True)
class RunSpec:
    """One model run: the single description of a run (issue 27).

    The spec produces it (:meth:`ExperimentSpec.runs`), the runner executes it (:meth:`build`
    inside :meth:`structural`), the manifest keeps each scenario's (``scenarios[i].run``) and
    runs.parquet carries every run's whole, as JSON in the ``run`` column
    (:meth:`to_json`); :meth:`from_json` (or :meth:`of_rows` for a runs table) gives it back,
    so any run is rebuilt exactly: the same preset, swaps, parameter overrides (``scale``
    among them), dated reforms, structural constants, seed and steps.

    Args:
        run_id: unique, sortable identifier (results are sorted by it).
        preset: base preset name.
        swaps: ``{component: donor_preset}``.
        overrides: ``{parameter: value}`` applied last.
        seed: the model seed.
        steps: quarters to simulate.
        scenario: label of the scenario (several replicates share it).
        replicate: replicate index (same index = same seed across scenarios).
        scenario_index: position of the scenario in its experiment.
        constants: ``{CONSTANT: value}`` structural constants of :mod:`abm.constants` set
            (inside their declared ranges, :data:`abm.structural.STRUCTURAL`) while the run
            is built and run; see :meth:`structural`.
    """

    run_id: str
    preset: str
    swaps: Mapping[str, str] = field(default_factory=dict)
    overrides: Mapping[str, Any] = field(default_factory=dict)
    seed: int = 0
    steps: int = 100
    scenario: str = ""
    replicate: int = 0
    scenario_index: int = 0
    constants: Mapping[str, float] = field(default_factory=dict)
    dated_swaps: Mapping[str, Any] = field(default_factory=dict)
    """``{component: (donor_preset, year)}``: reforms at a date
    (:mod:`abm.mechanisms.reforms`), added to the preset's own."""

    # -- the record ------------------------------------------------------------------------
    def to_record(self) -> dict[str, Any]:
        """Every field as plain JSON values (mappings sorted by key, dated swaps as
        ``[donor, year]``), with ``version`` :data:`RECORD_VERSION`."""
        return {"version": RECORD_VERSION, "run_id": self.run_id, "preset": self.preset,
                "swaps": dict(sorted(self.swaps.items())),
                "overrides": {k: _plain(v) for k, v in sorted(self.overrides.items())},
                "seed": int(self.seed), "steps": int(self.steps), "scenario": self.scenario,
                "replicate": int(self.replicate), "scenario_index": int(self.scenario_index),
                "constants": {k: float(v) for k, v in sorted(self.constants.items())},
                "dated_swaps": {c: [v[0], int(v[1])] for c, v in sorted(self.dated_swaps.items())}}

    def to_json(self) -> str:
        """:meth:`to_record` as compact JSON (the ``run`` column of runs.parquet)."""
        return json.dumps(self.to_record(), separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> "RunSpec":
        """The run of a :meth:`to_record` dict.

        Raises:
            SpecError: not a run record (unknown version or fields, a field missing).
        """
        if not isinstance(record, Mapping):
            raise SpecError(f"a run record is a JSON object, got {type(record).__name__}")
        version = record.get("version")
        if version != RECORD_VERSION:
            raise SpecError(f"run record version {version!r} is not {RECORD_VERSION} (written "
                            "by another version of this tool); rerun the experiment")
        fields = set(cls.__dataclass_fields__)
        unknown = sorted(set(record) - fields - {"version"})
        missing = sorted({"run_id", "preset", "seed", "steps"} - set(record))
        if unknown or missing:
            raise SpecError(f"not a run record: " + "; ".join(
                ([f"unknown fields {unknown}"] if unknown else [])
                + ([f"missing fields {missing}"] if missing else [])))
        kw = {k: v for k, v in record.items() if k in fields}
        kw["dated_swaps"] = {c: (v[0], int(v[1])) for c, v in kw.get("dated_swaps", {}).items()}
        return cls(**kw)

    @classmethod
    def from_json(cls, text: str) -> "RunSpec":
        """The run of a :meth:`to_json` string."""
        try:
            record = json.loads(text)
        except (TypeError, ValueError) as exc:
            raise SpecError(f"a run record is JSON, got {str(text)[:60]!r} ({exc})") from None
        return cls.from_record(record)

    @classmethod
    def of_rows(cls, runs, scenarios: Sequence[Mapping[str, Any]] | None = None
                ) -> list["RunSpec"]:
        """The runs of a runs.parquet table, exactly: from its ``run`` column; for a table
        written before that column existed, from its identifying columns with the dated
        swaps and structural constants of the manifest's scenario table ``scenarios`` (the
        manifest's ``scenarios``), else from the ``const.NAME`` columns."""
        by_index = {int(s["index"]): s for s in scenarios or []
                    if isinstance(s, Mapping) and "index" in s}
        out = []
        for r in runs.to_dict("records"):
            text = r.get("run")
            if isinstance(text, str) and text:
                out.append(cls.from_json(text))
                continue
            sc = by_index.get(int(r["scenario_index"]), {})
            constants = sc.get("constants") or {k[6:]: float(v) for k, v in r.items()
                                                if k.startswith("const.") and v == v}
            out.append(cls(run_id=r["run_id"], preset=r["preset"],
                           swaps=json.loads(r["swaps"]), overrides=json.loads(r["overrides"]),
                           seed=int(r["seed"]), steps=int(r["steps"]),
                           scenario=str(r["scenario"]), replicate=int(r["replicate"]),
                           scenario_index=int(r["scenario_index"]), constants=constants,
                           dated_swaps={c: (v[0], int(v[1]))
                                        for c, v in (sc.get("dated_swaps") or {}).items()}))
        return out

    def __post_init__(self) -> None:
        if self.constants:
            from abm.structural import check_constants

            check_constants(self.constants)  # StructuralError names the constant and range

    def structural(self):
        """Context manager that sets this run's structural ``constants`` and restores them
        afterwards (:func:`abm.structural.override_constants`); build *and* run the model
        inside it (``run_one`` does)."""
        from abm.structural import override_constants

        return override_constants(self.constants)

    def build(self, record_events: bool = False):
        """The :class:`~abm.model.EcosystemModel` of this run, not yet run (the one place a
        run specification becomes a model: the runner, reports and ``abm run`` use it).
        A run with structural ``constants`` must be built and run inside
        :meth:`structural`.

        Args:
            record_events: keep the model's event feed in words (off in batches: faster).

        Raises:
            ParameterError: unknown preset, component or parameter, or a bad value.
        """
        from abm import EcosystemModel

        extra = {"dated_swaps": {c: tuple(v) for c, v in self.dated_swaps.items()}} \
            if self.dated_swaps else {}
        return EcosystemModel(preset=self.preset, seed=int(self.seed), swaps=dict(self.swaps),
                              record_events=record_events, **extra, **dict(self.overrides))

    def key(self) -> dict[str, Any]:
        """The run as a plain dict (swaps and overrides sorted by name), for hashing and
        failure records."""
        d = asdict(self)
        d["swaps"] = dict(sorted(self.swaps.items()))
        d["overrides"] = dict(sorted(self.overrides.items()))
        if self.constants:
            d["constants"] = dict(sorted(self.constants.items()))
        else:  # runs without constants keep the fingerprints they always had
            d.pop("constants", None)
        if self.dated_swaps:
            d["dated_swaps"] = {c: list(v) for c, v in sorted(self.dated_swaps.items())}
        else:
            d.pop("dated_swaps", None)
        return d


@dataclass(frozen=True)
class Scenario:
    """One parameter configuration; each is run for every replicate seed."""

    index: int
    name: str
    preset: str
    swaps: dict[str, str] = field(default_factory=dict)
    overrides: dict[str, float] = field(default_factory=dict)
    base: str = ""
    """Label of the scenario before grid/sample variation (``preset`` or a swap label)."""
    point: int = -1
    """Index of the grid or sample point (``-1`` when there is none)."""
    constants: dict[str, float] = field(default_factory=dict)
    """Structural constants set in this scenario (sampled ``[sample] constants``)."""
    dated_swaps: dict[str, list] = field(default_factory=dict)
    """``{component: [donor_preset, year]}``: reforms at a date in this scenario."""
    order: list[str] = field(default_factory=list)
    """The reform order of a ``reform_sequencing`` scenario (empty otherwise)."""
    params: Any = field(default=None, repr=False, compare=False)
    """The resolved :class:`~abm.params.Params` (resolved and validated once, when the
    scenario is built; the manifest's ``parameters``)."""


@dataclass
class ExperimentSpec:
    """A validated experiment (see docs/experiments.md)."""

    path: Path
    name: str
    description: str
    kind: str
    presets: list[str]
    baseline: str
    replicates: int
    master_seed: int
    steps: int
    overrides: dict[str, float]
    grid: dict[str, list[float]]
    swap: dict[str, Any] | None
    sample: dict[str, Any] | None
    explicit: list[dict[str, Any]]
    collect: dict[str, Any]
    report: dict[str, Any]
    raw: dict[str, Any]
    text: str
    sample_matrix: np.ndarray | None = None
    scenarios: list[Scenario] = field(default_factory=list)
    ensemble: Any = None
    """An :class:`abm.experiments.ensemble.Ensemble` (``abm experiment --ensemble FILE``): each
    replicate draws one accepted parameter vector (:func:`abm.experiments.ensemble.apply_ensemble`)."""
    ensemble_seed: int = 16
    sequence: dict[str, Any] | None = None
    """The ``[sequence]`` design of a ``reform_sequencing`` experiment."""

    # -- derived ---------------------------------------------------------------------------
    def seeds(self) -> list[int]:
        """Replicate seeds: ``SeedSequence(master_seed).spawn(replicates)`` (common random
        numbers: replicate ``i`` has the same seed in every scenario)."""
        return replicate_seeds(self.master_seed, self.replicates)

    def runs(self) -> list[RunSpec]:
        """Every run, ordered by run id (``sSSSS-rRRRR``)."""
        seeds = self.seeds()
        runs = [RunSpec(run_id=f"s{sc.index:04d}-r{r:04d}", preset=sc.preset,
                        swaps=dict(sc.swaps), overrides=dict(sc.overrides), seed=seeds[r],
                        steps=self.steps, scenario=sc.name, replicate=r,
                        scenario_index=sc.index, constants=dict(sc.constants),
                        dated_swaps=dict(sc.dated_swaps))
                for sc in self.scenarios for r in range(self.replicates)]
        if self.ensemble is not None:
            from .ensemble import apply_ensemble

            runs = apply_ensemble(runs, self.ensemble, self.ensemble_seed)
        return runs

    def to_dict(self) -> dict[str, Any]:
        """The effective spec (after command-line overrides) for the manifest."""
        return {"path": str(self.path), "name": self.name, "description": self.description,
                "kind": self.kind, "presets": self.presets, "baseline": self.baseline,
                "replicates": self.replicates, "master_seed": self.master_seed,
                "steps": self.steps, "overrides": self.overrides, "grid": self.grid,
                "swap": self.swap, "sample": self.sample, "scenario": self.explicit,
                "collect": self.collect, "report": self.report,
                **({"ensemble": self.ensemble.describe(self.ensemble_seed, self.replicates)}
                   if self.ensemble is not None else {}),
                **({"sequence": self.sequence} if self.sequence else {})}

    def scenario_table(self) -> list[dict[str, Any]]:
        """Scenarios with their fully resolved parameters and the description of their runs
        (``run``: :meth:`RunSpec.to_record` without the replicate's ``run_id``, ``seed`` and
        ``replicate``; the seeds are the manifest's ``seeds``), for the manifest."""
        first = {r.scenario_index: r for r in self.runs() if r.replicate == 0}
        out = []
        for sc in self.scenarios:
            params = sc.params if sc.params is not None else resolve(sc.preset, sc.swaps,
                                                                      sc.overrides)
            row = {"index": sc.index, "name": sc.name, "preset": sc.preset, "swaps": sc.swaps,
                   "overrides": sc.overrides, "base": sc.base, "point": sc.point,
                   "parameters": params.to_dict(),
                   **({"constants": sc.constants} if sc.constants else {}),
                   **({"dated_swaps": sc.dated_swaps} if sc.dated_swaps else {}),
                   **({"order": sc.order} if sc.order else {})}
            if sc.index in first and self.ensemble is None:  # (ensemble: per replicate)
                rec = first[sc.index].to_record()
                row["run"] = {k: v for k, v in rec.items()
                              if k not in ("run_id", "seed", "replicate")}
            out.append(row)
        return out

    def fingerprint(self) -> str:
        """Hash of what determines the results (runs and collection settings)."""
        payload = json.dumps({"runs": [r.key() for r in self.runs()],
                              "collect": self.collect}, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


def replicate_seeds(master_seed: int, n: int) -> list[int]:
    """``n`` replicate seeds spawned from ``master_seed`` (non-negative, < 2**63)."""
    children = np.random.SeedSequence(int(master_seed)).spawn(int(n))
    return [int(c.generate_state(1, dtype=np.uint64)[0] % (2**63)) for c in children]


def shipped_spec_path(name: str) -> Path:
    """Path of a shipped experiment spec (``regime_comparison``...)."""
    return SPEC_DIR / f"{name}.toml"


def spec_file(spec: str | Path) -> Path:
    """The spec file meant: ``spec`` itself when it is a file; else, when it names a shipped
    experiment (``regime_comparison``, or ``experiments/regime_comparison.toml`` as written in
    a checkout), the shipped file, so an installed copy runs them by name from any folder."""
    path = Path(spec)
    if path.is_file():
        return path
    name = path.stem if path.suffix == ".toml" else path.name
    by_name = path.suffix == "" and path.parent == Path(".")
    as_in_checkout = path.suffix == ".toml" and path.parent in (Path("."), Path("experiments"))
    if name in SHIPPED and (by_name or as_in_checkout):
        return shipped_spec_path(name)
    return path


# -- parsing ---------------------------------------------------------------------------------
class _Ctx:
    """Locates keys in the TOML text so errors can name the line."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()

    def line_of(self, table: str | None, key: str | None = None) -> int | None:
        header = re.compile(r"^\s*\[\[?\s*([A-Za-z0-9_.\-\"]+)\s*\]\]?")
        current = ""
        want_table = table or ""
        for i, line in enumerate(self.lines, 1):
            m = header.match(line)
            if m:
                current = m.group(1).strip('"')
                if key is None and current == want_table:
                    return i
                continue
            if key is not None and (current == want_table or
                                    (want_table and current.startswith(want_table + "."))):
                if re.match(rf"^\s*\"?{re.escape(key)}\"?\s*=", line):
                    return i
        if key is not None and table:
            # dotted or inline forms: fall back to the first line mentioning the key
            for i, line in enumerate(self.lines, 1):
                if re.search(rf"(^|[\s{{,\[]){re.escape(key)}\s*=", line):
                    return i
        return None

    def error(self, table: str | None, key: str | None, message: str) -> SpecError:
        line = self.line_of(table, key)
        where = f"{self.path}" + (f":{line}" if line else "")
        what = ""
        if table and key:
            what = f" [{table}] {key}:"
        elif table:
            what = f" [{table}]:"
        elif key:
            what = f" {key}:"
        return SpecError(f"{where}:{what} {message}")

    # -- checks shared by the table validators (each raises a located SpecError) ---------------
    def need(self, table: str, key: str, body: Mapping[str, Any], default: Any = ...) -> Any:
        """``body[key]``; ``default`` when absent (an error when there is no default)."""
        if key not in body:
            if default is ...:
                raise self.error(table, None, f"missing key '{key}' "
                                 f"({_TABLES[table][key]})")
            return default
        return body[key]

    def preset(self, table: str, key: str, value: Any) -> str:
        """A preset name."""
        if not isinstance(value, str) or value not in PRESET_NAMES:
            raise self.error(table, key, f"unknown preset {value!r}; "
                             f"{_choices(str(value), PRESET_NAMES)}")
        return value

    def whole(self, table: str, key: str, value: Any, low: int) -> int:
        """A whole number ``>= low``."""
        if not _is_int(value) or value < low:
            raise self.error(table, key, f"must be a whole number >= {low}, got {value!r}")
        return int(value)

    def param(self, table: str, key: str, value: Any) -> float:
        """A valid value of the parameter ``key``."""
        if key not in SPECS:
            raise self.error(table, key, f"unknown parameter '{key}'; "
                             f"{_choices(key, list(SPECS))} (see `abm params`)")
        if isinstance(value, str):  # TOML "0.2": a typo, and mixed types in a grid
            raise self.error(table, key, f"must be a number, got the string {value!r} "
                             f"(remove the quotes); valid range is [{SPECS[key].low:g}, "
                             f"{SPECS[key].high:g}]")
        try:
            return SPECS[key].check(value)
        except ParameterError as exc:
            raise self.error(table, key, str(exc)) from None

    def flag(self, table: str, key: str, value: Any) -> bool:
        """``true`` or ``false``."""
        if not isinstance(value, bool):
            raise self.error(table, key, f"must be true or false, got {value!r}")
        return value


def _choices(name: str, valid: Sequence[str]) -> str:
    return did_you_mean(name, valid)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def load_spec(path: str | Path, replicates: int | None = None, steps: int | None = None,
              overrides: Mapping[str, Any] | None = None, force: bool = False) -> ExperimentSpec:
    """Read and validate a spec file; ``replicates``/``steps``/``overrides`` replace the
    file's values (command-line quick looks and tests). ``force`` lifts the work limits of
    :mod:`abm.experiments.limits` (steps per run, runs per experiment, model-quarters, memory).

    Raises:
        SpecError: missing file, malformed TOML or any invalid entry.
    """
    path = spec_file(path)
    if not path.is_file():
        shipped = ", ".join(SHIPPED)
        raise SpecError(f"{path}: spec file not found (shipped experiments, by name: {shipped}; "
                        f"e.g. regime_comparison)")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(f"{path}: not a text file (byte {exc.start} is not UTF-8); a spec is "
                        "a TOML file such as experiments/regime_comparison.toml") from None
    except OSError as exc:
        raise SpecError(f"{path}: cannot read the spec file: {exc.strerror}") from None
    if "\x00" in text:
        raise SpecError(f"{path}: not a text file (it holds NUL bytes); a spec is a TOML file "
                        "such as experiments/regime_comparison.toml")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"at line (\d+)", msg)
        where = f"{path}:{m.group(1)}" if m else str(path)
        raise SpecError(f"{where}: malformed TOML: {msg}") from None
    return parse_spec(raw, path=path, text=text, replicates=replicates, steps=steps,
                      extra_overrides=overrides, force=force)


def parse_spec(raw: dict[str, Any], path: Path | str = "<spec>", text: str = "",
               replicates: int | None = None, steps: int | None = None,
               extra_overrides: Mapping[str, Any] | None = None,
               force: bool = False) -> ExperimentSpec:
    """Validate an already parsed spec (see :func:`load_spec`): every table through its own
    validator, then the size of the design against :mod:`abm.experiments.limits` (before any
    scenario is built; ``force`` lifts the limits), then the scenarios and the baseline."""
    ctx = _Ctx(Path(path), text)
    ctx.force = force
    if not isinstance(raw, Mapping):
        raise ctx.error(None, None, f"a spec must be a TOML table, got {type(raw).__name__}")
    _check_tables(raw, ctx)
    exp = _experiment_table(raw.get("experiment"), ctx, replicates, steps)
    try:
        limits.check_steps(exp["steps"], "steps", force)
    except limits.LimitError as exc:
        raise ctx.error("experiment", "steps", str(exc)) from None
    overrides = _overrides_table(raw.get("overrides", {}), ctx, extra_overrides)
    grid = _grid_table(raw.get("grid", {}), ctx)
    swap = _swap_table(raw["swap"], ctx) if "swap" in raw else None
    sequence = _sequence_table(raw["sequence"], ctx, exp) if "sequence" in raw else None
    if (sequence is None) != (exp["kind"] != "reform_sequencing"):
        raise ctx.error("experiment", "kind", "a [sequence] table goes with kind = "
                        "\"reform_sequencing\" and that kind needs one")
    explicit = _scenario_tables(raw.get("scenario", []), ctx)
    sample = _sample_table(raw["sample"], ctx, exp["master_seed"], grid, overrides) \
        if "sample" in raw else None
    spec = ExperimentSpec(path=ctx.path, **exp, baseline="", overrides=overrides, grid=grid,
                          swap=swap, sample=sample, explicit=explicit,
                          collect=_collect_table(raw.get("collect", {}), ctx),
                          report=_report_table(raw.get("report", {}), ctx), raw=raw, text=text,
                          sequence=sequence)
    _check_size(spec, ctx, force)
    _build_scenarios(spec, ctx)
    if not spec.scenarios:
        raise ctx.error("experiment", "presets", "the spec defines no scenario: list presets, "
                        "a [swap] design or [[scenario]] entries")
    bases = list(dict.fromkeys(sc.base for sc in spec.scenarios))
    baseline = raw["experiment"].get("baseline", bases[0])
    if baseline not in bases:
        raise ctx.error("experiment", "baseline", f"unknown baseline {baseline!r}; "
                        f"{_choices(str(baseline), bases)}")
    spec.baseline = baseline
    return spec


def design_points(spec: "ExperimentSpec") -> int:
    """Variation points per base scenario (grid combinations or sample rows), computed from
    the design's size without building it."""
    if spec.grid:
        return math.prod(len(v) for v in spec.grid.values())
    if spec.sample:
        k = len(spec.sample["parameters"]) + len(spec.sample.get("constants", []))
        if spec.sample["method"] == "morris":
            return spec.sample["trajectories"] * (k + 1)
        return spec.sample["base_samples"] * (k + 2)
    return 1


def design_bases(spec: "ExperimentSpec") -> int:
    """Base scenarios (presets, swap designs, explicit scenarios), an upper bound."""
    n = len(spec.presets) + len(spec.explicit)
    if spec.swap:
        c = len(spec.swap["components"])
        per = sum(math.comb(c, k) for k in range(min(spec.swap["max_order"], c) + 1))
        n += per * len(spec.swap["directions"])
    if getattr(spec, "sequence", None):
        n += len(_sequence_bases(spec.sequence))
    return n


def _check_size(spec: "ExperimentSpec", ctx: _Ctx, force: bool) -> None:
    """Runs and model-quarters of the design against :mod:`abm.experiments.limits`."""
    from abm.model import SERIES

    points = design_points(spec)
    n_runs = design_bases(spec) * points * spec.replicates
    what = (f"the design ({design_bases(spec):,} base scenarios x {points:,} "
            f"{'grid points' if spec.grid else 'sample points' if spec.sample else 'point'} x "
            f"{spec.replicates:,} replicates)")
    n_series = len(SERIES) if spec.collect.get("timeseries", True) else 0
    try:
        limits.check_runs(n_runs, what, force)
        limits.check_work(n_runs, spec.steps, n_series, force)
    except limits.LimitError as exc:
        raise SpecError(f"{ctx.path}: {exc}") from None


# -- one validator per table -------------------------------------------------------------------
def _check_tables(raw: Mapping[str, Any], ctx: _Ctx) -> None:
    """Only known tables, each of the right shape, with only known keys."""
    for table, body in raw.items():
        if table not in _TABLES:
            raise ctx.error(table, None, f"unknown table [{table}]; "
                            f"{_choices(table, list(_TABLES))}")
        if table == "scenario":
            if not isinstance(body, list):
                raise ctx.error(table, None, "must be an array of tables: [[scenario]]")
            continue
        if not isinstance(body, dict):
            raise ctx.error(None, table, f"must be a table [{table}], got {body!r}")
        allowed = _TABLES[table]
        if allowed:
            for key in body:
                if key not in allowed:
                    raise ctx.error(table, key, f"unknown key '{key}'; "
                                    f"{_choices(key, list(allowed))}")


def _experiment_table(exp: Mapping[str, Any] | None, ctx: _Ctx, replicates: int | None,
                      steps: int | None) -> dict[str, Any]:
    """``[experiment]``: name, description, kind, presets, replicates, master_seed, steps
    (``replicates``/``steps`` given on the command line replace the file's)."""
    if exp is None:
        raise ctx.error(None, None, "missing table [experiment] (with name, kind, presets, "
                        "replicates, master_seed, steps)")
    t = "experiment"
    name = ctx.need(t, "name", exp)
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_\-]+", name):
        raise ctx.error(t, "name", f"must be letters, digits, _ or -, got {name!r}")
    description = ctx.need(t, "description", exp, "")
    if not isinstance(description, str):
        raise ctx.error(t, "description", "must be a string")
    kind = ctx.need(t, "kind", exp, "comparison")
    if kind not in KINDS:
        raise ctx.error(t, "kind", f"unknown kind {kind!r}; {_choices(kind, KINDS)}")
    presets = ctx.need(t, "presets", exp, [])
    if not isinstance(presets, list):
        raise ctx.error(t, "presets", "must be a list of preset names, e.g. "
                        "[\"silicon_valley\", \"japan\"]")
    presets = [ctx.preset(t, "presets", p) for p in presets]
    if len(set(presets)) != len(presets):
        raise ctx.error(t, "presets", "lists a preset twice")
    replicates_ = ctx.whole(t, "replicates", ctx.need(t, "replicates", exp), 1)
    if replicates is not None:
        replicates_ = _cli_whole("--replicates", replicates)
    master_seed = ctx.whole(t, "master_seed", ctx.need(t, "master_seed", exp), 0)
    steps_ = ctx.whole(t, "steps", ctx.need(t, "steps", exp), 1)
    if steps is not None:
        steps_ = _cli_whole("--steps", steps)
    return {"name": name, "description": description, "kind": kind, "presets": presets,
            "replicates": replicates_, "master_seed": master_seed, "steps": steps_}


def _cli_whole(option: str, value: Any) -> int:
    if not _is_int(value) or value < 1:
        raise SpecError(f"{option} must be a whole number >= 1, got {value!r}")
    return int(value)


def _overrides_table(body: Mapping[str, Any], ctx: _Ctx,
                     extra: Mapping[str, Any] | None) -> dict[str, float]:
    """``[overrides]`` PARAMETER = VALUE, then the command line's ``extra`` overrides."""
    overrides = {k: ctx.param("overrides", k, v) for k, v in dict(body).items()}
    for k, v in (extra or {}).items():
        if k not in SPECS:
            raise SpecError(f"unknown parameter '{k}'; {_choices(k, list(SPECS))}")
        try:
            overrides[k] = SPECS[k].check(v)
        except ParameterError as exc:
            raise SpecError(str(exc)) from None
    return overrides


def _grid_table(body: Mapping[str, Any], ctx: _Ctx) -> dict[str, list[float]]:
    """``[grid]`` PARAMETER = [values] or {low, high, n}."""
    grid: dict[str, list[float]] = {}
    for k, v in body.items():
        if k not in SPECS:
            raise ctx.error("grid", k, f"unknown parameter '{k}'; "
                            f"{_choices(k, list(SPECS))} (see `abm params`)")
        if isinstance(v, dict):
            bad = set(v) - {"low", "high", "n"}
            if bad or not {"low", "high", "n"} <= set(v):
                raise ctx.error("grid", k, "a range must be {low = X, high = Y, n = N}; "
                                f"got keys {sorted(v)}")
            if not _is_int(v["n"]) or v["n"] < 2:
                raise ctx.error("grid", k, f"n must be a whole number >= 2, got {v['n']!r}")
            if v["n"] > limits.MAX_RUNS and not getattr(ctx, "force", False):
                raise ctx.error("grid", k, f"n = {v['n']:,} is above the limit of "
                                f"{limits.MAX_RUNS:,} runs per experiment; {limits.HOW}")
            lo = ctx.param("grid", k, v["low"])
            hi = ctx.param("grid", k, v["high"])
            values = [float(x) for x in np.round(np.linspace(lo, hi, v["n"]), 12)]
        elif isinstance(v, list) and v:
            values = list(v)
        else:
            raise ctx.error("grid", k, "must be a non-empty list of values or "
                            "{low = X, high = Y, n = N}")
        grid[k] = [ctx.param("grid", k, x) for x in values]
    return grid


def _swap_table(body: Mapping[str, Any], ctx: _Ctx) -> dict[str, Any]:
    """``[swap]``: directions [base, donor], components, max_order."""
    directions = ctx.need("swap", "directions", body)
    if not isinstance(directions, list) or not directions:
        raise ctx.error("swap", "directions", "must be a non-empty list of "
                        "[base_preset, donor_preset] pairs")
    dirs = []
    for d in directions:
        if not isinstance(d, list) or len(d) != 2:
            raise ctx.error("swap", "directions", f"each direction must be "
                            f"[base_preset, donor_preset], got {d!r}")
        dirs.append([ctx.preset("swap", "directions", d[0]),
                     ctx.preset("swap", "directions", d[1])])
    comps = ctx.need("swap", "components", body, list(SWAPPABLE[:6]))
    if not isinstance(comps, list) or not comps:
        raise ctx.error("swap", "components", "must be a non-empty list")
    for c in comps:
        if c not in SWAPPABLE:
            raise ctx.error("swap", "components", f"unknown component {c!r}; "
                            f"{_choices(str(c), SWAPPABLE)}")
    order = ctx.need("swap", "max_order", body, 2)
    if isinstance(order, bool) or not isinstance(order, int) or not 1 <= order <= len(comps):
        raise ctx.error("swap", "max_order", f"must be a whole number from 1 to the number "
                        f"of components ({len(comps)}), got {order!r}")
    return {"directions": dirs, "components": list(comps), "max_order": int(order)}


def williams_orders(items: Sequence[str]) -> list[list[str]]:
    """A Williams square over ``items``: ``n`` orders (``2n`` for odd ``n``) in which every
    item takes every position equally often and every ordered pair of items is adjacent
    equally often (Williams 1949), so position and first-order carry-over are balanced.
    Row 0 is ``0, 1, n-1, 2, n-2, ...``; row ``i`` adds ``i`` modulo ``n``."""
    n = len(items)
    first, lo, hi = [0], 1, n - 1
    while len(first) < n:
        first.append(lo)
        lo += 1
        if len(first) < n:
            first.append(hi)
            hi -= 1
    rows = [[(j + i) % n for j in first] for i in range(n)]
    if n % 2:
        rows += [r[::-1] for r in rows]
    return [[items[j] for j in r] for r in rows]


def _sequence_table(body: Mapping[str, Any], ctx: _Ctx, exp: Mapping[str, Any]
                    ) -> dict[str, Any]:
    """``[sequence]``: base, donor, components, orders, first_year, interval_years,
    horizons_years, interactions, big_bang."""
    t = "sequence"
    base = ctx.preset(t, "base", ctx.need(t, "base", body))
    donor = ctx.preset(t, "donor", ctx.need(t, "donor", body))
    comps = ctx.need(t, "components", body, list(SWAPPABLE[:6]))
    if not isinstance(comps, list) or len(comps) < 2 or len(set(comps)) != len(comps):
        raise ctx.error(t, "components", "must list at least two different components")
    for c in comps:
        if c not in SWAPPABLE[:6]:
            raise ctx.error(t, "components", f"unknown component {c!r}; "
                            f"{_choices(str(c), SWAPPABLE[:6])}")
    orders = ctx.need(t, "orders", body, "williams")
    if orders == "williams":
        order_list = williams_orders(comps)
    elif orders == "all":
        order_list = [list(o) for o in itertools.permutations(comps)]
    elif isinstance(orders, list) and orders:
        order_list = []
        for o in orders:
            if not isinstance(o, list) or sorted(o) != sorted(comps):
                raise ctx.error(t, "orders", f"each order must list every component once "
                                f"({', '.join(comps)}), got {o!r}")
            order_list.append(list(o))
    else:
        raise ctx.error(t, "orders", f"must be \"williams\", \"all\" or a list of orders, "
                        f"got {orders!r}")
    start = resolve(base).start_year
    first = ctx.whole(t, "first_year", ctx.need(t, "first_year", body, start), start)
    interval = ctx.whole(t, "interval_years", ctx.need(t, "interval_years", body, 2), 1)
    years = exp["steps"] / 4 - (first - start)
    if years < 1:
        raise ctx.error(t, "first_year", f"the run ({exp['steps']} steps from {start}) ends "
                        f"before first_year = {first}")
    horizons = ctx.need(t, "horizons_years", body, [5, 10, 25])
    if not isinstance(horizons, list) or not horizons or not all(
            _is_num(h) and 0 < h for h in horizons):
        raise ctx.error(t, "horizons_years", f"must be a list of positive numbers of years, "
                        f"got {horizons!r}")
    horizons = sorted(float(h) for h in horizons if h <= years) or [years]
    inter = ctx.flag(t, "interactions", ctx.need(t, "interactions", body, True))
    bang = ctx.flag(t, "big_bang", ctx.need(t, "big_bang", body, True))
    return {"base": base, "donor": donor, "components": list(comps), "orders": order_list,
            "start_year": start, "first_year": first, "interval_years": interval, "horizons_years": horizons,
            "interactions": inter, "big_bang": bang}


def _sequence_bases(seq: Mapping[str, Any]) -> list[tuple[str, str, dict, dict, dict, list]]:
    """(label, preset, swaps, overrides, dated_swaps, order) of a ``[sequence]`` design: the
    base without reform, one scenario per order (component k reformed at ``first_year + k x
    interval_years``), and (``interactions``) every component and pair reformed at
    ``first_year``, (``big_bang``) all at once."""
    base, donor, comps = seq["base"], seq["donor"], seq["components"]
    y0, dy = seq["first_year"], seq["interval_years"]
    out = [(base, base, {}, {}, {}, [])]
    for order in seq["orders"]:
        dated = {c: [donor, y0 + k * dy] for k, c in enumerate(order)}
        out.append((f"{base}[{'>'.join(order)}<-{donor}]", base, {}, {}, dated, list(order)))
    combos: list[tuple[str, ...]] = []
    if seq["interactions"]:
        combos += [(c,) for c in comps] + list(itertools.combinations(comps, 2))
    if seq["big_bang"]:
        combos.append(tuple(comps))
    for combo in combos:
        label = f"{base}[{'+'.join(combo)}<-{donor}@{y0}]"
        out.append((label, base, {}, {}, {c: [donor, y0] for c in combo}, []))
    return out


def _scenario_tables(bodies: Sequence[Any], ctx: _Ctx) -> list[dict[str, Any]]:
    """``[[scenario]]`` entries: name, preset, swaps, overrides."""
    explicit = []
    for i, body in enumerate(bodies):
        if not isinstance(body, dict):
            raise ctx.error("scenario", None, f"entry {i + 1} must be a table")
        for key in body:
            if key not in _TABLES["scenario"]:
                raise ctx.error("scenario", key, f"unknown key '{key}' in scenario {i + 1}; "
                                f"{_choices(key, list(_TABLES['scenario']))}")
        sname = body.get("name")
        if not isinstance(sname, str) or not sname:
            raise ctx.error("scenario", None, f"scenario {i + 1} needs a name")
        sp = ctx.preset("scenario", "preset", body.get("preset"))
        sw = body.get("swaps", {})
        if not isinstance(sw, dict):
            raise ctx.error("scenario", "swaps", "must be a table COMPONENT = PRESET")
        for c, donor in sw.items():
            if c not in SWAPPABLE:
                raise ctx.error("scenario", c, f"unknown component {c!r}; "
                                f"{_choices(c, SWAPPABLE)}")
            ctx.preset("scenario", c, donor)
        ov = body.get("overrides", {})
        if not isinstance(ov, dict):
            raise ctx.error("scenario", "overrides", "must be a table PARAMETER = VALUE")
        ds = body.get("dated_swaps", {})
        if not isinstance(ds, dict):
            raise ctx.error("scenario", "dated_swaps", "must be a table COMPONENT = "
                            "[PRESET, YEAR]")
        entry = {"name": sname, "preset": sp, "swaps": dict(sw),
                 "overrides": {k: ctx.param("scenario", k, v) for k, v in ov.items()},
                 **({"dated_swaps": {c: list(v) if isinstance(v, (list, tuple))
                                     else v for c, v in ds.items()}} if ds else {})}
        if "against" in body:
            entry["against"] = body["against"]
        explicit.append(entry)
    names = [e["name"] for e in explicit]
    for e in explicit:
        if "against" in e and (e["against"] not in names or e["against"] == e["name"]):
            raise ctx.error("scenario", "against", f"scenario {e['name']!r}: against must name "
                            f"another [[scenario]]; {_choices(str(e['against']), names)}")
    return explicit


def _sample_table(body: Mapping[str, Any], ctx: _Ctx, master_seed: int,
                  grid: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """``[sample]``: a Morris or Sobol design over named parameters (not with ``[grid]``,
    not over a parameter fixed in ``[overrides]``)."""
    t = "sample"
    method = ctx.need(t, "method", body, "morris")
    if method not in SAMPLE_METHODS:
        raise ctx.error(t, "method", f"unknown method {method!r}; "
                        f"{_choices(str(method), SAMPLE_METHODS)}")
    constants, const_bounds = _sample_constants(body, ctx)
    params = ctx.need(t, "parameters", body, [] if constants else ...)
    if not isinstance(params, list) or len(params) + len(constants) < 2:
        raise ctx.error(t, "parameters", "must list at least two parameters (or, with "
                        "constants, two factors in all)")
    for p in params:
        if p not in SPECS:
            raise ctx.error(t, "parameters", f"unknown parameter {p!r}; "
                            f"{_choices(str(p), list(SPECS))}")
    bounds_from = ctx.need(t, "bounds_from", body, None)
    if bounds_from is not None:
        if not isinstance(bounds_from, list) or len(bounds_from) != 2:
            raise ctx.error(t, "bounds_from", "must be two preset names")
        bounds_from = [ctx.preset(t, "bounds_from", b) for b in bounds_from]
    bounds_all = ctx.need(t, "bounds", body, {})
    if not isinstance(bounds_all, dict):
        raise ctx.error(t, "bounds", "must be a table NAME = [low, high] ([sample.bounds]), "
                        f"got {bounds_all!r}")
    bounds_raw = {k: v for k, v in bounds_all.items() if k not in const_bounds}
    bounds = _sample_bounds(_structural_bounds(bounds_raw, params, bounds_from), params,
                            bounds_from, ctx)
    bounds.update(const_bounds)
    outputs = ctx.need(t, "outputs", body, ["ma_share_of_exits", "vc_intensity",
                                            "innovation_total"])
    for o in outputs:
        if o not in METRICS:
            raise ctx.error(t, "outputs", f"unknown metric {o!r}; {_choices(str(o), METRICS)}")
    trajectories = ctx.whole(t, "trajectories", ctx.need(t, "trajectories", body, 10), 2)
    levels = ctx.whole(t, "levels", ctx.need(t, "levels", body, 4), 2)
    if levels % 2:
        raise ctx.error(t, "levels", f"must be even, got {levels}")
    base_samples = ctx.whole(t, "base_samples", ctx.need(t, "base_samples", body, 64), 2)
    if base_samples & (base_samples - 1):
        raise ctx.error(t, "base_samples", f"must be a power of 2, got {base_samples}")
    sseed = ctx.whole(t, "seed", ctx.need(t, "seed", body, master_seed), 0)
    extra: dict[str, Any] = {}
    if method in ("fast", "latin", "montecarlo"):
        low = 4 * FAST_M ** 2 + 1 if method == "fast" else 20
        default = 65 if method == "fast" else 64
        extra["samples"] = ctx.whole(t, "samples", ctx.need(t, "samples", body, default), low)
        extra["analysis"] = SAMPLE_ANALYSIS[method]
    elif "samples" in body:
        raise ctx.error(t, "samples", f"is for the fast, latin and montecarlo methods, not "
                        f"{method} (use trajectories or base_samples)")
    if grid:
        raise ctx.error(t, None, "use either [grid] or [sample], not both")
    overlap = set(params) & set(overrides)
    if overlap:
        raise ctx.error(t, "parameters", f"{sorted(overlap)} also set in "
                        "[overrides]; a sampled parameter cannot be fixed")
    return {"method": method, "parameters": list(params), "constants": constants,
            "bounds": bounds, "bounds_from": bounds_from, "outputs": list(outputs),
            "trajectories": trajectories, "levels": levels, "base_samples": base_samples,
            "seed": sseed, **extra}


def _sample_constants(body: Mapping[str, Any],
                      ctx: _Ctx) -> tuple[list[str], dict[str, list[float]]]:
    """``[sample] constants``: structural constants sampled like parameters; bounds from
    ``[sample.bounds]`` (inside the declared range) or else the declared range of
    :data:`abm.structural.STRUCTURAL`."""
    from abm.structural import CONSTANTS, STRUCTURAL, StructuralError, check_constant

    names = ctx.need("sample", "constants", body, [])
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ctx.error("sample", "constants", "must be a list of structural constant names")
    if len(set(names)) != len(names):
        raise ctx.error("sample", "constants", "lists a constant twice")
    raw = body.get("bounds", {})
    raw = raw if isinstance(raw, dict) else {}
    bounds: dict[str, list[float]] = {}
    for n in names:
        if n not in CONSTANTS:
            raise ctx.error("sample", "constants", f"unknown structural constant {n!r}; "
                            f"{_choices(n, CONSTANTS)} (declared in abm/structural.py)")
        if n in raw:
            b = raw[n]
            if not isinstance(b, list) or len(b) != 2:
                raise ctx.error("sample", n, f"bounds must be [low, high], got {b!r}")
            try:
                lo, hi = (check_constant(n, x) for x in b)
            except StructuralError as exc:
                raise ctx.error("sample", n, str(exc)) from None
            if not lo < hi:
                raise ctx.error("sample", n, f"bounds must satisfy low < high, got "
                                f"[{lo:g}, {hi:g}]")
        else:
            lo, hi = STRUCTURAL[n].low, STRUCTURAL[n].high
        bounds[n] = [float(lo), float(hi)]
    for n in raw:
        if n.isupper() and n not in names:
            raise ctx.error("sample", n, f"bounds given for constant '{n}', which is not in "
                            f"constants ({', '.join(names) or 'none'})")
    return list(names), bounds


def _structural_bounds(bounds_raw: Mapping[str, Any], params: Sequence[str],
                       bounds_from: Sequence[str] | None) -> dict[str, Any]:
    """Without ``bounds_from``, a parameter declared in :data:`abm.structural.STRUCTURAL`
    (the technology parameters) and not in ``[sample.bounds]`` takes its declared range."""
    if bounds_from is not None:
        return dict(bounds_raw)
    from abm.structural import STRUCTURAL

    out = dict(bounds_raw)
    for p in params:
        if p not in out and p in STRUCTURAL and STRUCTURAL[p].kind == "parameter":
            out[p] = [STRUCTURAL[p].low, STRUCTURAL[p].high]
    return out


def _sample_bounds(bounds_raw: Mapping[str, Any], params: Sequence[str],
                   bounds_from: Sequence[str] | None, ctx: _Ctx) -> dict[str, list[float]]:
    """``[sample.bounds]`` NAME = [low, high], else the span of the two ``bounds_from``
    presets."""
    bounds: dict[str, list[float]] = {}
    for p in params:
        if p in bounds_raw:
            b = bounds_raw[p]
            if not isinstance(b, list) or len(b) != 2:
                raise ctx.error("sample", p, f"bounds must be [low, high], got {b!r}")
            lo, hi = (ctx.param("sample", p, x) for x in b)
        elif bounds_from is not None:
            a = resolve(bounds_from[0])[p]
            c = resolve(bounds_from[1])[p]
            lo, hi = min(a, c), max(a, c)
            if lo == hi:
                raise ctx.error("sample", "bounds_from", f"parameter '{p}' has the same "
                                f"value {lo:g} in both presets; give [sample.bounds] {p}")
        else:
            raise ctx.error("sample", "parameters", f"no bounds for '{p}': add it to "
                            "[sample.bounds] or set bounds_from")
        if not lo < hi:
            raise ctx.error("sample", p, f"bounds must satisfy low < high, got "
                            f"[{lo:g}, {hi:g}]")
        bounds[p] = [float(lo), float(hi)]
    for p in bounds_raw:
        if p not in params:
            raise ctx.error("sample", p, f"bounds given for '{p}', which is not in "
                            f"parameters ({', '.join(params)})")
    return bounds


def _collect_table(body: Mapping[str, Any], ctx: _Ctx) -> dict[str, Any]:
    """``[collect]``: timeseries, distributions, max_distribution_values."""
    collect = {"timeseries": body.get("timeseries", True),
               "distributions": body.get("distributions", True),
               "max_distribution_values": body.get("max_distribution_values", 2000)}
    for key in ("timeseries", "distributions"):
        ctx.flag("collect", key, collect[key])
    ctx.whole("collect", "max_distribution_values", collect["max_distribution_values"], 10)
    return collect


def _report_table(body: Mapping[str, Any], ctx: _Ctx) -> dict[str, Any]:
    """``[report]``: metrics, series, network_snapshot, figures."""
    from abm.model import SERIES

    report = {"metrics": body.get("metrics", list(SUMMARY_KEYS)),
              "series": body.get("series", ["active_startups", "ipos", "acquisitions",
                                            "vc_independent", "vc_corporate",
                                            "vc_government", "incumbents",
                                            "innovation_startups"]),
              "network_snapshot": body.get("network_snapshot", True),
              "figures": body.get("figures", True)}
    if not isinstance(report["metrics"], list) or not report["metrics"]:
        raise ctx.error("report", "metrics", "must be a non-empty list of summary metrics")
    for m in report["metrics"]:
        if m not in METRICS:
            raise ctx.error("report", "metrics", f"unknown metric {m!r}; "
                            f"{_choices(str(m), METRICS)}")
    if not isinstance(report["series"], list):
        raise ctx.error("report", "series", "must be a list of time series names")
    for s in report["series"]:
        if s not in SERIES:
            raise ctx.error("report", "series", f"unknown time series {s!r}; "
                            f"{_choices(str(s), SERIES)}")
    for key in ("network_snapshot", "figures"):
        ctx.flag("report", key, report[key])
    return report


def _swap_label(base: str, donor: str, comps: Sequence[str]) -> str:
    return f"{base}[{'+'.join(comps)}<-{donor}]" if comps else base


def _build_scenarios(spec: ExperimentSpec, ctx: _Ctx) -> None:
    """Scenario list: bases (presets, swap designs, explicit) x variation points."""
    bases: list[tuple[str, str, dict[str, str], dict[str, float]]] = []
    dated: dict[str, dict[str, list]] = {}
    orders: dict[str, list[str]] = {}
    for p in spec.presets:
        bases.append((p, p, {}, {}))
    if spec.sequence:
        for label, preset, sw, ov, ds, order in _sequence_bases(spec.sequence):
            if any(b[0] == label for b in bases):
                continue
            bases.append((label, preset, sw, ov))
            dated[label], orders[label] = ds, order
    if spec.swap:
        comps = spec.swap["components"]
        for base, donor in spec.swap["directions"]:
            combos: list[tuple[str, ...]] = [()]
            for k in range(1, spec.swap["max_order"] + 1):
                combos += list(itertools.combinations(comps, k))
            for combo in combos:
                label = _swap_label(base, donor, combo)
                if any(b[0] == label for b in bases):
                    continue
                bases.append((label, base, {c: donor for c in combo}, {}))
    for e in spec.explicit:
        if any(b[0] == e["name"] for b in bases):
            raise ctx.error("scenario", "name", f"scenario name {e['name']!r} is used twice")
        bases.append((e["name"], e["preset"], e["swaps"], e["overrides"]))
        dated[e["name"]] = e.get("dated_swaps", {})

    points: list[tuple[str, dict[str, float], dict[str, float]]] = [("", {}, {})]
    if spec.grid:
        names = list(spec.grid)
        points = [("|" + ",".join(f"{n}={v:g}" for n, v in zip(names, combo)),
                   dict(zip(names, combo)), {})
                  for combo in itertools.product(*(spec.grid[n] for n in names))]
    elif spec.sample:
        X = sample_matrix(spec.sample)
        spec.sample_matrix = X
        names = spec.sample["parameters"]
        points = []
        for i, row in enumerate(X):
            values = {}
            for n, v in zip(names, row):
                s = SPECS[n]
                v = float(np.clip(v, s.low, s.high))
                values[n] = float(round(v)) if s.integer else float(np.round(v, 10))
            points.append((f"|{spec.sample['method']}#{i:04d}", values,
                           _constant_values(spec.sample, row[len(names):])))

    scenarios = []
    for label, preset, swaps, base_ov in bases:
        for j, (suffix, pv, cv) in enumerate(points):
            ov = {**spec.overrides, **base_ov, **pv}
            ds = dated.get(label, {})
            try:
                p = resolve(preset, swaps, ov)
                if ds:
                    from abm.mechanisms.reforms import check

                    check({c: tuple(v) if isinstance(v, list) else v for c, v in ds.items()},
                          p.start_year)
            except ParameterError as exc:
                raise ctx.error(None, None, f"scenario {label + suffix!r}: {exc}") from None
            scenarios.append(Scenario(index=len(scenarios), name=label + suffix, preset=preset,
                                      swaps=dict(swaps), overrides=ov, base=label,
                                      point=j if (spec.grid or spec.sample) else -1,
                                      constants=dict(cv), dated_swaps=dict(ds),
                                      order=list(orders.get(label, [])), params=p))
    spec.scenarios = scenarios


def _constant_values(sample: Mapping[str, Any], row: Sequence[float]) -> dict[str, float]:
    """The sampled constants of one design row (its columns after the parameters), kept
    inside their bounds."""
    out = {}
    for n, v in zip(sample.get("constants", []), row):
        lo, hi = sample["bounds"][n]
        out[n] = float(np.round(np.clip(v, lo, hi), 12))
    return out


def sample_matrix(sample: Mapping[str, Any]) -> np.ndarray:
    """The design matrix (rows = points, columns = ``sample['parameters']`` then
    ``sample['constants']``): SALib's samplers, and for ``montecarlo`` independent uniform
    draws inside the bounds from ``numpy.random.default_rng(seed)``."""
    problem = salib_problem(sample)
    method = sample["method"]
    if method == "latin":
        from SALib.sample import latin

        return latin.sample(problem, sample["samples"], seed=sample["seed"])
    if method == "montecarlo":
        b = np.asarray(problem["bounds"], dtype=float)
        u = np.random.default_rng(sample["seed"]).random((sample["samples"], len(b)))
        return b[:, 0] + u * (b[:, 1] - b[:, 0])
    if method == "fast":
        from SALib.sample import fast_sampler

        return fast_sampler.sample(problem, sample["samples"], M=FAST_M, seed=sample["seed"])
    if method == "morris":
        from SALib.sample import morris

        return morris.sample(problem, sample["trajectories"], num_levels=sample["levels"],
                             seed=sample["seed"])
    from SALib.sample import sobol

    return sobol.sample(problem, sample["base_samples"], calc_second_order=False,
                        seed=sample["seed"])


def salib_problem(sample: Mapping[str, Any]) -> dict[str, Any]:
    """SALib problem: the sampled parameters, then the sampled structural constants."""
    names = list(sample["parameters"]) + list(sample.get("constants", []))
    return {"num_vars": len(names), "names": names,
            "bounds": [list(sample["bounds"][n]) for n in names]}

