"""Routing aggregates: what each VPC routes to CEN and what security groups admit.

Pure functions of CIDR strings (no plan, no Pulumi); the planner calls them once and carries the
results in the ``Plan``. Aggregates keep the number of VPC routes and security-group rules
proportional to the number of address pools rather than to VPCs x clusters, which matters
because a VPC route table holds 200 custom routes and Flannel spends one per node.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence


def _bounds(cidr: str) -> tuple[int, int]:
    """(first address, prefix length) of a canonical IPv4 CIDR (validated upstream)."""
    address, prefix = cidr.split("/")
    a, b, c, d = (int(x) for x in address.split("."))
    return a << 24 | b << 16 | c << 8 | d, int(prefix)


def _cidr(first: int, prefix: int) -> str:
    return f"{first >> 24}.{first >> 16 & 255}.{first >> 8 & 255}.{first & 255}/{prefix}"


def _last(first: int, prefix: int) -> int:
    return first + (1 << (32 - prefix)) - 1


def _inside(inner: tuple[int, int], outer: tuple[int, int]) -> bool:
    return inner[1] >= outer[1] and inner[0] >> (32 - outer[1]) == outer[0] >> (32 - outer[1])


def outermost(pools: Iterable[str]) -> list[tuple[int, int]]:
    """The pools not nested in another one, sorted, as (first, prefix)."""
    nets = sorted({_bounds(c) for c in pools})
    return [n for n in nets if not any(n != m and _inside(n, m) for m in nets)]


def fleet_supernets(ranges: Iterable[str], pools: Iterable[str]) -> tuple[str, ...]:
    """The few aggregates that cover every routable range of the fleet (``ranges``: the VPC
    CIDRs and Flannel pod CIDRs): each range is replaced by the outermost pool (``pools``: the
    vpc and pod pools) that holds it; a pinned range outside every pool stands alone. What a
    cluster's security group admits, in O(pools) rules.

    >>> fleet_supernets(["10.0.0.0/22", "172.16.0.0/19", "10.9.0.0/16"],
    ...                 ["10.0.0.0/8", "172.16.0.0/12", "10.1.0.0/16"])
    ('10.0.0.0/8', '172.16.0.0/12')
    """
    tops = outermost(pools)
    out = {next((p for p in tops if _inside(r, p)), r) for r in map(_bounds, ranges)}
    return tuple(_cidr(*n) for n in sorted(out))


def summary_routes(
    home: Mapping[str, Sequence[str]], pools: Iterable[str]
) -> dict[str, tuple[str, ...]]:
    """Destinations each VPC routes towards the rest of the fleet, by VPC name.

    ``home``: per VPC its own routable ranges (its CIDR, then its Flannel clusters' pod CIDRs),
    pairwise disjoint across the fleet as the planner allocates them; ``pools``: the vpc and pod
    pools. A VPC's routes cover every other VPC's CIDR and every Flannel pod CIDR homed
    elsewhere, never overlapping the VPC itself (Alibaba refuses a custom route inside a vSwitch
    CIDR) nor its own clusters' pod CIDRs (whose unused parts would loop through the transit
    router). Each pool minus the VPC's own ranges is split into aligned blocks and the blocks
    holding a remote range are kept: at most one per prefix bit between the pool and each range
    it excludes, so routes grow with the number of pools, not with VPCs x clusters. Integer
    descent over one sorted index of the fleet's ranges: O(VPCs x own ranges x 32 x log ranges).

    >>> summary_routes({"a": ["10.0.0.0/16", "172.16.0.0/16"], "b": ["10.1.0.0/16"]},
    ...                ["10.0.0.0/8", "172.16.0.0/12"])
    {'a': ('10.1.0.0/16',), 'b': ('10.0.0.0/16', '172.16.0.0/12')}
    """
    owned = {vpc: sorted(map(_bounds, cidrs)) for vpc, cidrs in home.items()}
    index = _Index(sorted(r for rs in owned.values() for r in rs))
    tops = outermost(pools)
    stray = [
        r
        for rs in owned.values()
        for r in rs  # pinned outside every pool
        if not any(_inside(r, p) for p in tops)
    ]
    out = {}
    for vpc, own in owned.items():
        mine = _Index(own)
        found = [r for r in stray if r not in own]
        for first, prefix in tops:
            _descend(first, prefix, index, mine, found)
        out[vpc] = tuple(_cidr(*n) for n in sorted(found))
    return out


class _Index:
    """Disjoint aligned ranges sorted by first address: which of them meet a block."""

    def __init__(self, ranges: Sequence[tuple[int, int]]) -> None:
        self.firsts = [first for first, _ in ranges]
        self.lasts = [_last(first, prefix) for first, prefix in ranges]

    def meets(self, first: int, last: int) -> bool:
        i = bisect_right(self.firsts, last) - 1
        return i >= 0 and self.lasts[i] >= first

    def covers(self, first: int, last: int) -> bool:
        i = bisect_right(self.firsts, first) - 1
        return i >= 0 and self.lasts[i] >= last


def _descend(
    first: int, prefix: int, ranges: _Index, own: _Index, found: list[tuple[int, int]]
) -> None:
    """Adds to ``found`` the aligned blocks ``(first, prefix)`` of ``first/prefix`` outside
    ``own`` that hold one of ``ranges``.

    Ranges and blocks are aligned, so a range meeting a block either lies inside it or is the
    block itself: splitting stops at the first block that meets no own range."""
    last = _last(first, prefix)
    if not ranges.meets(first, last) or own.covers(first, last):
        return
    if not own.meets(first, last):
        found.append((first, prefix))
        return
    _descend(first, prefix + 1, ranges, own, found)
    _descend(first + (1 << (31 - prefix)), prefix + 1, ranges, own, found)
