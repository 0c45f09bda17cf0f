"""The interactions of the ecosystem, one module per mechanism (docs/DESIGN.md section 3).

Each function takes the model and changes it; :meth:`abm.model.EcosystemModel.step` calls them
in the order documented in docs/ODD.md. None loops over pairs of startups: matching uses
per-sector aggregates, weighted sampling and vectorised numpy over the startup table.

Each module declares what it owns in its ``UNIT`` (:class:`abm.units.Mechanism`); :data:`REGISTRY`
lists them, and the model's streams, series and flows are derived from it (docs/extending.md).
No module here imports another: what several of them read is in :mod:`abm.queries`, what several
of them do to the state is in the shared-action modules of :data:`abm.units.ACTIONS`.
"""

from .. import units
from . import (exits, founding, funding, funds, history, incumbents, innovation, labor,
               listed, markets, maturity, mergers, operations, partnerships, policy, reforms,
               sectors, smallfirms, universities, winddown)
from . import observe as _observe_module
from .observe import observe

REGISTRY = units.registry(
    # units with a random stream, in the order the streams are spawned from the seed
    units.SETUP, policy.UNIT, funds.UNIT, universities.UNIT, founding.UNIT, operations.UNIT,
    partnerships.UNIT, funding.UNIT, exits.UNIT, incumbents.UNIT, labor.UNIT, smallfirms.UNIT,
    units.TECHNOLOGY,
    # units that draw from no stream of their own
    reforms.UNIT, history.UNIT, markets.UNIT, innovation.UNIT, maturity.UNIT,
    _observe_module.UNIT,
    sectors.UNIT,  # sector shares of spending (its stream comes after every earlier one)
    mergers.UNIT,  # incumbents acquired by incumbents (issue 26 item 4)
    winddown.UNIT,  # founders close ventures whose prospects fell
    listed.UNIT,  # listed startups taken over (a listed firm's outflow): its stream is the last
    # a new mechanism is registered here, at the end: its stream then comes after every
    # existing one, which keeps their seeds (and every existing result) unchanged
)
"""Every unit by name (:class:`abm.units.Mechanism`), in registration order: the order of
:data:`abm.model.STREAMS`."""

__all__ = ["exits", "founding", "funding", "funds", "history", "incumbents", "innovation", "labor",
           "listed", "markets", "maturity", "mergers", "observe", "operations", "partnerships",
           "policy", "reforms", "sectors", "smallfirms", "universities", "winddown", "REGISTRY"]
