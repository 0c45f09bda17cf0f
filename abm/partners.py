"""Shared action on startup-incumbent partnerships: ending one.

:mod:`abm.mechanisms.partnerships` forms partnerships and dissolves them; an exit
(:mod:`abm.mechanisms.exits`) ends the exiting startup's with :func:`end`. (A displaced
incumbent's partnerships end in :func:`abm.mechanisms.incumbents.exit_incumbent`, over the
startup table at once.)

Not a mechanism: no unit, no stream, no place in the schedule (:data:`abm.units.ACTIONS`).
"""

from __future__ import annotations


def end(model, row: int) -> None:
    """The startup at ``row`` no longer has a partner."""
    model.st.partner[row] = -1
