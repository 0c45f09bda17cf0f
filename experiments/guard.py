"""Runs that stop when the model's values stop being finite (issue 30).

Past a model-specific length some values can overflow to inf or NaN (before issue 26's fix:
about 1,860 quarters for japan, 2,800 for silicon_valley). A run should then stop at once
with a message naming the step and the series, and keep what it computed, rather than run on
with NaN and fail at the end in ``summary()``.

This is the runner's side of the guard. Its one look inside the model is
:func:`nonfinite_series` (the DataCollector's last row); everything else uses the model's
public ``run(steps, progress=...)``.
"""

from __future__ import annotations

import math
from typing import Any, Callable


class NonFiniteError(ArithmeticError):
    """The model produced a non-finite value (``step``: the first such quarter;
    ``series``: the series that were not finite there)."""

    def __init__(self, step: int, series: list[str], steps: int | None = None) -> None:
        self.step, self.series, self.steps = int(step), list(series), steps
        names = ", ".join(self.series[:4]) + (f" and {len(self.series) - 4} more"
                                              if len(self.series) > 4 else "")
        of = f" of {steps:,}" if steps else ""
        super().__init__(f"values became non-finite (overflow) at step {self.step:,}{of}: "
                         f"{names}; the {self.step - 1:,} quarters before it are finite")


def nonfinite_series(model: Any) -> list[str]:
    """Names of the per-step series whose last collected value is not finite (the model's
    DataCollector row of the step just run)."""
    bad = []
    for name, values in model.datacollector.model_vars.items():
        if values:
            v = values[-1]
            if isinstance(v, float) and not math.isfinite(v):
                bad.append(name)
            elif not isinstance(v, (int, float, str, bool)) and v is not None:
                try:
                    if not math.isfinite(float(v)):
                        bad.append(name)
                except (TypeError, ValueError):
                    pass
    return bad


def run_finite(model: Any, steps: int, progress: Callable[[int], None] | None = None,
               **run_kw: Any) -> Any:
    """``model.run(steps)``, checking after every step that the step's values are finite;
    raises :class:`NonFiniteError` at the first step that is not (the model then holds the
    quarters run so far, the last one non-finite)."""
    def check(step: int) -> None:
        bad = nonfinite_series(model)
        if bad:
            raise NonFiniteError(step, bad, steps)
        if progress is not None:
            progress(step)

    return model.run(steps, progress=check, **run_kw)
