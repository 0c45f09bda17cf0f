"""Country data layer: public series for the US, Japan and Korea as versioned data files.

One file per country, ``abm/data/countries/<country>.toml``, one table per series
(``[series.NAME]``). Every series declares a title, a unit (:data:`UNITS`), a definition, and
its points; every point has a value, a year (or a ``period = [first, last]``), a status
(:data:`STATUSES`) and a source (its own, or the series'). Where two sources disagree the
series says so (``disagreement``); series searched for and not found are listed under
``[missing]`` with what was found instead. The files hold only figures printed by a source:
nothing is interpolated or computed (docs/data.md).

Calibration and held-out years: a value of a year up to :data:`CALIBRATION_LAST_YEAR` may be
used to calibrate, later years are held out (:func:`held_out`).

Example:
    >>> from abm.data_layer import load
    >>> us = load("us")
    >>> us.series["vc_invested"].unit
    'USD bn'
    >>> us.series["vc_invested"].yearly()[2021]
    329.9
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Mapping

COUNTRIES: tuple[str, ...] = ("us", "japan", "korea")
"""Countries with a data file."""

PRESET_COUNTRY: Mapping[str, str] = {
    "silicon_valley": "us", "us_history": "us",
    "japan": "japan", "japan_2027_plan": "japan", "japan_history": "japan",
    "korea": "korea", "korea_history": "korea",
}
"""The country whose data a preset is set beside."""

UNITS: tuple[str, ...] = ("USD bn", "JPY bn", "KRW trn", "count", "share", "percent per year",
                          "percent of GDP", "percent of value added", "index", "years")
"""Units a series may declare. Shares are in [0, 1]; percents are in percent (2.8 = 2.8%);
``years`` is a duration (e.g. the average tenure of firms on a list). Money is in the
country's currency, or in USD where the source converts it (e.g. the World Bank's GDP in
current US dollars): :data:`COMMON_CURRENCY`."""

COMMON_CURRENCY = "USD"
"""The currency a money series of any country may use (the source's conversion, e.g. the World
Bank's current US dollars at the year's official exchange rate)."""

STATUSES: tuple[str, ...] = ("source", "approximate", "period_average", "provisional",
                             "undated")
"""``source``: the figure as the source prints it; ``approximate``: a secondary compilation or
a figure the source rounds ("about", "nearly"); ``period_average``: one figure for a period;
``provisional``: a preliminary release; ``undated``: a level the source gives without a date
(no year, no period)."""

YEARS: tuple[int, int] = (1960, 2030)
"""Inclusive range of years a point (or a period's ends) may name."""

CALIBRATION_LAST_YEAR = 2015
"""Years up to this one may be used to calibrate; later years are held out (issue 29)."""

SERIES_KEYS = ("title", "unit", "definition", "model", "status", "source", "notes",
               "disagreement", "points")
POINT_KEYS = ("year", "period", "value", "status", "source", "note")
CURRENCY = {"us": "USD", "japan": "JPY", "korea": "KRW"}


class DataError(ValueError):
    """A data file breaks a rule of the format; the message names the file, series and point."""


@dataclass(frozen=True)
class Point:
    """One value: of a ``year``, or of a ``period`` (first, last), or undated."""

    value: float
    status: str
    source: str
    year: int | None = None
    period: tuple[int, int] | None = None
    note: str = ""

    @property
    def held_out(self) -> bool:
        """Whether the value lies after :data:`CALIBRATION_LAST_YEAR` (a period: its end)."""
        last = self.year if self.year is not None else (self.period[1] if self.period else None)
        return last is not None and last > CALIBRATION_LAST_YEAR


@dataclass(frozen=True)
class Series:
    """One series of one country."""

    name: str
    title: str
    unit: str
    definition: str
    points: tuple[Point, ...]
    model: str = ""
    notes: str = ""
    disagreement: str = ""

    def yearly(self) -> dict[int, float]:
        """``{year: value}`` of the points that have a year (periods and undated left out)."""
        return {p.year: p.value for p in self.points if p.year is not None}

    @property
    def sources(self) -> tuple[str, ...]:
        """The distinct sources of the points, in order."""
        return tuple(dict.fromkeys(p.source for p in self.points))

    def level(self, year: int, before: "Series | None" = None) -> float:
        """Value of ``year`` read off :func:`interpolate`. With ``before`` (an earlier series
        of the same quantity on another source), a year up to ``before``'s last year reads
        ``before``'s value times the ratio of the two sources (this / before), the ratio read
        off :func:`interpolate` over the years both give (the earlier source's shape at this
        one's level: a splice); without a common year, this series' first value times
        ``before``'s growth from ``year`` to it."""
        vals = self.yearly()
        if before is None:
            return interpolate(vals, year)
        old = before.yearly()
        if year > max(old) or (year >= min(vals) and not set(vals) & set(old)):
            return interpolate(vals, year)
        common = sorted(set(vals) & set(old))
        if common:
            ratio = interpolate({y: vals[y] / old[y] for y in common}, year)
            return interpolate(old, year) * ratio
        first = min(vals)
        return interpolate(vals, first) * interpolate(old, year) / interpolate(old, first)

    def index(self, year: int, base: tuple[int, int], before: "Series | None" = None) -> float:
        """Level of ``year`` over the mean level of the years ``base`` (inclusive), both read
        off :meth:`level`: the series as a dated index (used by a preset's
        ``dated_series``, :mod:`abm.mechanisms.history`)."""
        lo, hi = base
        ref = [self.level(y, before) for y in range(lo, hi + 1)]
        return self.level(year, before) / (sum(ref) / len(ref))


@dataclass(frozen=True)
class Country:
    """Every series of one country, and the series searched for and not found."""

    country: str
    name: str
    currency: str
    series: Mapping[str, Series]
    missing: Mapping[str, str] = field(default_factory=dict)
    path: str = ""


def interpolate(values: Mapping[int, float], year: int) -> float:
    """Value of ``year`` from yearly ``values``: exact where given, log-linear between the two
    nearest given years (linear if either is not positive), the nearest end value outside.

    Raises:
        DataError: no values.
    """
    if not values:
        raise DataError("cannot read a year off a series without yearly values")
    if year in values:
        return float(values[year])
    years = sorted(values)
    if year <= years[0]:
        return float(values[years[0]])
    if year >= years[-1]:
        return float(values[years[-1]])
    hi = next(y for y in years if y > year)
    lo = max(y for y in years if y < year)
    w = (year - lo) / (hi - lo)
    a, b = float(values[lo]), float(values[hi])
    if a > 0 and b > 0:
        return math.exp((1 - w) * math.log(a) + w * math.log(b))
    return (1 - w) * a + w * b


def _year(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not YEARS[0] <= value <= YEARS[1]:
        raise DataError(f"{where}: year must be a whole number in [{YEARS[0]}, {YEARS[1]}], "
                        f"got {value!r}")
    return value


def _text(body: Mapping[str, Any], key: str, where: str, required: bool = True) -> str:
    value = body.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise DataError(f"{where}: '{key}' must be a non-empty string, got {value!r}")
    return value


def _point(raw: Any, series: Mapping[str, Any], unit: str, where: str) -> Point:
    if not isinstance(raw, dict):
        raise DataError(f"{where}: a point must be a table {{year = ..., value = ...}}, "
                        f"got {raw!r}")
    unknown = sorted(set(raw) - set(POINT_KEYS))
    if unknown:
        raise DataError(f"{where}: unknown key(s) {unknown}; a point has {list(POINT_KEYS)}")
    status = raw.get("status", series.get("status", ""))
    if status not in STATUSES:
        raise DataError(f"{where}: status must be one of {list(STATUSES)} (on the point or "
                        f"the series), got {status!r}")
    source = raw.get("source", series.get("source", ""))
    if not isinstance(source, str) or not source.strip():
        raise DataError(f"{where}: no source (give 'source' on the point or on the series)")
    year = period = None
    if "year" in raw and "period" in raw:
        raise DataError(f"{where}: give 'year' or 'period', not both")
    if "year" in raw:
        year = _year(raw["year"], where)
    elif "period" in raw:
        per = raw["period"]
        if not isinstance(per, list) or len(per) != 2:
            raise DataError(f"{where}: period must be [first_year, last_year], got {per!r}")
        period = (_year(per[0], where), _year(per[1], where))
        if period[0] > period[1]:
            raise DataError(f"{where}: period {list(period)} ends before it begins")
    elif status != "undated":
        raise DataError(f"{where}: a point needs a 'year' or a 'period' (or status "
                        f"'undated'), got {raw!r}")
    value = raw.get("value")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise DataError(f"{where}: value must be a finite number, got {value!r}")
    if unit == "share" and not 0.0 <= value <= 1.0:
        raise DataError(f"{where}: a share must lie in [0, 1], got {value!r} (percents are "
                        f"unit 'percent ...')")
    if unit == "count" and (value < 0 or value != int(value)):
        raise DataError(f"{where}: a count must be a whole number >= 0, got {value!r}")
    if unit.endswith(" bn") or unit.endswith(" trn") or unit in ("index", "years"):
        if value < 0:
            raise DataError(f"{where}: an amount must be >= 0, got {value!r}")
    return Point(value=float(value), status=status, source=source, year=year, period=period,
                 note=str(raw.get("note", "")))


def _series(name: str, body: Any, currency: str, where: str) -> Series:
    where = f"{where}, series '{name}'"
    if not isinstance(body, dict):
        raise DataError(f"{where}: must be a table")
    unknown = sorted(set(body) - set(SERIES_KEYS))
    if unknown:
        raise DataError(f"{where}: unknown key(s) {unknown}; a series has {list(SERIES_KEYS)}")
    unit = body.get("unit")
    if unit not in UNITS:
        raise DataError(f"{where}: unit must be one of {list(UNITS)}, got {unit!r}")
    money = unit.split(" ")[0]
    if money in ("USD", "JPY", "KRW") and money not in (currency, COMMON_CURRENCY):
        raise DataError(f"{where}: unit {unit!r} is not in the country's currency {currency} "
                        f"(or {COMMON_CURRENCY}, a source's conversion)")
    title = _text(body, "title", where)
    definition = _text(body, "definition", where)
    raw_points = body.get("points")
    if not isinstance(raw_points, list) or not raw_points:
        raise DataError(f"{where}: 'points' must be a non-empty list of points")
    points = tuple(_point(p, body, unit, f"{where}, point {i + 1}")
                   for i, p in enumerate(raw_points))
    years = [p.year for p in points if p.year is not None]
    dup = sorted({y for y in years if years.count(y) > 1})
    if dup:
        raise DataError(f"{where}: year(s) {dup} given twice (one series, one value a year; "
                        f"a second source goes in its own series or in 'disagreement')")
    return Series(name=name, title=title, unit=unit, definition=definition, points=points,
                  model=_text(body, "model", where, required=False),
                  notes=_text(body, "notes", where, required=False),
                  disagreement=_text(body, "disagreement", where, required=False))


def parse(data: Mapping[str, Any], where: str = "<data>") -> Country:
    """Validate a parsed country file and build its :class:`Country`.

    Raises:
        DataError: naming the file, series and point that break a rule.
    """
    country = data.get("country")
    if country not in COUNTRIES:
        raise DataError(f"{where}: 'country' must be one of {list(COUNTRIES)}, got {country!r}")
    currency = data.get("currency")
    if currency != CURRENCY[country]:
        raise DataError(f"{where}: 'currency' of {country} is {CURRENCY[country]!r}, "
                        f"got {currency!r}")
    unknown = sorted(set(data) - {"country", "name", "currency", "series", "missing"})
    if unknown:
        raise DataError(f"{where}: unknown top-level key(s) {unknown}")
    series = data.get("series")
    if not isinstance(series, dict) or not series:
        raise DataError(f"{where}: no [series.NAME] tables")
    missing = data.get("missing", {})
    if not isinstance(missing, dict) or not all(isinstance(v, str) for v in missing.values()):
        raise DataError(f"{where}: [missing] must map a name to a string saying what was found")
    return Country(country=country, name=_text(data, "name", where), currency=currency,
                   series={n: _series(n, b, currency, where) for n, b in series.items()},
                   missing=dict(missing), path=where)


def load_file(path: str | Path) -> Country:
    """Read and validate one country file.

    Raises:
        DataError: unreadable TOML or a broken rule.
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise DataError(f"{path}: not valid TOML: {exc}") from exc
    return parse(data, str(path))


@cache
def load(country: str) -> Country:
    """The shipped data of ``country`` (one of :data:`COUNTRIES`).

    Raises:
        DataError: unknown country, or a shipped file breaks a rule.
    """
    if country not in COUNTRIES:
        raise DataError(f"unknown country {country!r}; known: {', '.join(COUNTRIES)}")
    ref = resources.files("abm").joinpath("data", "countries", f"{country}.toml")
    data = tomllib.loads(ref.read_text(encoding="utf-8"))
    return parse(data, f"abm/data/countries/{country}.toml")


def series(ref: str) -> Series:
    """A series by ``"country.name"`` (e.g. ``"us.vc_funds_raised"``).

    Raises:
        DataError: malformed reference, unknown country or series (naming the known ones).
    """
    if not isinstance(ref, str) or ref.count(".") != 1:
        raise DataError(f"a series reference is 'country.series', got {ref!r}")
    country, name = ref.split(".")
    data = load(country)
    if name not in data.series:
        raise DataError(f"{country} has no series {name!r}; known: {', '.join(data.series)}")
    return data.series[name]


def held_out(year: int) -> bool:
    """Whether ``year`` is held out (after :data:`CALIBRATION_LAST_YEAR`)."""
    return year > CALIBRATION_LAST_YEAR


def for_model(country: str, metric: str) -> dict[str, Series]:
    """The series of ``country`` set beside the model's ``metric`` (their ``model`` key)."""
    return {n: s for n, s in load(country).series.items() if s.model == metric}


def inventory_markdown() -> str:
    """The 'What is there' tables of docs/data.md: per country, every series with its unit,
    years, model key and statuses, and the series not found (tests/test_data_layer.py checks
    the page holds this text)."""
    out = []
    for c in COUNTRIES:
        d = load(c)
        out += [f"**{d.name}** (`abm/data/countries/{c}.toml`)", "",
                "| series | unit | years | model | statuses |", "|---|---|---|---|---|"]
        for n, s in d.series.items():
            yrs = [str(p.year) if p.year is not None else
                   (f"{p.period[0]}-{p.period[1]}" if p.period else "undated")
                   for p in s.points]
            st = ", ".join(sorted({p.status for p in s.points}))
            model = f"`{s.model}`" if s.model else ""
            out.append(f"| `{n}` | {s.unit} | {', '.join(yrs)} | {model} | {st} |")
        out += ["", "Not found (`[missing]`): " + "; ".join(f"`{k}`" for k in d.missing) + ".",
                ""]
    return "\n".join(out)
