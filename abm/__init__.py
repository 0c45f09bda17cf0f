"""An agent-based model of startup ecosystems: disruption vs open innovation.

Founders, startups, incumbents, venture funds, universities and a ministry interact through
funding, partnerships, acquisitions, IPOs and hiring. Regimes (``silicon_valley``, ``japan``,
``korea``, ``japan_2027_plan``) are bundles of six institutional components (Kushida 2022).

    >>> from abm import EcosystemModel
    >>> model = EcosystemModel(preset="korea", seed=7, scale=0.2).run(12)
    >>> sorted(model.summary())[:3]
    ['acquihires', 'cvc_deal_share', 'cvc_financial_multiple']
"""

from importlib import import_module

from .params import COMPONENTS, SPECS, ParameterError, Params
from .presets import PRESET_NAMES, presets, resolve

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
