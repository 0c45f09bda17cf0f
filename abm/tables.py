"""Column tables: the numeric state of many agents as numpy arrays.

Startups and incumbents keep their numbers (cash, revenue, headcount...) in a :class:`Table`
so that per-step updates are vectorised over all rows instead of looping in Python. Each Mesa
agent holds its ``row``; :class:`Column` descriptors make ``agent.cash`` read and write the
table, so agent code stays readable.
"""

from __future__ import annotations

from typing import Any

import numpy as np


class Table:
    """A growable struct-of-arrays. Rows are never deleted (history stays for the metrics).

    Args:
        columns: ``{name: (dtype, fill)}``; ``fill`` is the value of a new row's unset column.
        capacity: initial number of rows allocated.
    """

    def __init__(self, columns: dict[str, tuple[Any, Any]], capacity: int = 256) -> None:
        self._spec = dict(columns)
        self.n = 0
        self._cap = max(int(capacity), 16)
        for name, (dtype, fill) in self._spec.items():
            setattr(self, name, np.full(self._cap, fill, dtype=dtype))

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(self._spec)

    def add(self, **values: Any) -> int:
        """Append a row (unset columns take their fill value) and return its index."""
        if self.n == self._cap:
            self._grow()
        row = self.n
        for name, value in values.items():
            getattr(self, name)[row] = value
        self.n += 1
        return row

    def _grow(self) -> None:
        new_cap = self._cap * 2
        for name, (dtype, fill) in self._spec.items():
            old = getattr(self, name)
            new = np.full(new_cap, fill, dtype=dtype)
            new[: self._cap] = old
            setattr(self, name, new)
        self._cap = new_cap

    def view(self, name: str) -> np.ndarray:
        """The filled part of column ``name`` (a view, writes go through)."""
        return getattr(self, name)[: self.n]


class Column:
    """Descriptor mapping an agent attribute to its row in a model table."""

    def __init__(self, table: str) -> None:
        self.table = table

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, objtype: type | None = None) -> Any:
        if obj is None:
            return self
        return getattr(getattr(obj.model, self.table), self.name)[obj.row].item()

    def __set__(self, obj: Any, value: Any) -> None:
        getattr(getattr(obj.model, self.table), self.name)[obj.row] = value
