"""An agent-based model of startup ecosystems: disruption vs open innovation.

Founders, startups, incumbents, venture funds, universities and a ministry interact through
funding, partnerships, acquisitions, IPOs and hiring. Regimes (``silicon_valley``, ``japan``,
``korea``, ``japan_2027_plan``) are bundles of six institutional components (Kushida 2022).

    >>> from abm import EcosystemModel
    >>> model = EcosystemModel(preset="korea", seed=7, scale=0.2).run(12)
    >>> sorted(model.summary())[:3]
    ['acquihires', 'cvc_deal_share', 'cvc_financial_multiple']
"""

import importlib.abc
import importlib.util
import sys
from importlib import import_module
from pathlib import Path

SUBPACKAGES = ("experiments", "viz", "benchmarks")
"""The project's other packages, imported as ``abm.experiments``, ``abm.viz`` and
``abm.benchmarks``: installed, they are subpackages of ``abm`` (pyproject.toml's
``package-dir``), so a user's own folder named ``experiments`` cannot shadow them; in a
checkout they stay beside ``abm/`` (the repository's layout) and :class:`_Beside` finds them
there under the same names."""


class _Beside(importlib.abc.MetaPathFinder):
    """Finds ``abm.<name>`` for the :data:`SUBPACKAGES` in the folder beside ``abm/`` (a
    source checkout); their own modules are then found through the package's ``__path__``."""

    def __init__(self, folders: dict[str, Path]) -> None:
        self.folders = folders

    def find_spec(self, fullname, path=None, target=None):
        folder = self.folders.get(fullname)
        if folder is None:
            return None
        return importlib.util.spec_from_file_location(
            fullname, folder / "__init__.py", submodule_search_locations=[str(folder)])


def _find_beside() -> None:
    here = Path(__file__).resolve().parent
    folders = {f"{__name__}.{name}": here.parent / name for name in SUBPACKAGES
               if not (here / name).exists() and (here.parent / name / "__init__.py").is_file()}
    if folders and not any(isinstance(f, _Beside) and f.folders == folders
                           for f in sys.meta_path):
        sys.meta_path.insert(0, _Beside(folders))


_find_beside()

from .params import COMPONENTS, SPECS, ParameterError, Params  # noqa: E402
from .presets import PRESET_NAMES, presets, resolve  # noqa: E402

__version__ = "0.2.0"

_LAZY = {"EcosystemModel": "model", "SUMMARY_KEYS": "metrics", "Founder": "agents",
         "Incumbent": "agents", "Ministry": "agents", "Startup": "agents",
         "University": "agents", "VCFund": "agents"}


def __getattr__(name: str):
    """Import the model (and Mesa) only when it is used, so the CLI starts fast."""
    if name in _LAZY:
        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = ["COMPONENTS", "EcosystemModel", "Founder", "Incumbent", "Ministry", "PRESET_NAMES",
           "ParameterError", "Params", "SPECS", "SUMMARY_KEYS", "Startup", "University",
           "VCFund", "presets", "resolve"]
