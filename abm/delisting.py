"""Shared action: a listed startup delisted for cause (no mechanism imports another;
:data:`abm.units.ACTIONS`).

Two units delist listed startups: :mod:`abm.mechanisms.exits` when one becomes insolvent
(docs/ODD.md 7.8) and :mod:`abm.mechanisms.listed` when one fails the exchange's standards
(for cause, docs/ODD.md 7.25). The rule is the exits unit's: the firm closes, its cash goes to
creditors, its people to the idle pool, its public shareholders lose their stake, and funds'
shares still locked up are written off (route ``delisted``). Draws nothing.
"""

from __future__ import annotations

from . import constants as C
from . import fundbook
from .workforce import release

_WHY = {"insolvent": "ran out of cash", "cause": "failed the listing standards"}
"""The event text per reason."""


def delist(model, startup, reason: str = "insolvent") -> None:
    """Delist listed ``startup`` and close it: people released, public shareholders lose their
    stake (it stays an IPO exit in the statistics, status ``DELISTED``). ``reason`` is
    ``"insolvent"`` (it ran out of cash) or ``"cause"`` (it failed the listing standards)."""
    st, row = model.st, startup.row
    if st.cash[row] > 0:
        model.ledger.sink("creditors", float(st.cash[row]))
        st.cash[row] = 0.0
    release(model, int(st.headcount[row]))
    st.headcount[row] = 0
    st.revenue[row] = 0.0
    st.status[row] = C.DELISTED
    st.delist_step[row] = model.steps
    fundbook.delisted(model, startup)  # shares still locked up: written off
    model.counts["delisted"] += 1
    model.event("delisting", "Listed Startup {} " + _WHY[reason] + " and was delisted",
                startup.unique_id)
    model.net.remove_node(startup.unique_id)
    model.startups.pop(startup.row, None)
    startup.remove()
