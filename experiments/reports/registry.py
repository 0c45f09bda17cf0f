"""The sections of a report, registered by the modules that write them.

Each section is a plain function of the :class:`~abm.experiments.reports.context.Report` (the run
table and the run descriptions) that writes its part of report.md, its tables and figures. It
says when it applies (a predicate on the report: the experiment's kind, the shape of its
scenarios, whether the folder holds what it needs) and where it goes (``order``). Nothing
dispatches on a preset's name: a new kind of analysis is a new module with a
``@section(...)`` function, listed in :data:`MODULES`.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable

from .context import Report


@dataclass(frozen=True)
class Section:
    name: str
    """What the section is (also the progress stage shown while it is written)."""
    build: Callable[[Report], None]
    applies: Callable[[Report], bool]
    order: float
    """Sections are written in increasing order."""


_SECTIONS: list[Section] = []

MODULES = ("summary", "swaps", "attribution", "sequencing", "history", "maturation", "sweep",
           "sensitivity", "figures", "narrative")
"""The modules of experiments/reports/ that register sections."""


def section(name: str, order: float,
            applies: Callable[[Report], bool] = lambda r: True) -> Callable:
    """Register ``build(report)`` as the section ``name``, written when ``applies(report)``."""
    def register(build: Callable[[Report], None]) -> Callable[[Report], None]:
        _SECTIONS[:] = [s for s in _SECTIONS if s.name != name]
        _SECTIONS.append(Section(name, build, applies, order))
        return build
    return register


def sections() -> list[Section]:
    """Every registered section, in order."""
    for m in MODULES:
        importlib.import_module(f"{__package__}.{m}")
    return sorted(_SECTIONS, key=lambda s: s.order)
