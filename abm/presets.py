"""Regime presets (data in ``presets.toml``) and their resolution into :class:`Params`.

A preset is a set of parameter values, never a code path. :func:`resolve` builds the parameters
of a run from a preset, optional component swaps (take component ``C`` from preset ``Q``) and
optional single-parameter overrides, in that order.

Example:
    >>> from abm.presets import resolve
    >>> p = resolve("japan", swaps={"labor": "silicon_valley"})
    >>> p.job_mobility == resolve("silicon_valley").job_mobility
    True
    >>> p.acquisition_appetite == resolve("japan").acquisition_appetite
    True
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any, Mapping

from .hints import did_you_mean
from .params import COMPONENTS, SPECS, ParameterError, Params, names_for, unknown_name_error

PRESET_NAMES: tuple[str, ...] = ("silicon_valley", "japan", "korea", "japan_2027_plan",
                                  "japan_history", "us_history", "korea_history")


@cache
def _table() -> dict[str, dict[str, Any]]:
    text = resources.files("abm").joinpath("presets.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def presets() -> dict[str, str]:
    """Preset names with their one-line descriptions."""
    return {name: body["description"] for name, body in _table().items()}


def preset_values(name: str) -> dict[str, Any]:
    """The values a preset sets (after following ``extends``), without defaults."""
    table = _table()
    if name not in table:
        raise ParameterError(
            f"unknown preset '{name}'; {did_you_mean(name, table, label='valid presets')}")
    body = dict(table[name])
    values: dict[str, Any] = {}
    parent = body.pop("extends", None)
    if parent is not None:
        values.update(preset_values(parent))
    body.pop("description", None)
    body.pop("dated_swaps", None)
    body.pop("dated_series", None)
    for key in body:
        if key not in SPECS:
            raise unknown_name_error(key)
    values.update(body)
    return values


def preset_dated_swaps(name: str) -> dict[str, tuple[str, int]]:
    """The dated swaps a preset declares (``dated_swaps = { COMPONENT = [PRESET, YEAR] }``,
    after following ``extends``; :mod:`abm.mechanisms.reforms`); ``{}`` for most presets."""
    table = _table()
    if name not in table:
        raise ParameterError(
            f"unknown preset '{name}'; {did_you_mean(name, table, label='valid presets')}")
    body = table[name]
    out = preset_dated_swaps(body["extends"]) if "extends" in body else {}
    out.update({c: (v[0], int(v[1])) for c, v in body.get("dated_swaps", {}).items()})
    return out


def preset_dated_series(name: str) -> dict[str, tuple]:
    """The dated series a preset declares (``dated_series = { PARAMETER = ["country.series",
    FIRST, LAST] }``, after following ``extends``; :mod:`abm.mechanisms.history`); ``{}`` for
    most presets."""
    table = _table()
    if name not in table:
        raise ParameterError(
            f"unknown preset '{name}'; {did_you_mean(name, table, label='valid presets')}")
    body = table[name]
    out = preset_dated_series(body["extends"]) if "extends" in body else {}
    out.update({n: (v[0], int(v[1]), int(v[2]), *v[3:])
                for n, v in body.get("dated_series", {}).items()})
    return out


def resolve(
    preset: str = "silicon_valley",
    swaps: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Params:
    """Parameters of a run.

    Args:
        preset: base preset name (see :func:`presets`).
        swaps: ``{component: other_preset}``: every parameter of ``component`` is taken from
            ``other_preset`` (e.g. ``{"labor": "silicon_valley"}``).
        overrides: ``{name: value}`` applied last.

    Raises:
        ParameterError: unknown preset, component or parameter; value out of range.
    """
    values = preset_values(preset)
    for component, other in (swaps or {}).items():
        if component not in COMPONENTS:
            raise ParameterError(f"unknown component '{component}'; "
                                 f"{did_you_mean(component, COMPONENTS, label='valid components')}")
        donor = Params(preset_values(other))
        for name in names_for(component):
            values[name] = donor[name]
    values.update(overrides or {})
    return Params(values)
