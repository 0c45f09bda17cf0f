"""Dated series: a parameter that follows a public series year by year (docs/ODD.md 7.20).

A history preset (``us_history``, ``korea_history``) enters the shocks of its period (the
2000-2002 bust, 2008, the 2020-2021 boom, the 2022 downturn) as data, not as tuned constants:
``dated_series = { PARAMETER = ["country.series", FIRST, LAST] }`` makes ``PARAMETER`` follow
the series of the country data layer (:mod:`abm.data_layer`) as an index (a fourth element,
``"country.earlier_series"``, splices an earlier source of the same quantity before the
series' first year: :meth:`abm.data_layer.Series.level`). In calendar year ``y`` the
parameter is

    value(y) = preset value x level(y) / mean(level(FIRST .. LAST))

clipped to the parameter's range, where ``level`` reads the series off
:func:`abm.data_layer.interpolate` (exact at a year the source gives, log-linear between two
given years, the nearest given value outside them). The *base years* FIRST..LAST are the
period the preset's own value describes (the calibrated presets target facts of about
2014-2019), so the preset's value is the level of that period and every other year is scaled
by what the series says about it. The value is set at the start of the run (for
``start_year``) and at the first quarter of every later year, before any other mechanism of
that quarter. Without dated series nothing here runs.
"""

from __future__ import annotations

from typing import Any, Mapping

from ..params import SPECS, ParameterError, unknown_name_error
from ..units import Mechanism

UNIT = Mechanism(
    name="history", stream=None,
    reads=())  # the parameters it sets follow public series (which ones: the preset's dated_series)
"""What this mechanism owns (:mod:`abm.units`)."""

READERS = ("value_at",)
"""Functions of this module that read the model and change nothing."""

ALLOWED = ("lp_capital_per_year", "ipo_window_open", "gov_vc_budget", "grant_budget",
           "ma_market_depth", "ipo_propensity")
"""Parameters a dated series may drive: money flows and exit-market conditions, the things a
yearly public series measures. (Others would mean a structural change by the year: use a
dated swap.)"""


def check(dated_series: Mapping[str, Any] | None) -> dict[str, tuple]:
    """Validated ``{parameter: (series_ref, first_base_year, last_base_year[, earlier_ref])}``.

    Raises:
        ParameterError: unknown or not allowed parameter, malformed entry, unknown series or a
            series without yearly values, or base years outside the series' data range.
    """
    from ..data_layer import DataError, series

    out: dict[str, tuple] = {}
    for name, value in (dated_series or {}).items():
        if name not in SPECS:
            raise unknown_name_error(name)
        if name not in ALLOWED:
            raise ParameterError(f"dated series: '{name}' cannot follow a series; allowed: "
                                 f"{', '.join(ALLOWED)}")
        if (not isinstance(value, (list, tuple)) or len(value) not in (3, 4)
                or not isinstance(value[0], str)
                or any(isinstance(v, bool) or not isinstance(v, int) for v in value[1:3])
                or value[1] > value[2]
                or (len(value) == 4 and not isinstance(value[3], str))):
            raise ParameterError(f"dated series of '{name}' must be [\"country.series\", "
                                 f"first_base_year, last_base_year] (and optionally an "
                                 f"earlier \"country.series\" to splice), got {value!r}")
        ref, lo, hi = value[:3]
        try:
            yearly = series(ref).yearly()
            if len(value) == 4 and len(series(value[3]).yearly()) < 2:
                raise ParameterError(f"dated series of '{name}': the earlier series "
                                     f"{value[3]} needs at least 2 dated values")
        except DataError as exc:
            raise ParameterError(f"dated series of '{name}': {exc}") from None
        if len(yearly) < 2:
            raise ParameterError(f"dated series of '{name}': {ref} has {len(yearly)} dated "
                                 f"value(s); an index needs at least 2")
        if hi < min(yearly) or lo > max(yearly):
            raise ParameterError(f"dated series of '{name}': base years {lo}-{hi} lie outside "
                                 f"the years of {ref} ({min(yearly)}-{max(yearly)})")
        out[name] = (ref, int(lo), int(hi)) + ((value[3],) if len(value) == 4 else ())
    return out


def value_at(model, name: str, year: int) -> float:
    """Value of parameter ``name`` in calendar ``year`` under the model's dated series."""
    from ..data_layer import series

    ref, lo, hi, *earlier = model.dated_series[name]
    spec = SPECS[name]
    before = series(earlier[0]) if earlier else None
    v = model.dated_series_base[name] * series(ref).index(year, (lo, hi), before)
    return float(min(max(v, spec.low), spec.high))


def apply(model, year: int) -> dict[str, float]:
    """Set every dated-series parameter to its value of ``year``; returns the changes."""
    changes = {n: value_at(model, n, year) for n in model.dated_series}
    changes = {n: v for n, v in changes.items() if v != model.p[n]}
    if changes:
        model.p = model.p.replace(**changes)
    return changes


def step(model) -> None:
    """At the first quarter of a year: move the dated-series parameters to that year's
    values."""
    from ..queries import calendar_year

    if (model.steps - 1) % 4 != 0:
        return
    year = calendar_year(model)
    changes = apply(model, year)
    if changes:
        model.event("policy", "Dated series {}: {}", year,
                    ", ".join(f"{n} = {v:.3g}" for n, v in sorted(changes.items())))
