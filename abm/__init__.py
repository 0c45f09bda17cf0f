"""An agent-based model of startup ecosystems: disruption vs open innovation.

Founders, startups, incumbents, venture funds, universities and a ministry interact through
funding, partnerships, acquisitions, IPOs and hiring. Regimes (``silicon_valley``, ``japan``,
``korea``, ``japan_2027_plan``) are bundles of six institutional components (Kushida 2022).

    >>> from abm import EcosystemModel
    >>> model = EcosystemModel(preset="korea", seed=7, scale=0.2).run(12)
    >>> sorted(model.summary())[:3]
    ['acquihires', 'cvc_deal_share', 'deal_multiple_below_1_share']
"""

from .agents import Founder, Incumbent, Ministry, Startup, University, VCFund
from .metrics import SUMMARY_KEYS
from .model import EcosystemModel
from .params import COMPONENTS, SPECS, ParameterError, Params
from .presets import PRESET_NAMES, presets, resolve

__version__ = "0.1.0"

__all__ = ["COMPONENTS", "EcosystemModel", "Founder", "Incumbent", "Ministry", "PRESET_NAMES",
           "ParameterError", "Params", "SPECS", "SUMMARY_KEYS", "Startup", "University",
           "VCFund", "presets", "resolve"]
