"""Parameter values given by a user, checked declaratively against the parameter table.

Each parameter of :data:`abm.params.SPECS` becomes a pydantic type (:func:`value_type`: a
real number, finite, inside the parameter's declared range, whole when the parameter is an
integer), and the tables of parameters a spec or the command line gives are pydantic models
built from them: :data:`Overrides` (a spec's ``[overrides]``, a ``[[scenario]]``'s
``overrides``, ``--set`` and ``--scale``) and :data:`Grid` (a spec's ``[grid]``, values or a
``{low, high, n}`` range). :func:`message` turns pydantic's error into the one line the
parameter table has always printed: the parameter, the value, the valid range and the unit.

Example:
    >>> from abm.experiments.paramvalues import check_values
    >>> check_values({"job_mobility": 0.1, "n_incumbents": 20.0})
    {'job_mobility': 0.1, 'n_incumbents': 20}
    >>> check_values({"job_mobility": 7})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    abm.params.ParameterError: parameter 'job_mobility' = 7 is out of range: valid range is ...
"""

from __future__ import annotations

import functools
from typing import Annotated, Any, Mapping

import numpy as np
from pydantic import (AfterValidator, BeforeValidator, ConfigDict, Field, Strict,
                      TypeAdapter, ValidationError, ValidationInfo, create_model)

from abm.params import SPECS, ParameterError, ParamSpec, _fmt, unknown_name_error

from . import limits

RANGE_KEYS = ("low", "high", "n")
"""Keys of a ``[grid]`` range ``{low = X, high = Y, n = N}``."""


def _range(s: ParamSpec) -> str:
    return f"[{_fmt(s.low)}, {_fmt(s.high)}]"


def value_type(s: ParamSpec) -> Any:
    """The pydantic type of a value of parameter ``s``: a real number (an int is one; a bool
    or a string is not), finite, in ``[s.low, s.high]``; returned as ``int`` for an integer
    parameter (which must then be whole), else as ``float``."""
    def typed(v: float) -> float | int:
        if not s.integer:
            return float(v)
        if float(v) != int(v):
            raise ValueError("whole")
        return int(v)
    return Annotated[float, Strict(), Field(ge=s.low, le=s.high, allow_inf_nan=False,
                                            description=f"{s.description} ({s.unit})"),
                     AfterValidator(typed)]


def message(name: str, err: Mapping[str, Any]) -> str:
    """The one-line message of pydantic's error ``err`` about a value of parameter ``name``
    (the messages :meth:`abm.params.ParamSpec.check` prints, the unit always included)."""
    s, kind, value = SPECS[name], err["type"], err.get("input")
    if kind == "float_type" and isinstance(value, str):  # TOML "0.2": a typo
        return (f"parameter '{name}' must be a number, got the string {value!r} (remove the "
                f"quotes); valid range is {_range(s)} ({s.unit})")
    if kind == "float_type" and isinstance(value, bool):
        return (f"parameter '{name}' must be a number in {_range(s)} ({s.unit}), got a "
                f"boolean {value!r}")
    if kind == "float_type":
        return f"parameter '{name}' must be a number in {_range(s)} ({s.unit}), got {value!r}"
    if kind == "value_error":  # the whole-number check
        return (f"parameter '{name}' must be a whole number in {_range(s)} ({s.unit}), got "
                f"{_fmt(value)}")
    return (f"parameter '{name}' = {_fmt(value)} is out of range: valid range is {_range(s)} "
            f"({s.unit})")


@functools.cache
def _adapter(name: str) -> TypeAdapter:
    return TypeAdapter(value_type(SPECS[name]))


def check_value(name: str, value: Any) -> float | int:
    """``value`` as a valid value of parameter ``name``, else :class:`ParameterError`
    (unknown name: the closest names; bad value: :func:`message`)."""
    if name not in SPECS:
        raise unknown_name_error(name)
    try:
        return _adapter(name).validate_python(value)
    except ValidationError as exc:
        raise ParameterError(message(name, exc.errors(include_url=False)[0])) from None


# -- the tables ------------------------------------------------------------------------------
def _grid_values(name: str):
    """A ``[grid]`` entry: a list of values, or a range ``{low, high, n}`` turned into ``n``
    evenly spaced values (``low`` and ``high`` checked first; ``n`` against the work limit
    unless the validation context says ``force``)."""
    def expand(v: Any, info: ValidationInfo) -> Any:
        if not isinstance(v, dict):
            return v
        if set(v) != set(RANGE_KEYS):
            raise ValueError(f"a range must be {{low = X, high = Y, n = N}}; got keys "
                             f"{sorted(v)}")
        n = v["n"]
        if isinstance(n, bool) or not isinstance(n, int) or n < 2:
            raise ValueError(f"n must be a whole number >= 2, got {n!r}")
        if n > limits.MAX_RUNS and not (info.context or {}).get("force"):
            raise ValueError(f"n = {n:,} is above the limit of {limits.MAX_RUNS:,} runs per "
                             f"experiment; {limits.HOW}")
        try:
            lo, hi = check_value(name, v["low"]), check_value(name, v["high"])
        except ParameterError as exc:
            raise ValueError(str(exc)) from None
        return [float(x) for x in np.round(np.linspace(lo, hi, n), 12)]
    return BeforeValidator(expand)


_CONFIG = ConfigDict(extra="forbid")
Overrides = create_model(
    "Overrides", __config__=_CONFIG, __doc__="Parameter values by name (PARAMETER = VALUE).",
    **{n: (value_type(s), Field(None, description=s.description)) for n, s in SPECS.items()})
"""A table PARAMETER = VALUE (``[overrides]``, a scenario's ``overrides``, ``--set``)."""
Grid = create_model(
    "Grid", __config__=_CONFIG, __doc__="Values of each parameter a grid crosses.",
    **{n: (Annotated[list[value_type(s)], _grid_values(n), Field(
        min_length=1, description="a non-empty list of values or {low = X, high = Y, n = N}")],
           None) for n, s in SPECS.items()})
"""A table PARAMETER = [values] or {low, high, n} (``[grid]``)."""
PARAMETER_TABLES = (Overrides, Grid)


def dump(model: Any, given: Mapping[str, Any]) -> dict[str, Any]:
    """The values a parameter table set, in the order ``given`` lists them."""
    values = model.model_dump(exclude_unset=True)
    return {k: values[k] for k in given if k in values}


def check_values(values: Mapping[str, Any]) -> dict[str, float | int]:
    """``values`` (PARAMETER = VALUE) validated by :data:`Overrides`, else
    :class:`ParameterError` for the first bad entry."""
    try:
        return dump(Overrides.model_validate(dict(values)), values)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
    name = str(err["loc"][0])
    if err["type"] == "extra_forbidden":
        raise unknown_name_error(name)
    raise ParameterError(message(name, err))
