"""One sort-and-sweep over CIDRs, shared by every check that some ranges must be disjoint.

Pure (netaddr only). Sorting by first address, larger block first, lets one pass find every
overlapping pair in O(n log n + pairs) instead of comparing all pairs.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

from netaddr import IPNetwork

T = TypeVar("T")


def overlapping_pairs(items: Iterable[tuple[IPNetwork, T]]
                      ) -> Iterator[tuple[tuple[IPNetwork, T], tuple[IPNetwork, T]]]:
    """Every pair of overlapping CIDRs, the one that starts first (or is larger) first.

    >>> pairs = overlapping_pairs([(IPNetwork("10.0.0.0/16"), "a"),
    ...                            (IPNetwork("10.0.1.0/24"), "b"),
    ...                            (IPNetwork("10.1.0.0/16"), "c")])
    >>> [(x[1], y[1]) for x, y in pairs]
    [('a', 'b')]
    """
    ordered = sorted(items, key=lambda item: (item[0].first, -item[0].size))
    open_: list[tuple[IPNetwork, T]] = []
    for item in ordered:
        open_ = [o for o in open_ if o[0].last >= item[0].first]
        for other in open_:
            yield other, item
        open_.append(item)
