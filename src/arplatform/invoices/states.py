"""The invoice states every domain reasons about, named once."""

from __future__ import annotations

#: Issued and not fully settled: what is owed, disputed, planned, written off.
OPEN = frozenset({"issued", "partially_paid"})
#: States in which an invoice's balance may move (a paid invoice reopens on a reversal).
SETTLEABLE = OPEN | {"paid"}
