"""Column tables: the numeric state of many agents as numpy arrays.

Founders, startups and incumbents are column-table agents (as in mesa-frames): their numbers
(cash, revenue, headcount...) are the rows of a :class:`Table` on the model, so per-step
updates are vectorised over all rows instead of looping in Python. Each Mesa agent only holds
its ``row``; mechanisms read and write ``model.st.cash[row]`` (or whole columns), never
``agent.cash`` (a founder's columns are also readable and writable as its attributes, views
onto its row). The columns are declared once, as :class:`Col` records beside the agent class
(``Founder.COLUMNS``, ``Startup.COLUMNS``, ``Incumbent.COLUMNS``, ``VCFund.FIXED_COLUMNS`` in
:mod:`abm.agents`),
with dtype, default, unit and meaning (like starsim's ``define_states``); docs/ODD.md lists
them from there (``scripts/gen_odd_columns.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np


@dataclass(frozen=True)
class Col:
    """The declaration of one column of a :class:`Table`.

    Args:
        name: attribute name of the column on the table (``model.st.cash``).
        dtype: numpy dtype of the column.
        default: value of a new row's column when :meth:`Table.add` does not set it.
        unit: unit of the values (``M`` for money, ``step``, ``row``...; empty if none).
        meaning: what the value is, in one sentence (copied into docs/ODD.md).
    """

    name: str
    dtype: Any
    default: Any
    unit: str
    meaning: str


class Table:
    """A growable struct-of-arrays. Rows are never deleted (history stays for the metrics).

    Args:
        columns: the declared columns (a sequence of :class:`Col`), or ``{name: (dtype,
            fill)}``; ``fill`` is the value of a new row's unset column.
        capacity: initial number of rows allocated.
    """

    def __init__(self, columns: Sequence[Col] | Mapping[str, tuple[Any, Any]],
                 capacity: int = 256) -> None:
        if isinstance(columns, Mapping):
            self._spec = dict(columns)
        else:
            self._spec = {c.name: (c.dtype, c.default) for c in columns}
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
        cols = self.__dict__
        for name, value in values.items():
            cols[name][row] = value
        self.n += 1
        return row

    def extend(self, k: int) -> int:
        """Append ``k`` rows holding every column's fill value (write them afterwards, by
        slices) and return the first one's index. The capacity grows exactly as ``k`` calls
        of :meth:`add` would grow it."""
        while self.n + k > self._cap:
            self._grow()
        row = self.n
        self.n += k
        return row

    GROWTH = 1.25
    """Capacity factor of each growth. Every slot of a grown column is written (its fill),
    so unused capacity is resident memory: growing by a quarter (instead of doubling) keeps
    the slack at most a quarter of the rows, for about four times the copying (a few
    milliseconds per run; docs/performance.md)."""

    def _grow(self) -> None:
        new_cap = max(int(self._cap * self.GROWTH), self._cap + 16)
        for name, (dtype, fill) in self._spec.items():
            old = getattr(self, name)
            new = np.full(new_cap, fill, dtype=dtype)
            new[: self._cap] = old
            setattr(self, name, new)
        self._cap = new_cap

    def view(self, name: str) -> np.ndarray:
        """The filled part of column ``name`` (a view, writes go through)."""
        return getattr(self, name)[: self.n]


class Records:
    """An append-only log of fixed-shape records (one per funding round, realised deal...),
    held in the columns of a :class:`Table` (a few bytes per record instead of a tuple of
    Python objects) and read back as tuples of Python scalars.

    Args:
        columns: ``{name: dtype}`` in record order.

    Example:
        >>> log = Records({"step": np.int32, "amount": np.float64})
        >>> log.append((3, 1.5))
        >>> log[-1], len(log), log.column("amount")
        ((3, 1.5), 1, array([1.5]))
    """

    BATCH = 64
    """Records appended are held as tuples until this many, then written to the columns
    in one assignment per field (any read writes them first)."""

    def __init__(self, columns: dict[str, Any], capacity: int = 1024) -> None:
        self.names = tuple(columns)
        self._table = Table({k: (dtype, 0) for k, dtype in columns.items()}, capacity)
        self._pending: list[tuple] = []
        self._width = len(self.names)

    def append(self, record: tuple) -> None:
        if len(record) != self._width:
            raise ValueError(f"a record has {len(self.names)} fields {self.names}, "
                             f"got {len(record)}: {record!r}")
        pending = self._pending
        pending.append(record)
        if len(pending) >= self.BATCH:
            self._flush()

    def _flush(self) -> None:
        """Write the pending records to the columns (the values each column's dtype takes,
        exactly as element-wise assignment would)."""
        pending = self._pending
        if not pending:
            return
        t, k = self._table, len(pending)
        while t.n + k > t._cap:
            t._grow()
        row = t.n
        for name, values in zip(self.names, zip(*pending)):
            getattr(t, name)[row:row + k] = values
        t.n += k
        pending.clear()

    def column(self, name: str) -> np.ndarray:
        """The values of field ``name`` so far (a view)."""
        self._flush()
        return self._table.view(name)

    def to_array(self, dtype: Any = float) -> np.ndarray:
        """All records as an ``(n, fields)`` array (C order, like ``np.array(list_of_tuples)``)."""
        if not len(self):
            return np.zeros((0, len(self.names)), dtype=dtype)
        return np.column_stack([self.column(k).astype(dtype) for k in self.names])

    def __len__(self) -> int:
        return self._table.n + len(self._pending)

    def __getitem__(self, i: int) -> tuple:
        self._flush()
        n = self._table.n
        j = i + n if i < 0 else i
        if not 0 <= j < n:
            raise IndexError(f"record {i} out of range ({n} records)")
        return tuple(getattr(self._table, k)[j].item() for k in self.names)

    def __iter__(self):
        cols = [self.column(k).tolist() for k in self.names]
        return iter(zip(*cols))
