"""Dated swaps: an institutional component reformed at a date (docs/ODD.md 7.20).

A *dated swap* ``{component: (donor_preset, year)}`` moves every parameter of ``component``
to ``donor_preset``'s value at the first quarter of calendar ``year`` (``start_year`` is the
year of step 1), before any other mechanism of that quarter runs: from then on the mechanisms
read the donor's values. A static swap (:func:`abm.presets.resolve`'s ``swaps``) is the same
change made before the population is built.

What a reform cannot change is kept, and said here: the parameters that build the initial
population (:data:`FIXED`: the numbers of incumbents, universities and business groups) and
what was built from them (the CVC units set up at the start, existing funds' selection
skill, founders' risk tolerance drawn when they entered). Incumbents' openness, appetite and
not-invented-here bias are per-incumbent states drawn around the preset's values: a reform of
``industry`` shifts each living incumbent's value by the change of the preset value
(donor - old), clipped to [0, 1], so their spread (and what the industry loop has already
done to them) is kept. Without dated swaps nothing here runs and no random number is drawn.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from ..hints import did_you_mean
from ..params import INSTITUTIONS, ParameterError, names_for
from ..units import Mechanism

UNIT = Mechanism(
    name="reforms", stream=None,
    reads=())  # the parameters it swaps are the components' (abm.params.names_for)
"""What this mechanism owns (:mod:`abm.units`)."""

FIXED = ("n_incumbents", "n_universities", "n_business_groups")
"""Parameters a dated swap leaves alone: they build the initial population."""

TRAITS = (("openness", "incumbent_openness"), ("appetite", "acquisition_appetite"),
          ("nih", "nih_bias"))
"""Incumbent columns drawn around a preset value (column, parameter)."""

READERS = ("due",)
"""Functions of this module that read the model and change nothing."""

SWAPPABLE = INSTITUTIONS + ("exit_markets", "policy")
"""Components a dated swap may move (the six institutions, exit markets and policy)."""


def check(dated_swaps: Mapping[str, Any] | None, start_year: int) -> dict[str, tuple[str, int]]:
    """Validated ``{component: (donor_preset, year)}``.

    Raises:
        ParameterError: unknown component or preset, or a year before ``start_year`` (a
            reform before the run starts is a static swap: use ``swaps``) or after 10000.
    """
    from ..presets import PRESET_NAMES

    out: dict[str, tuple[str, int]] = {}
    for comp, value in (dated_swaps or {}).items():
        if comp not in SWAPPABLE:
            raise ParameterError(f"dated swap: unknown component '{comp}'; "
                                 f"{did_you_mean(comp, SWAPPABLE, label='valid components')}")
        if not isinstance(value, (list, tuple)) or len(value) != 2:
            raise ParameterError(f"dated swap of '{comp}' must be [donor_preset, year], "
                                 f"got {value!r}")
        donor, year = value
        if donor not in PRESET_NAMES:
            raise ParameterError(f"dated swap of '{comp}': unknown preset {donor!r}; "
                                 f"{did_you_mean(str(donor), PRESET_NAMES, label='valid presets')}")
        if isinstance(year, bool) or not isinstance(year, (int, np.integer)) \
                or not start_year <= year <= 10000:
            raise ParameterError(f"dated swap of '{comp}': year must be a whole number in "
                                 f"[start_year = {start_year}, 10000], got {year!r} (a swap "
                                 f"before the run starts is a static swap: use swaps)")
        out[comp] = (str(donor), int(year))
    return out


def due(model, step: int | None = None) -> list[tuple[str, str]]:
    """``(component, donor)`` of the dated swaps that take effect at ``step`` (default: now):
    the first quarter of their year."""
    from ..queries import calendar_year

    step = model.steps if step is None else step
    if not model.dated_swaps or (step - 1) % 4 != 0:
        return []
    year = calendar_year(model, step)
    return [(c, d) for c, (d, y) in model.dated_swaps.items() if y == year]


def apply(model, component: str, donor: str) -> dict[str, float]:
    """Move ``component``'s parameters (but :data:`FIXED`) to ``donor``'s values now;
    returns the changed values."""
    from ..presets import resolve

    src = resolve(donor)
    old = model.p
    changes = {n: src[n] for n in names_for(component) if n not in FIXED and src[n] != old[n]}
    if not changes:
        return changes
    model.p = old.replace(**changes)
    inc = model.inc
    alive = inc.view("alive").nonzero()[0] if inc.n else np.zeros(0, dtype=np.int64)
    for col, name in TRAITS:
        if name in changes and alive.size:
            column = getattr(inc, col)
            column[alive] = np.clip(column[alive] + (changes[name] - old[name]), 0.0, 1.0)
    return changes


def step(model) -> None:
    """At the first quarter of a year: apply the dated swaps due this year."""
    for component, donor in due(model):
        changes = apply(model, component, donor)
        model.reforms_done.append((model.steps, component, donor))
        model.event("policy", "Reform: {} takes {}'s setting ({} parameters changed)",
                    component, donor, len(changes))
