"""Money accounting.

Every unit of money that enters the ecosystem is *minted* from a named outside source (LP
commitments, the public budget, customers, public investors...) and every unit that leaves is
*sunk* into a named outside destination (payroll, LP distributions, the treasury...). Moves
between agents conserve money. The invariant ``minted - sunk == held by agents`` is checked
by the property tests (:func:`abm.metrics.money_held`).
"""

from __future__ import annotations

from collections import defaultdict


class Ledger:
    """Totals of money that entered and left the ecosystem, by source and by sink."""

    def __init__(self) -> None:
        self.minted: dict[str, float] = defaultdict(float)
        self.sunk: dict[str, float] = defaultdict(float)

    def mint(self, source: str, amount: float) -> float:
        if amount < 0:
            raise ValueError(f"cannot mint a negative amount ({amount}) from {source}")
        self.minted[source] += amount
        return amount

    def sink(self, destination: str, amount: float) -> float:
        if amount < 0:
            raise ValueError(f"cannot sink a negative amount ({amount}) into {destination}")
        self.sunk[destination] += amount
        return amount

    @property
    def balance(self) -> float:
        """Money that entered minus money that left: what agents must hold."""
        return sum(self.minted.values()) - sum(self.sunk.values())
