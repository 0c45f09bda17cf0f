"""The interactions of the ecosystem, one module per mechanism (docs/DESIGN.md section 3).

Each function takes the model and changes it; :meth:`abm.model.EcosystemModel.step` calls them
in the order documented in docs/ODD.md. None loops over pairs of startups: matching uses
per-sector aggregates, weighted sampling and vectorised numpy over the startup table.
"""

from . import (exits, founding, funding, funds, history, incumbents, innovation, labor,
               maturity, operations, partnerships, policy, reforms, smallfirms, universities)
from .observe import observe

__all__ = ["exits", "founding", "funding", "funds", "history", "incumbents", "innovation", "labor",
           "maturity", "observe", "operations", "partnerships", "policy", "reforms", "smallfirms",
           "universities"]
