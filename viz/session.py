"""What one browser session of the visual app holds: its model(s) and what the app tracks.

Nothing here imports Solara, so the logic is testable on its own. Each browser session owns one
:class:`Session` (created inside the page component, never at module level), which holds one
:class:`Run` per regime shown (two in compare mode, stepping together on the same seed).

Parameter values always come from the model's own definitions: :func:`preset_values` resolves
a preset (plus swaps) with :func:`abm.presets.resolve`, and slider ranges come from
:data:`abm.params.SPECS`. The app never keeps a second copy of any default.
"""

from __future__ import annotations

import logging
import threading
import traceback
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from abm import EcosystemModel
from abm.metrics import LIVE_KEYS, incumbent_sales_share_now, live
from abm.outputs import INTERNAL_CHECKS, OUTPUTS, SUMMARY_GROUPS, summary_groups  # noqa: F401
from abm.params import COMPONENT_TITLES, COMPONENTS, SPECS, ParameterError
from abm.presets import presets, resolve

log = logging.getLogger(__name__)

SHARED_COMPONENTS: tuple[str, ...] = ("scale", "technology")
"""Overrides in these components apply to both regimes in compare mode (a fair comparison holds
the technological regime and the size equal); the others apply to regime A only."""

VIEW_COMPONENTS: tuple[str, ...] = tuple(c for c in COMPONENTS if c != "scale") + ("scale",)
"""Order of the parameter groups on the page: six institutions, technology, exit markets,
policy, then scale."""


def preset_names() -> list[str]:
    return list(presets())


def preset_values(preset: str, swaps: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Every parameter's value under ``preset`` (and ``swaps``), from the model's resolver."""
    return resolve(preset, dict(swaps or {})).to_dict()


def params_by_component() -> dict[str, list[str]]:
    """Parameter names grouped by component, in page order."""
    out: dict[str, list[str]] = {c: [] for c in VIEW_COMPONENTS}
    for name, spec in SPECS.items():
        out.setdefault(spec.component, []).append(name)
    return {c: names for c, names in out.items() if names}


def component_title(component: str) -> str:
    return COMPONENT_TITLES.get(component, component)


def uses_slider(name: str) -> bool:
    """Narrow ranges get a slider; wide ones (money, counts up to thousands) a number field."""
    spec = SPECS[name]
    return (spec.high - spec.low) <= 200


def slider_step(name: str) -> float:
    spec = SPECS[name]
    if spec.integer:
        return 1
    span = spec.high - spec.low
    step = 10 ** np.floor(np.log10(span / 100)) if span > 0 else 0.01
    # make sure the preset values of the usual presets sit on the grid often enough
    return float(min(step, 0.01) if span <= 1 else step)


@dataclass(frozen=True)
class Config:
    """Everything that defines the run(s) on the page."""

    preset: str
    seed: int = 1
    overrides: Mapping[str, float] = field(default_factory=dict)
    compare: bool = False
    preset_b: str | None = None
    swap_component: str | None = None
    swap_from: str | None = None

    def b_swaps(self) -> dict[str, str]:
        if self.swap_component and self.swap_from:
            return {self.swap_component: self.swap_from}
        return {}

    def b_overrides(self) -> dict[str, float]:
        return {k: v for k, v in self.overrides.items()
                if SPECS[k].component in SHARED_COMPONENTS}

    def b_label(self) -> str:
        swaps = self.b_swaps()
        label = self.preset_b or self.preset
        for comp, donor in swaps.items():
            label += f" + {comp} from {donor}"
        return label


class Run:
    """One model plus the series the app tracks beside it.

    Args:
        label: name shown on the page (``"japan"``, ``"japan + labor from silicon_valley"``).
        preset, seed, swaps, overrides: passed to :class:`abm.EcosystemModel`.

    Raises:
        ParameterError: invalid parameters (readable message).
    """

    def __init__(self, label: str, preset: str, seed: int, swaps: Mapping[str, str] | None = None,
                 overrides: Mapping[str, float] | None = None) -> None:
        self.label = label
        self.preset = preset
        self.seed = seed
        self.swaps = dict(swaps or {})
        self.overrides = dict(overrides or {})
        self.model = EcosystemModel(preset=preset, seed=seed, swaps=self.swaps,
                                    **self.overrides)
        self.extra: dict[str, list[float]] = {"incumbent_sales_share": []}
        self._summary: dict[str, float] | None = None
        self._summary_step = -1
        self._series: pd.DataFrame | None = None
        self._series_step = -1

    @property
    def steps(self) -> int:
        return int(self.model.steps)

    @property
    def released(self) -> bool:
        """Whether the model was released (:meth:`Session.close`): it has no agents left."""
        return self.model.released

    def step(self) -> None:
        self.model.step()
        self.extra["incumbent_sales_share"].append(incumbent_sales_share_now(self.model))

    def series(self) -> pd.DataFrame:
        """The model's time series plus the app's own columns (cached per step)."""
        if self._series is None or self._series_step != self.steps:
            df = self.model.timeseries()
            extra = self.extra["incumbent_sales_share"]
            if len(extra) == len(df):
                df["incumbent_sales_share"] = extra
            else:  # stepped outside the app: only the latest value is known
                df["incumbent_sales_share"] = np.nan
                if len(df):
                    df.iloc[-1, df.columns.get_loc("incumbent_sales_share")] = \
                        incumbent_sales_share_now(self.model)
            self._series, self._series_step = df, self.steps
        return self._series

    def summary(self) -> dict[str, float]:
        """The model's summary (docs/DESIGN.md section 5), computed once per step on demand."""
        if self._summary is None or self._summary_step != self.steps:
            self._summary = self.model.summary()
            self._summary_step = self.steps
        return self._summary

    def summary_if_cached(self) -> dict[str, float] | None:
        return self._summary if self._summary_step == self.steps else None

    def events(self, n: int = 40) -> list[dict[str, Any]]:
        """The latest ``n`` events, newest first."""
        ev = list(self.model.events)[-n:]
        return ev[::-1]


KEY_METRICS: tuple[tuple[str, str], ...] = tuple((k, OUTPUTS[k].live_title) for k in LIVE_KEYS)
"""Cheap metrics computed from the time series at every step (:func:`abm.metrics.live`),
with their labels from :data:`abm.outputs.OUTPUTS`."""


def key_metrics(run: Run) -> dict[str, float]:
    """The :data:`KEY_METRICS` of a run (from its cached time series; cheap at every step)."""
    return live(run.model, run.series())


class Session:
    """The state of one browser session: configuration, run(s), the last error.

    Every mutation happens under :attr:`lock`, so the Play thread and button clicks never
    interleave inside a model step.
    """

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.config: Config | None = None
        self.runs: list[Run] = []
        self.error: str | None = None
        self.playing = False
        self.generation = 0
        self.rendered = 0
        """The page's update counter at its last completed render (the Play loop waits on it)."""
        """Incremented at every (re)build, so pictures know when the run(s) changed."""

    def configure(self, config: Config) -> bool:
        """(Re)build the run(s) at step 0. On invalid parameters keep no run and set
        :attr:`error` to a readable message; return whether it worked."""
        with self.lock:
            self.config = config
            self.generation += 1
            self.runs = []
            self.error = None
            try:
                runs = [Run(config.preset, config.preset, config.seed, {}, config.overrides)]
                if config.compare:
                    runs.append(Run(config.b_label(), config.preset_b or config.preset,
                                    config.seed, config.b_swaps(), config.b_overrides()))
            except ParameterError as exc:
                self.error = f"Invalid parameters: {exc}"
                return False
            except Exception as exc:  # a model bug must not take the page down
                log.error("model construction failed\n%s", traceback.format_exc())
                self.error = f"The model could not be built: {type(exc).__name__}: {exc}"
                return False
            for run in runs:  # the first time series row exists only after a step
                run.extra["incumbent_sales_share"] = []
            self.runs = runs
            return True

    def holds(self, runs: Sequence[Run]) -> bool:
        """Whether none of ``runs`` has been released, so a render may read them. Call it
        under :attr:`lock`: a render begun before :meth:`close` may still hold the runs."""
        return not any(run.released for run in runs)

    def close(self) -> None:
        """The browser tab closed: release every model (its agents go at once) and keep no
        run. Under :attr:`lock`, so no step or render is reading them meanwhile."""
        with self.lock:
            self.playing = False
            runs, self.runs = self.runs, []
            for run in runs:
                run.model.release()

    def advance(self, n: int = 1, while_playing: bool = False) -> bool:
        """Step every run ``n`` times together. A model error stops and sets :attr:`error`.

        ``while_playing``: stop as soon as :attr:`playing` is cleared (the Play loop).
        """
        with self.lock:
            if not self.runs or self.error:
                return False
            for _ in range(int(n)):
                if while_playing and not self.playing:
                    return True
                for run in self.runs:
                    try:
                        run.step()
                    except Exception as exc:
                        log.error("model step failed\n%s", traceback.format_exc())
                        self.error = (f"Model error in '{run.label}' at step {run.steps + 1}: "
                                      f"{type(exc).__name__}: {exc}. Change the parameters or "
                                      f"press Reset.")
                        self.playing = False
                        return False
            return True

    @property
    def steps(self) -> int:
        return self.runs[0].steps if self.runs else 0
