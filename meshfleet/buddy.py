"""Best-fit buddy allocation of aligned CIDR blocks: the planner's address spaces.

A :class:`Space` is seeded from a netaddr ``IPSet`` of free addresses (a pool minus what is
reserved or fixed). A request for a /p takes the smallest free aligned block that holds it,
lowest address first, and splits it, keeping each upper half free; so large and small requests
do not fragment each other the way sequential packing does. Each take is O(log n). Pure.

>>> from netaddr import IPSet
>>> space = Space(IPSet(["10.0.0.0/24"]) - IPSet(["10.0.0.0/26"]))
>>> space.take(26), space.take(25), space.take(25)
('10.0.0.64/26', '10.0.0.128/25', None)
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable

from netaddr import IPAddress, IPNetwork, IPSet


class Space:
    """A buddy allocator over a set of free addresses: best fit, lowest address first."""

    def __init__(self, free: IPSet) -> None:
        self.free: list[list[int]] = [[] for _ in range(33)]
        self.free_total = 0
        for block in free.iter_cidrs():
            heapq.heappush(self.free[block.prefixlen], int(block.first))
            self.free_total += block.size

    def best(self, prefix: int) -> int | None:
        """The prefix of the smallest free block that holds a /prefix (None: nothing fits)."""
        return next((p for p in range(prefix, -1, -1) if self.free[p]), None)

    def take(self, prefix: int) -> str | None:
        """A free /prefix block (best fit, lowest address), or None when nothing fits."""
        p = self.best(prefix)
        if p is None:
            return None
        first = heapq.heappop(self.free[p])
        for q in range(p + 1, prefix + 1):  # split, keeping each upper half free
            heapq.heappush(self.free[q], first + 2 ** (32 - q))
        self.free_total -= 2 ** (32 - prefix)
        return f"{IPAddress(first)}/{prefix}"

    def largest_free(self) -> int | None:
        """The prefix of the largest free block (None: the space is full)."""
        return next((p for p in range(33) if self.free[p]), None)


def pool_spaces(pools: Iterable[str], taken: IPSet) -> dict[str, list[Space]]:
    """Spaces for every pool; nested pools share addresses, so each pool CIDR becomes one atom
    (itself minus the pools nested in it) and a pool draws from its own atom and those inside."""
    nets = sorted({IPNetwork(p) for p in pools})
    atoms = {
        n: Space(IPSet([n]) - IPSet(m for m in nets if m != n and m in n) - taken) for n in nets
    }
    return {str(n): [atoms[m] for m in nets if m in n] for n in nets}


def take_from(spaces: list[Space], prefix: int) -> str | None:
    """Best fit across the atoms of one pool."""
    fits = [(p, -i) for i, s in enumerate(spaces) if (p := s.best(prefix)) is not None]
    if not fits:
        return None
    return spaces[-max(fits)[1]].take(prefix)
