"""Experiment specifications: one TOML file per experiment, validated before any run starts.

A spec names the scenarios to run (presets, component swaps, explicit scenarios, a parameter
grid or a global-sensitivity sample), how many replicates, the master seed, the steps and what
to collect. :func:`load_spec` turns a file into an :class:`ExperimentSpec` whose
:meth:`ExperimentSpec.runs` is the full, ordered list of :class:`RunSpec` (one model run
each; :meth:`RunSpec.build` makes its model).

Each table is a pydantic model (:data:`MODELS`; the parameter tables [overrides] and [grid], and
a scenario's overrides, are models built from :data:`abm.params.SPECS` by
:mod:`abm.experiments.paramvalues`: each parameter's range, whether it is whole). Every error
(unknown table or key, unknown preset, component or parameter, bad value, malformed TOML)
raises :class:`SpecError` whose message names the file, the line (when it can be found) and
key, the valid range or choices and the value.
See docs/experiments.md for the format.

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
from typing import Annotated, Any, Literal, Mapping, Optional, Sequence, get_args

import numpy as np
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict, ValidationError
from pydantic import field_serializer, field_validator, model_validator

from abm import constants as C
from abm.hints import did_you_mean
from abm.metrics import EXTRA_KEYS, SUMMARY_KEYS
from abm.params import COMPONENTS, SPECS, ParameterError
from abm.presets import PRESET_NAMES, resolve

from . import limits
from .paramvalues import PARAMETER_TABLES, Grid, Overrides, check_value, check_values, dump
from .paramvalues import message as param_message

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


# -- the tables as pydantic models (a field's description is its help in error messages) ------
def _one_of(what: str, valid: Sequence[str] | None = None, lazy: str | None = None):
    """A validator: the value must be one of ``valid`` (``lazy``: a ``module:NAME`` read when
    first needed), else "unknown WHAT 'x'; did you mean ..."."""
    def check(value: Any) -> Any:
        choices = valid
        if lazy is not None:
            import importlib

            module, name = lazy.split(":")
            choices = getattr(importlib.import_module(module), name)
        if not isinstance(value, str) or value not in choices:
            raise ValueError(f"unknown {what} {value!r}; {_choices(str(value), list(choices))}")
        return value
    return AfterValidator(check)


class _At(ValueError):
    """A cross-field problem of a table, located at ``key``."""

    def __init__(self, key: str | None, message: str) -> None:
        super().__init__(message)
        self.key = key


def _whole(low: int, description: str):
    """A whole number ``>= low`` (not a bool, not 2.0)."""
    return Annotated[int, Strict(), Field(ge=low, description=description)]


Preset = Annotated[Any, _one_of("preset", PRESET_NAMES)]
Component = Annotated[Any, _one_of("component", SWAPPABLE)]
Metric = Annotated[Any, _one_of("metric", METRICS)]
Series = Annotated[Any, _one_of("time series", lazy="abm.model:SERIES")]
Flag = Annotated[bool, Strict()]


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _unique(what: str):
    def check(values: list) -> list:
        if len(set(map(str, values))) != len(values):
            raise ValueError(f"lists a {what} twice")
        return values
    return AfterValidator(check)


class ExperimentTable(_Table):
    """``[experiment]`` (``replicates``/``steps`` on the command line replace the file's)."""
    name: Annotated[str, Strict(), Field(pattern=r"^[A-Za-z0-9_\-]+$", description=(
        "the experiment's identifier: letters, digits, _ or -"))]
    description: Annotated[str, Strict(), Field(description="a string (one or more sentences)")
                           ] = ""
    kind: Annotated[Literal[KINDS], Field(description=f"one of {', '.join(KINDS)}")
                    ] = "comparison"
    presets: Annotated[list[Preset], _unique("preset"), Field(
        description="a list of preset names, e.g. [\"silicon_valley\", \"japan\"]")] = []
    baseline: Annotated[Any, Field(
        description="preset or scenario name differences are measured against")] = None
    replicates: _whole(1, "whole number >= 1")
    master_seed: _whole(0, "non-negative integer")
    steps: _whole(1, "whole number >= 1 (quarters)")
    burn_in: _whole(0, "whole number of quarters from 0 to steps - 1: the warm-up the summary "
                    "metrics leave out (default abm.constants.BURN_IN; docs/ODD.md 7.22)"
                    ) = C.BURN_IN


class SwapTable(_Table):
    """``[swap]``: directions [base, donor], components, max_order."""
    directions: Annotated[list[tuple[Preset, Preset]], Field(
        min_length=1, description="a non-empty list of [base_preset, donor_preset] pairs")]
    components: Annotated[list[Component], Field(
        min_length=1, description=f"a non-empty list of components ({', '.join(SWAPPABLE)})")
                          ] = list(SWAPPABLE[:6])
    max_order: Annotated[Any, Field(description=(
        "1 (one at a time), 2 (and in pairs), up to the number of components (every "
        "coalition: the Shapley attribution, experiments/attribution.py)"))] = 2

    @model_validator(mode="after")
    def _order_within_components(self) -> "SwapTable":
        order = self.max_order
        if isinstance(order, bool) or not isinstance(order, int) or not 1 <= order <= len(
                self.components):
            raise _At("max_order", f"must be a whole number from 1 to the number of components "
                      f"({len(self.components)}), got {self.max_order!r}")
        return self


class SampleTable(_Table):
    """``[sample]``'s single values (the bounds and the cross-checks: :func:`_sample_table`)."""
    method: Annotated[Literal[SAMPLE_METHODS], Field(
        description=f"one of {', '.join(SAMPLE_METHODS)}")] = "morris"
    parameters: Annotated[Optional[list[Annotated[Any, _one_of("parameter", list(SPECS))]]],
                          Field(description="list of parameter names")] = None
    constants: Annotated[list[Annotated[str, Strict()]], _unique("constant"), Field(
        description="a list of structural constant names (abm.structural.STRUCTURAL; default "
                    "bounds: their declared ranges)")] = []
    preset_parameters: Annotated[list[Annotated[str, Strict()]], _unique("preset parameter"),
                                 Field(description=(
        "a list of country indices declared with a range per preset (abm.structural."
        "STRUCTURAL, kind preset_parameter): sampled in [0, 1] and mapped to each preset's "
        "own range"))] = []
    groups: Annotated[dict[str, list[Annotated[str, Strict()]]], Field(description=(
        "a table GROUP = [factor, ...] ([sample.groups], Morris only): the factors of a group "
        "move together; a factor in no group is its own group"))] = {}
    bounds: Annotated[dict[str, Any], Field(
        description="a table NAME = [low, high] ([sample.bounds])")] = {}
    bounds_from: Annotated[Optional[tuple[Preset, Preset]], Field(
        description="two preset names whose values span each parameter's range")] = None
    trajectories: _whole(2, "Morris trajectories (whole number >= 2)") = 10
    levels: _whole(2, "Morris grid levels (even whole number >= 2)") = 4
    base_samples: _whole(2, "Sobol base sample size (power of 2)") = 64
    samples: _whole(0, "points of a latin or montecarlo sample (whole number >= 20), "
                             f"or FAST points per factor (whole number > {4 * FAST_M ** 2})"
                     ) = None  # (a default is not validated: None is the method's default)
    outputs: Annotated[list[Metric], Field(description="a list of summary metrics to analyse")
                       ] = ["ma_share_of_exits", "vc_intensity", "innovation_total"]
    seed: _whole(0, "non-negative integer for the sample design (default: master_seed)"
                 ) = None

    @model_validator(mode="after")
    def _factors_and_samples(self) -> "SampleTable":
        if self.parameters is None and not self.constants and not self.preset_parameters:
            raise _At(None, "missing key 'parameters' (list of parameter names)")
        if self.groups and self.method != "morris":
            raise _At("groups", f"are for the morris method, not {self.method}")
        if len(self.parameters or []) + len(self.constants) + len(self.preset_parameters) < 2:
            raise _At("parameters", "must list at least two parameters (or, with constants, "
                      "two factors in all)")
        if self.method in ("fast", "latin", "montecarlo"):
            low = 4 * FAST_M ** 2 + 1 if self.method == "fast" else 20
            if self.samples is None:
                self.samples = 65 if self.method == "fast" else 64
            elif self.samples < low:
                raise _At("samples", f"must be a whole number >= {low} for the {self.method} "
                          f"method, got {self.samples!r}")
        elif self.samples is not None:
            raise _At("samples", f"is for the fast, latin and montecarlo methods, not "
                      f"{self.method} (use trajectories or base_samples)")
        return self

    @field_validator("levels")
    @classmethod
    def _even(cls, v: int) -> int:
        if v % 2:
            raise ValueError(f"must be even, got {v}")
        return v

    @field_validator("base_samples")
    @classmethod
    def _power_of_2(cls, v: int) -> int:
        if v & (v - 1):
            raise ValueError(f"must be a power of 2, got {v}")
        return v


class SequenceTable(_Table):
    """``[sequence]``'s values (the run's length is checked by :func:`_sequence_table`)."""
    base: Annotated[Preset, Field(description="preset the reforms start from")]
    donor: Annotated[Preset, Field(description="preset whose components are taken")]
    components: Annotated[list[Annotated[Any, _one_of("component", SWAPPABLE[:6])]], Field(
        description=f"a list of at least two different components "
                    f"({', '.join(SWAPPABLE[:6])})")] = list(SWAPPABLE[:6])
    orders: Annotated[Any, Field(description=(
        "\"williams\" (a Williams square: each component once in each position, each "
        "ordered pair adjacent once), \"all\" (every permutation) or a list of orders"))
                      ] = "williams"
    first_year: Annotated[Any, Field(description=(
        "a whole number: the calendar year of the first reform (>= the base's start_year)"))
                          ] = None  # (checked with the base's start_year: _orders_and_years)
    interval_years: _whole(1, "whole number of years between reforms (>= 1)") = 2
    horizons_years: Annotated[list[Annotated[float, Strict(), Field(gt=0, allow_inf_nan=False)]],
                              Field(min_length=1, description=(
                                  "a list of positive numbers of years (after first_year) "
                                  "the report reads"))] = [5, 10, 25]
    interactions: Annotated[Flag, Field(description=(
        "true: also every component and every pair reformed at first_year (main effects and "
        "interactions at each horizon)"))] = True
    big_bang: Annotated[Flag, Field(
        description="true: also all components reformed at first_year")] = True

    @field_validator("components")
    @classmethod
    def _two_different(cls, comps: list) -> list:
        if len(comps) < 2 or len(set(comps)) != len(comps):
            raise ValueError("must list at least two different components")
        return comps

    @model_validator(mode="after")
    def _orders_and_years(self) -> "SequenceTable":
        comps, orders = self.components, self.orders
        if orders == "williams":
            self.orders = williams_orders(comps)
        elif orders == "all":
            self.orders = [list(o) for o in itertools.permutations(comps)]
        elif isinstance(orders, list) and orders:
            for o in orders:
                if not isinstance(o, list) or sorted(map(str, o)) != sorted(comps):
                    raise _At("orders", f"each order must list every component once "
                              f"({', '.join(comps)}), got {o!r}")
            self.orders = [list(o) for o in orders]
        else:
            raise _At("orders", f"must be \"williams\", \"all\" or a list of orders, got "
                      f"{orders!r}")
        start = resolve(self.base).start_year
        if self.first_year is None:
            self.first_year = start
        elif not _is_int(self.first_year) or self.first_year < start:
            raise _At("first_year", f"must be a whole number >= {start} (the start_year of "
                      f"{self.base}), got {self.first_year!r}")
        return self


class ScenarioTable(_Table):
    """A ``[[scenario]]`` entry (its overrides: :data:`~abm.experiments.paramvalues.Overrides`)."""
    name: Annotated[str, Strict(), Field(min_length=1, description="a scenario label")]
    preset: Annotated[Preset, Field(description="a preset name")]
    swaps: Annotated[dict[Annotated[str, _one_of("component", SWAPPABLE)], Preset], Field(
        description="a table COMPONENT = PRESET")] = {}
    dated_swaps: Annotated[dict[str, Any], Field(
        description="a table COMPONENT = [PRESET, YEAR] (a reform at a date)")] = {}
    overrides: Annotated[Overrides, Field(default_factory=Overrides,
                                          description="a table PARAMETER = VALUE")]
    against: Annotated[Any, Field(description="name of the scenario this one's differences "
                                  "are measured against (default: the experiment's baseline)")
                       ] = None

    @field_serializer("overrides")
    def _given(self, overrides: Overrides) -> dict[str, Any]:
        return overrides.model_dump(exclude_unset=True)


class CollectTable(_Table):
    """``[collect]``: timeseries, distributions, max_distribution_values."""
    timeseries: Annotated[Flag, Field(description="true or false")] = True
    distributions: Annotated[Flag, Field(
        description="true or false (deal multiples and firm sizes per run)")] = True
    max_distribution_values: _whole(10, "whole number >= 10 kept per run and kind") = 2000


class ReportTable(_Table):
    """``[report]``: metrics, series, network_snapshot, figures."""
    metrics: Annotated[list[Metric], Field(
        min_length=1, description="a non-empty list of summary metrics shown in report.md")
                       ] = list(SUMMARY_KEYS)
    series: Annotated[list[Series], Field(
        description="a list of time series names plotted with bands")] = [
        "active_startups", "ipos", "acquisitions", "vc_independent", "vc_corporate",
        "vc_government", "incumbents", "innovation_startups"]
    network_snapshot: Annotated[Flag, Field(description="true or false")] = True
    figures: Annotated[Flag, Field(description="true or false")] = True


MODELS: dict[str, type[BaseModel]] = {"experiment": ExperimentTable, "overrides": Overrides,
                                      "grid": Grid, "swap": SwapTable, "sample": SampleTable,
                                      "sequence": SequenceTable, "scenario": ScenarioTable,
                                      "collect": CollectTable, "report": ReportTable}
_TABLES: dict[str, dict[str, str]] = {  # key -> help; [overrides] and [grid]: any parameter
    t: {} if MODELS[t] in PARAMETER_TABLES else
    {k: f.description or k for k, f in MODELS[t].model_fields.items()}
    for t in ("experiment", "overrides", "grid", "swap", "sequence", "sample", "scenario",
              "collect", "report")}


def _table(table: str, body: Any, ctx: "_Ctx", label: str = "") -> dict[str, Any]:
    """``body`` validated by the table's model, as a dict; the first problem as a located
    :class:`SpecError` naming the key, its valid range or choices and the value (after
    ``label``, e.g. "scenario 2: ")."""
    model = MODELS[table]
    try:
        valid = model.model_validate(body, context={"force": getattr(ctx, "force", False)})
        return dump(valid, body) if model in PARAMETER_TABLES else valid.model_dump()
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
    loc, kind, value = err["loc"], err["type"], err.get("input")
    key = str(loc[0]) if loc else None
    field = model.model_fields.get(key)
    info = err.get("ctx") or {}
    if model in PARAMETER_TABLES and loc:
        raise ctx.error(table, key, label + _parameter_error(model, err))
    if field is not None and field.annotation in PARAMETER_TABLES and len(loc) > 1:
        sub = {**err, "loc": loc[1:]}  # a parameter table inside this one: its parameter
        raise ctx.error(table, str(loc[1]), label + _parameter_error(field.annotation, sub))
    if kind == "extra_forbidden":
        msg = f"unknown key '{key}'; {_choices(key, list(model.model_fields))}"
    elif kind == "missing" and len(loc) == 1:
        raise ctx.error(table, None, f"{label}missing key '{key}' ({field.description})")
    elif kind == "value_error":
        key = getattr(info["error"], "key", key)
        msg = str(info["error"])
    elif kind == "literal_error":
        msg = f"unknown {key} {value!r}; {_choices(str(value), get_args(field.annotation))}"
    elif kind in ("greater_than_equal", "int_type") and "le" not in (bounds := {
            a: getattr(m, a) for m in field.metadata for a in ("ge", "le") if hasattr(m, a)}
            ) and "ge" in bounds:
        msg = f"must be a whole number >= {bounds['ge']}, got {value!r}"
    elif kind == "bool_type":
        msg = f"must be true or false, got {value!r}"
    elif field is None:  # the table itself
        msg = f"must be a table [{table}], got {value!r}"
        raise ctx.error(None, table, label + msg)
    else:
        got = f"{value!r}"
        if len(loc) > 1 and isinstance(body, Mapping) and key in body:  # in a list: all of it
            got = f"{body[key]!r}" + (f" (element {loc[1] + 1}: {value!r})"
                                      if isinstance(loc[1], int) else "")
        msg = f"must be {field.description}, got {got}"
    raise ctx.error(table, key, label + msg)


def _parameter_error(model: type[BaseModel], err: Mapping[str, Any]) -> str:
    """The message of pydantic's error ``err`` in a table of parameters (:data:`Overrides`
    or :data:`Grid`): an unknown parameter with the closest names, a ``[grid]`` entry that
    is no list or range, else the parameter's range and unit
    (:func:`abm.experiments.paramvalues.message`)."""
    name, kind = str(err["loc"][0]), err["type"]
    if kind == "extra_forbidden":
        return f"unknown parameter '{name}'; {_choices(name, list(SPECS))} (see `abm params`)"
    if model is Grid and len(err["loc"]) == 1:  # the entry, not one of its values
        if kind == "value_error":
            return str(err["ctx"]["error"])
        return (f"must be a non-empty list of values or {{low = X, high = Y, n = N}}, got "
                f"{err.get('input')!r}")
    return param_message(name, err)


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
    burn_in: int = C.BURN_IN
    """Quarters the summary metrics leave out (``EcosystemModel(burn_in=...)``); it changes
    what is measured, never the simulated path."""

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
                "dated_swaps": {c: [v[0], int(v[1])] for c, v in sorted(self.dated_swaps.items())},
                # only a burn-in other than the default: records (and run fingerprints) of
                # runs at the default stay as they always were
                **({"burn_in": int(self.burn_in)} if self.burn_in != C.BURN_IN else {})}

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
        if self.burn_in != C.BURN_IN:
            extra["burn_in"] = int(self.burn_in)
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
        if self.burn_in == C.BURN_IN:  # runs at the default keep their fingerprints
            d.pop("burn_in", None)
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
    burn_in: int = C.BURN_IN
    """``[experiment] burn_in`` or ``--burn-in``: quarters the summary metrics leave out."""

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
                        dated_swaps=dict(sc.dated_swaps), burn_in=self.burn_in)
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
                "steps": self.steps, "burn_in": self.burn_in, "overrides": self.overrides,
                "grid": self.grid,
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
        if key is None and table:  # a table opened only by its sub-tables ([sample.bounds])
            for i, line in enumerate(self.lines, 1):
                m = header.match(line)
                if m and m.group(1).strip('"').startswith(want_table + "."):
                    return i
        if key is not None and table:
            # dotted or inline forms: fall back to the first line mentioning the key
            for i, line in enumerate(self.lines, 1):
                if re.search(rf"(^|[\s{{,\[]){re.escape(key)}\s*=", line):
                    return i
        return None

    def error(self, table: str | None, key: str | None, message: str) -> SpecError:
        line = self.line_of(table, key)
        if line is None and table and key is not None:  # a key the file does not write
            line = self.line_of(table)  # ([sample] without parameters): its table's line
        where = f"{self.path}" + (f":{line}" if line else "")
        what = ""
        if table and key:
            what = f" [{table}] {key}:"
        elif table:
            what = f" [{table}]:"
        elif key:
            what = f" {key}:"
        return SpecError(f"{where}:{what} {message}")

    # -- a parameter value (the tables' other values: their pydantic models) -------------------
    def param(self, table: str, key: str, value: Any) -> float:
        """A valid value of the parameter ``key`` (:func:`.paramvalues.check_value`)."""
        try:
            return check_value(key, value)
        except ParameterError as exc:
            raise self.error(table, key, str(exc)) from None


def _choices(name: str, valid: Sequence[str]) -> str:
    return did_you_mean(name, valid)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def load_spec(path: str | Path, replicates: int | None = None, steps: int | None = None,
              overrides: Mapping[str, Any] | None = None, force: bool = False,
              burn_in: int | None = None) -> ExperimentSpec:
    """Read and validate a spec file; ``replicates``/``steps``/``overrides``/``burn_in`` replace the
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
                      extra_overrides=overrides, force=force, burn_in=burn_in)


def parse_spec(raw: dict[str, Any], path: Path | str = "<spec>", text: str = "",
               replicates: int | None = None, steps: int | None = None,
               extra_overrides: Mapping[str, Any] | None = None,
               force: bool = False, burn_in: int | None = None) -> ExperimentSpec:
    """Validate an already parsed spec (see :func:`load_spec`): every table through its own
    validator, then the size of the design against :mod:`abm.experiments.limits` (before any
    scenario is built; ``force`` lifts the limits), then the scenarios and the baseline."""
    ctx = _Ctx(Path(path), text)
    ctx.force = force
    if not isinstance(raw, Mapping):
        raise ctx.error(None, None, f"a spec must be a TOML table, got {type(raw).__name__}")
    _check_tables(raw, ctx)
    exp = _experiment_table(raw.get("experiment"), ctx, replicates, steps, burn_in)
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
        groups = factor_groups(spec.sample)
        k = len(dict.fromkeys(groups)) if groups else len(_factor_names(spec.sample))
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
                      steps: int | None, burn_in: int | None = None) -> dict[str, Any]:
    """``[experiment]`` (:class:`ExperimentTable`); ``replicates``/``steps``/``burn_in``
    given on the command line replace the file's. A burn-in the spec or the command line
    gives must be shorter than the run (a run shorter than the default one is warned about,
    as before: :func:`abm.metrics.too_short`)."""
    if exp is None:
        raise ctx.error(None, None, "missing table [experiment] (with name, kind, presets, "
                        "replicates, master_seed, steps)")
    out = _table("experiment", exp, ctx)
    del out["baseline"]  # read once the scenarios are built
    if replicates is not None:
        out["replicates"] = _cli_whole("--replicates", replicates)
    if steps is not None:
        out["steps"] = _cli_whole("--steps", steps)
    if burn_in is not None:
        if not _is_int(burn_in) or burn_in < 0:
            raise SpecError(f"--burn-in must be a whole number of quarters >= 0, got {burn_in!r}")
        out["burn_in"] = int(burn_in)
    if burn_in is not None and out["burn_in"] >= out["steps"]:
        raise SpecError(f"--burn-in must be a whole number of quarters from 0 to steps - 1 = "
                        f"{out['steps'] - 1} (the summary metrics cover the steps after it), "
                        f"got {out['burn_in']}")
    if "burn_in" in exp and out["burn_in"] >= out["steps"]:  # (the default only warns)
        raise ctx.error("experiment", "burn_in", f"must be a whole number of quarters from 0 to "
                        f"steps - 1 = {out['steps'] - 1} (the summary metrics cover the steps "
                        f"after it), got {out['burn_in']}")
    return out


def _cli_whole(option: str, value: Any) -> int:
    if not _is_int(value) or value < 1:
        raise SpecError(f"{option} must be a whole number >= 1, got {value!r}")
    return int(value)


def _overrides_table(body: Mapping[str, Any], ctx: _Ctx,
                     extra: Mapping[str, Any] | None) -> dict[str, float]:
    """``[overrides]`` PARAMETER = VALUE (:data:`~abm.experiments.paramvalues.Overrides`),
    then the command line's ``extra`` overrides."""
    overrides = _table("overrides", body, ctx)
    try:
        overrides.update(check_values(extra or {}))
    except ParameterError as exc:
        raise SpecError(str(exc)) from None
    return overrides


def _grid_table(body: Mapping[str, Any], ctx: _Ctx) -> dict[str, list[float]]:
    """``[grid]`` PARAMETER = [values] or {low, high, n}
    (:data:`~abm.experiments.paramvalues.Grid`)."""
    return _table("grid", body, ctx)


def _swap_table(body: Mapping[str, Any], ctx: _Ctx) -> dict[str, Any]:
    """``[swap]`` (:class:`SwapTable`)."""
    out = _table("swap", body, ctx)
    out["directions"] = [list(d) for d in out["directions"]]
    return out


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
    """``[sequence]`` (:class:`SequenceTable`): the run must reach first_year; horizons past
    the run's end are dropped."""
    out = _table("sequence", body, ctx)
    start, first = resolve(out["base"]).start_year, out["first_year"]
    years = exp["steps"] / 4 - (first - start)
    if years < 1:
        raise ctx.error("sequence", "first_year", f"the run ({exp['steps']} steps from "
                        f"{start}) ends before first_year = {first}")
    horizons = sorted(float(h) for h in out["horizons_years"] if h <= years) or [years]
    out.update(start_year=start, horizons_years=horizons)
    return {k: out[k] for k in ("base", "donor", "components", "orders", "start_year",
                                "first_year", "interval_years", "horizons_years",
                                "interactions", "big_bang")}


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
    """``[[scenario]]`` entries (:class:`ScenarioTable`); ``against`` names another one."""
    explicit = []
    for i, body in enumerate(bodies):
        e = _table("scenario", body, ctx, f"scenario {i + 1}: ")
        e["overrides"] = {k: e["overrides"][k] for k in body.get("overrides", {})}
        ds = {c: list(v) if isinstance(v, (list, tuple)) else v
              for c, v in e.pop("dated_swaps").items()}
        against = e.pop("against")
        explicit.append({**e, **({"dated_swaps": ds} if ds else {}),
                         **({"against": against} if "against" in body else {})})
    names = [e["name"] for e in explicit]
    for e in explicit:
        if "against" in e and (e["against"] not in names or e["against"] == e["name"]):
            raise ctx.error("scenario", "against", f"scenario {e['name']!r}: against must name "
                            f"another [[scenario]]; {_choices(str(e['against']), names)}")
    return explicit


def _sample_table(body: Mapping[str, Any], ctx: _Ctx, master_seed: int,
                  grid: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """``[sample]`` (:class:`SampleTable`): a design over named parameters and structural
    constants (not with ``[grid]``, not over a parameter fixed in ``[overrides]``)."""
    out = _table("sample", body, ctx)
    params, bounds_from = out["parameters"] or [], out["bounds_from"]
    constants, const_bounds = _sample_constants(out, ctx)
    preset_params = _sample_preset_parameters(out, params, overrides, ctx)
    bounds_from = list(bounds_from) if bounds_from is not None else None
    bounds_raw = {k: v for k, v in out["bounds"].items() if k not in const_bounds}
    bounds = _sample_bounds(_structural_bounds(bounds_raw, params, bounds_from), params,
                            bounds_from, ctx)
    bounds.update(const_bounds)
    if grid:
        raise ctx.error("sample", None, "use either [grid] or [sample], not both")
    overlap = set(params) & set(overrides)
    if overlap:
        raise ctx.error("sample", "parameters", f"{sorted(overlap)} also set in "
                        "[overrides]; a sampled parameter cannot be fixed")
    bounds.update({n: [0.0, 1.0] for n in preset_params})
    out.update(parameters=list(params), constants=constants, bounds=bounds,
               bounds_from=bounds_from, seed=master_seed if out["seed"] is None else out["seed"])
    keys = ["method", "parameters", "constants", "bounds", "bounds_from", "outputs",
            "trajectories", "levels", "base_samples", "seed"]
    if preset_params:
        out["preset_parameters"] = preset_params
        keys.append("preset_parameters")
    if out["groups"]:
        out["groups"] = _sample_groups(out["groups"], list(params) + constants + preset_params,
                                       ctx)
        keys.append("groups")
    if out["samples"] is not None:
        keys.append("samples")
        out["analysis"] = SAMPLE_ANALYSIS[out["method"]]
    return {k: out[k] for k in keys + ["analysis"] * ("analysis" in out)}


def _sample_constants(sample: Mapping[str, Any],
                      ctx: _Ctx) -> tuple[list[str], dict[str, list[float]]]:
    """``[sample] constants``: structural constants sampled like parameters; bounds from
    ``[sample.bounds]`` (inside the declared range) or else the declared range of
    :data:`abm.structural.STRUCTURAL`."""
    from abm.structural import CONSTANTS, STRUCTURAL, StructuralError, check_constant

    names, raw = sample["constants"], sample["bounds"]
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
        if n in sample.get("preset_parameters", []):
            raise ctx.error("sample", n, f"bounds given for '{n}', a per-preset parameter: its "
                            "ranges are declared per preset in abm/structural.py (sampled in "
                            "[0, 1])")
        if n.isupper() and n not in names:
            raise ctx.error("sample", n, f"bounds given for constant '{n}', which is not in "
                            f"constants ({', '.join(names) or 'none'})")
    return list(names), bounds


def _sample_preset_parameters(sample: Mapping[str, Any], params: Sequence[str],
                              overrides: Mapping[str, Any], ctx: _Ctx) -> list[str]:
    """``[sample] preset_parameters``: country indices with a declared range per preset
    (:data:`abm.structural.STRUCTURAL`, kind ``preset_parameter``), sampled as a unit value
    in [0, 1] that each scenario maps to its preset's range (:func:`_preset_values`)."""
    from abm.structural import PRESET_PARAMETERS

    names = list(sample["preset_parameters"])
    for n in names:
        if n not in PRESET_PARAMETERS:
            raise ctx.error("sample", "preset_parameters", f"unknown per-preset structural "
                            f"parameter {n!r}; {_choices(n, PRESET_PARAMETERS)} (declared in "
                            "abm/structural.py)")
    both = set(names) & set(params)
    if both:
        raise ctx.error("sample", "preset_parameters", f"{sorted(both)} also in parameters; "
                        "sample a country index either way, not both")
    fixed = set(names) & set(overrides)
    if fixed:
        raise ctx.error("sample", "preset_parameters", f"{sorted(fixed)} also set in "
                        "[overrides]; a sampled parameter cannot be fixed")
    return names


def _sample_groups(groups: Mapping[str, Sequence[str]], factors: Sequence[str],
                   ctx: _Ctx) -> dict[str, list[str]]:
    """``[sample.groups]``: each named factor in one group; the factors in none get a group of
    their own (named after the factor)."""
    seen: dict[str, str] = {}
    for g, members in groups.items():
        if g in factors and list(members) != [g]:
            raise ctx.error("sample", "groups", f"group name {g!r} is also a factor's name")
        if not members:
            raise ctx.error("sample", "groups", f"group {g!r} is empty")
        for m in members:
            if m not in factors:
                raise ctx.error("sample", "groups", f"group {g!r}: {m!r} is not a sampled "
                                f"factor; {_choices(m, list(factors))}")
            if m in seen:
                raise ctx.error("sample", "groups", f"{m!r} is in groups {seen[m]!r} and "
                                f"{g!r}; a factor belongs to one group")
            seen[m] = g
    return {g: list(m) for g, m in groups.items()}


def factor_groups(sample: Mapping[str, Any]) -> list[str] | None:
    """The group of each factor of :func:`salib_problem` (a factor in no group is its own), or
    ``None`` without ``[sample.groups]``."""
    groups = sample.get("groups") or {}
    if not groups:
        return None
    of = {m: g for g, ms in groups.items() for m in ms}
    return [of.get(n, n) for n in _factor_names(sample)]


def _factor_names(sample: Mapping[str, Any]) -> list[str]:
    return (list(sample["parameters"]) + list(sample.get("constants", []))
            + list(sample.get("preset_parameters", [])))


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
    """``[collect]`` (:class:`CollectTable`)."""
    return _table("collect", body, ctx)


def _report_table(body: Mapping[str, Any], ctx: _Ctx) -> dict[str, Any]:
    """``[report]`` (:class:`ReportTable`)."""
    return _table("report", body, ctx)


def _swap_label(base: str, donor: str, comps: Sequence[str]) -> str:
    return f"{base}[{'+'.join(comps)}<-{donor}]" if comps else base


def _build_scenarios(spec: ExperimentSpec, ctx: _Ctx) -> None:
    """Scenario list: bases (:func:`_bases`) x variation points (:func:`_points`), each
    resolved and checked once."""
    bases, dated, orders = _bases(spec, ctx)
    points = _points(spec)
    scenarios = []
    for label, preset, swaps, base_ov in bases:
        for j, (suffix, pv, cv, uv) in enumerate(points):
            ov = {**spec.overrides, **base_ov, **pv,
                  **_preset_values(uv, preset, label + suffix, ctx)}
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


def _bases(spec: ExperimentSpec, ctx: _Ctx) -> tuple[list[tuple[str, str, dict, dict]],
                                                      dict[str, dict], dict[str, list[str]]]:
    """The base scenarios (label, preset, swaps, overrides): the presets, the ``[sequence]``
    design, the ``[swap]`` design and the explicit ``[[scenario]]`` entries, each label
    once; with the dated swaps and the reform order of each label that has them."""
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
    return bases, dated, orders


def _points(spec: ExperimentSpec) -> list[tuple[str, dict[str, float], dict[str, float],
                                               dict[str, float]]]:
    """The variation points (label suffix, parameter values, structural constants, unit values
    of the per-preset parameters, mapped per scenario by :func:`_preset_values`): the
    ``[grid]``'s combinations, the ``[sample]``'s rows (kept inside the parameters' ranges,
    whole parameters rounded; the design matrix is kept as ``spec.sample_matrix``), or one
    point without variation."""
    points: list[tuple[str, dict[str, float], dict[str, float], dict[str, float]]] = [
        ("", {}, {}, {})]
    if spec.grid:
        names = list(spec.grid)
        points = [("|" + ",".join(f"{n}={v:g}" for n, v in zip(names, combo)),
                   dict(zip(names, combo)), {}, {})
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
            nc = len(names) + len(spec.sample.get("constants", []))
            points.append((f"|{spec.sample['method']}#{i:04d}", values,
                           _constant_values(spec.sample, row[len(names):nc]),
                           _unit_values(spec.sample, row[nc:])))
    return points


def _unit_values(sample: Mapping[str, Any], row: Sequence[float]) -> dict[str, float]:
    """The sampled unit values (in [0, 1]) of the per-preset parameters of one design row."""
    return {n: float(np.round(np.clip(v, 0.0, 1.0), 12))
            for n, v in zip(sample.get("preset_parameters", []), row)}


def _preset_values(units: Mapping[str, float], preset: str, label: str,
                   ctx: _Ctx) -> dict[str, float]:
    """The per-preset parameters' values of one scenario of ``preset``: each unit value mapped
    to the preset's declared range (:func:`abm.structural.preset_value`), checked against it."""
    from abm.structural import StructuralError, check_preset_parameter, preset_value

    out = {}
    for n, u in units.items():
        try:
            out[n] = check_preset_parameter(n, preset, preset_value(n, preset, u))
        except StructuralError as exc:
            raise ctx.error("sample", "preset_parameters", f"scenario {label!r}: {exc}"
                            ) from None
    return out


def _constant_values(sample: Mapping[str, Any], row: Sequence[float]) -> dict[str, float]:
    """The sampled constants of one design row (its columns after the parameters), kept
    inside their bounds."""
    out = {}
    for n, v in zip(sample.get("constants", []), row):
        lo, hi = sample["bounds"][n]
        out[n] = float(np.round(np.clip(v, lo, hi), 12))
    return out


def sample_matrix(sample: Mapping[str, Any]) -> np.ndarray:
    """The design matrix (rows = points, columns = ``sample['parameters']``, then
    ``sample['constants']``, then the unit values of ``sample['preset_parameters']``):
    SALib's samplers (Morris over the groups of ``[sample.groups]`` when given), and for
    ``montecarlo`` independent uniform draws inside the bounds from
    ``numpy.random.default_rng(seed)``."""
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
    """SALib problem: the sampled parameters, then the sampled structural constants, then the
    per-preset parameters (unit range [0, 1]); with ``[sample.groups]``, each factor's group
    (Morris then screens groups: its indices are named by group)."""
    names = _factor_names(sample)
    problem = {"num_vars": len(names), "names": names,
               "bounds": [list(sample["bounds"][n]) for n in names]}
    groups = factor_groups(sample)
    if groups:
        problem["groups"] = groups
    return problem

