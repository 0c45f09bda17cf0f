"""The model inside Mesa's own tools: ``SolaraViz``, ``make_plot_component``, ``batch_run``.

:class:`~abm.model.EcosystemModel` is a Mesa ``Model`` and works with them as it is:

* its DataCollector has a row for step 0 (the state before the first quarter), so row ``N``
  is the state after ``N`` quarters, and ``batch_run``'s ``Step N`` is the model's step
  ``N`` (:func:`stock_stats` measures that row);
* Mesa's SolaraViz accepts it (its constructor's var-keyword argument is named ``kwargs``
  for Mesa's parameter check) and rebuilds it on Reset from the sidebar's values.

What this module adds:

* :class:`SummaryModel`, which also reports the end-of-run summary as model reporters, so
  ``mesa.batch_run`` returns the summary metrics the project's reports are about;
* :func:`batch_run`, ``mesa.batch_run`` with seeds that differ between iterations;
* :func:`model_params` and :func:`make_page`: a SolaraViz page from the parameter table.

Examples:
    >>> import mesa
    >>> from abm.mesa_compat import SummaryModel
    >>> rows = mesa.batch_run(SummaryModel, {"preset": "japan", "seed": 1, "scale": 0.2,
    ...                                      "summary_at": 4},
    ...                       max_steps=4, display_progress=False)
    >>> int(rows[-1]["Step"]), rows[-1]["startups_founded"] >= 0  # Mesa 3.5: Step 4.0
    (4, True)

See docs/tools.md.
"""

from __future__ import annotations

from functools import partial
from typing import Any, Mapping, Sequence

import numpy as np

from ._mesa import batch_run_kwargs
from .model import FLOWS, SERIES, EcosystemModel  # FLOWS: derived there, kept importable here
from .params import SPECS


def stock_stats(model: EcosystemModel) -> dict[str, float]:
    """Every series of :data:`abm.model.SERIES` measured on the model as it stands now:
    the stocks as :func:`abm.mechanisms.observe.observe` computes them, the flows 0.

    Unlike ``observe`` it changes nothing: no founder retires, no random number is drawn,
    :attr:`~abm.model.EcosystemModel.history` is not appended to. The model uses it for its
    step-0 row. It reads the tables directly and calls no mechanism function (so a model
    built inside a mechanism test logs no extra mechanism call); at the end of every step it
    gives ``observe``'s stocks exactly (a test checks that they do not drift apart).
    """
    from . import constants as C
    from .agents import fund_may_invest
    from .mechanisms import REGISTRY, maturity  # side-effect-free readers
    from .queries import aggregate, stocks

    st, inc = model.st, model.inc
    n = st.n
    status = st.status[:n]
    listed = (status == C.PUBLIC) & ~st.graduated[:n]
    operating = (status == C.ACTIVE) | listed
    live = operating.nonzero()[0]
    alive = inc.view("alive").nonzero()[0]
    s: dict[str, float] = dict.fromkeys(SERIES, 0.0)
    s["active_startups"] = float(np.count_nonzero(status == C.ACTIVE))
    s["public_startups"] = float(np.count_nonzero(listed))
    s["incumbents"] = float(alive.size)
    k = model.n_sectors
    sectors = np.concatenate([inc.sector[alive], st.sector[live]])
    sales = np.concatenate([inc.revenue[alive], st.revenue[live]])
    total = np.bincount(sectors, weights=sales, minlength=k)[:k]
    sq = np.bincount(sectors, weights=sales * sales, minlength=k)[:k]
    hhi = np.divide(sq, total * total, out=np.zeros(k), where=total > 0)
    s["hhi"] = float(hhi[hhi > 0].mean()) if (hhi > 0).any() else 0.0
    s["partnerships_active"] = float(np.count_nonzero((status == C.ACTIVE)
                                                      & (st.partner[:n] >= 0)))
    s["unicorns_to_date"] = float(np.count_nonzero(st.unicorn_step[:n] >= 0))
    s["startup_employment"] = float(int(st.headcount[:n][operating].sum()))
    s["incumbent_employment"] = float(inc.headcount[alive].sum())
    s["idle"] = float(model.idle)
    revenue = float(inc.revenue[alive].sum() + st.revenue[live].sum())
    employed = s["startup_employment"] + s["incumbent_employment"]
    s["total_revenue"] = revenue
    s["productivity"] = aggregate(model)[3]  # as observe (via abm.productivity.decompose)
    s["real_output"] = s["productivity"] * employed
    s["workforce"] = employed + model.idle
    s.update(maturity.indices(model))
    s["ipo_window_open"] = float(model.ipo_window)
    funds = model.live_funds()
    if funds:
        rows = model.live_fund_rows()
        fixed = model.fund_table
        parent = fixed.parent[rows]
        ok = fund_may_invest(fixed.corporate[rows], model.steps - fixed.vintage[rows],
                             (parent >= 0) & inc.alive[np.maximum(parent, 0)])
        investing = [funds[i] for i in ok.nonzero()[0].tolist()]
    else:
        investing = []
    s["funds_investing"] = float(len(investing))
    s["dry_powder"] = float(sum(f.cash for f in investing))
    s.update(stocks(model))
    for unit in REGISTRY.values():  # stocks a mechanism measures itself (abm.units)
        measure = unit.hook("measure")
        if measure is not None:
            s.update(measure(model))
    return s


class SummaryModel(EcosystemModel):
    """:class:`~abm.model.EcosystemModel` whose DataCollector also reports the summary.

    Every key of :meth:`~abm.model.EcosystemModel.summary` becomes a model reporter (its
    column: :func:`summary_column`). The
    summary is computed once, at step ``summary_at`` (a summary costs about 30 steps, so
    not at every step); at every other step those columns are NaN. Pass ``summary_at`` equal
    to ``batch_run``'s ``max_steps``: the last row ``batch_run`` returns (``Step ==
    max_steps``) then holds exactly ``EcosystemModel(...).run(max_steps).summary()``.

    (Mesa's ``batch_run`` steps the model while ``steps <= max_steps``, i.e. one quarter
    more than it reports; that quarter is simulated and dropped, the rows and the summary
    cover ``max_steps`` quarters.)

    Args:
        summary_at: the step whose row carries the summary (``None``: no summary).
        **kwargs: what :class:`~abm.model.EcosystemModel` takes (``preset``, ``seed``,
            ``swaps``, parameter values).
    """

    def __init__(self, summary_at: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.summary_at = None if summary_at is None else int(summary_at)
        self._summary_now: tuple[int, dict[str, float]] = (-1, {})
        from mesa import DataCollector

        from .metrics import EXTRA_KEYS, SUMMARY_KEYS
        from .model import _stat

        reporters = {name: partial(_stat, name=name) for name in SERIES}
        reporters.update({summary_column(key): partial(_summary_value, key=key)
                          for key in SUMMARY_KEYS + EXTRA_KEYS})
        self.datacollector = DataCollector(model_reporters=reporters)
        self._collect_step0()

    def timeseries(self):
        """The series of :data:`abm.model.SERIES` only, as
        :meth:`~abm.model.EcosystemModel.timeseries` gives them (the summary columns left
        out; this is also what the summary reads while the row of its step is collected)."""
        import pandas as pd

        model_vars = self.datacollector.model_vars
        df = pd.DataFrame({name: model_vars[name] for name in SERIES}).iloc[1:]
        df.index = range(1, len(df) + 1)
        df.index.name = "step"
        return df

    def _summary_value(self, key: str) -> float:
        if self.summary_at is None or self.steps != self.summary_at:
            return float("nan")
        if self._summary_now[0] != self.steps:
            self._summary_now = (self.steps, self.summary())
        return self._summary_now[1][key]


def summary_column(key: str) -> str:
    """The column of a summary value in :class:`SummaryModel`'s rows: the key itself, or
    ``summary_<key>`` should a summary key also name a series (none does: a run total and a
    per-step series get different names, e.g. ``exits_ipo`` and ``ipos``)."""
    return f"summary_{key}" if key in SERIES else key


def _summary_value(model: SummaryModel, key: str) -> float:
    """Model reporter: one summary value at :attr:`SummaryModel.summary_at`."""
    return model._summary_value(key)


def batch_run(parameters: Mapping[str, Any], max_steps: int, *, replicates: int = 1,
              master_seed: int = 0, summary: bool = True, **kwargs: Any) -> list[dict]:
    """``mesa.batch_run`` over :class:`SummaryModel`, with a different seed per replicate.

    Mesa's own ``iterations`` reuse the seed given in ``parameters`` (identical replicates)
    or, without one, draw seeds nobody can repeat. Here replicate ``i`` gets the ``i``-th
    seed of ``SeedSequence(master_seed).spawn(replicates)``, the same seeds the project's
    runner uses (common random numbers across the parameter combinations).

    Args:
        parameters: as for ``mesa.batch_run`` (a value or a list of values per name:
            ``preset``, ``swaps``, parameter names); must not contain ``seed``.
        max_steps: quarters per run (the last row is ``Step == max_steps``).
        replicates: runs per parameter combination.
        master_seed: the seed the replicate seeds derive from.
        summary: add the summary metrics to the row of step ``max_steps``.
        **kwargs: passed to ``mesa.batch_run`` (``number_processes``,
            ``data_collection_period``, ``display_progress``).

    Returns:
        Mesa's rows (list of dicts), with ``seed`` and ``summary_at`` among the columns.
    """
    import mesa

    if "seed" in parameters:
        raise ValueError("pass replicates/master_seed instead of 'seed' (see docstring)")
    # the runner's replicate seeds (experiments.spec.replicate_seeds; a test checks they agree)
    seeds = [int(c.generate_state(1, dtype=np.uint64)[0] % (2**63))
             for c in np.random.SeedSequence(int(master_seed)).spawn(int(replicates))]
    seeding, keywords = batch_run_kwargs(seeds)
    params = {**parameters, **seeding, "summary_at": int(max_steps) if summary else None}
    rows = mesa.batch_run(SummaryModel, params, max_steps=int(max_steps), **keywords, **kwargs)
    for row in rows:  # Mesa 3.4+ does not list the seed it passed as ``rng``
        row.setdefault("seed", row.get("rng"))
        row["Step"] = int(row["Step"])  # Mesa 3.5 reports the model's time, a float
    return rows


# -- Mesa's SolaraViz -------------------------------------------------------------------------
def model_params(names: Sequence[str] = ("scale",), preset: str = "silicon_valley",
                 seed: int = 1) -> dict[str, Any]:
    """SolaraViz ``model_params``: a preset selector, a seed slider and one slider per named
    parameter (range, step and default from the parameter table, :data:`abm.params.SPECS`).

    Args:
        names: parameters to get a slider.
        preset: the preset selected at first.
        seed: the seed at first.
    """
    from .presets import PRESET_NAMES, resolve

    base = resolve(preset)
    out: dict[str, Any] = {
        "preset": {"type": "Select", "value": preset, "values": list(PRESET_NAMES),
                   "label": "Preset"},
        "seed": {"type": "SliderInt", "value": seed, "min": 0, "max": 999, "step": 1,
                 "label": "Seed"},
    }
    for name in names:
        spec = SPECS[name]
        step = 1 if spec.integer else (spec.high - spec.low) / 100
        out[name] = {"type": "SliderInt" if spec.integer else "SliderFloat",
                     "value": base[name], "min": spec.low, "max": spec.high, "step": step,
                     "label": name}
    return out


def make_page(model=None, series: Sequence[str] | str = ("active_startups", "founded",
                                                           "failed"),
              names: Sequence[str] = ("scale",)):
    """Mesa's ``SolaraViz`` page for the model with a ``make_plot_component`` plot.

    Args:
        model: the model shown first, or a ``solara.Reactive`` holding it (to read the
            model the page shows after Step and Reset); default: ``silicon_valley``, seed 1,
            scale 0.5.
        series: series of :data:`abm.model.SERIES` to plot.
        names: parameters that get a slider (see :func:`model_params`).
    """
    import solara
    from mesa.visualization import SolaraViz, make_plot_component

    if model is None:
        model = EcosystemModel(preset="silicon_valley", seed=1, scale=0.5)
    first = model.value if isinstance(model, solara.Reactive) else model
    plot = make_plot_component(list(series) if not isinstance(series, str) else series,
                               backend="matplotlib")
    params = model_params(names, preset=first.preset, seed=first.seed)
    for name in names:
        params[name]["value"] = first.p[name]
    return SolaraViz(model, components=[plot], model_params=params,
                     name="Startup ecosystem (Mesa SolaraViz)")
