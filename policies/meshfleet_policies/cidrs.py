"""IPv4 CIDR values, Alibaba's address rules, and overlap search by sort and sweep.

CIDR blocks form a laminar family: two blocks are either disjoint or one contains the other.
Sorting by (first address, widest first) and keeping a stack of the blocks that are still open
therefore finds every overlapping pair in O(n log n + pairs); no pair of blocks is compared
unless they overlap. :data:`ALGORITHM` = "pairwise" switches to the O(n^2) reference used by the
benchmark, with identical results.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
U = TypeVar("U")

# Set by the benchmark's reference pack only.
ALGORITHM = "sweep"


@dataclass(frozen=True, slots=True)
class Net:
    """An IPv4 block: first and last address as ints, prefix length, canonical text."""

    first: int
    last: int
    prefix: int
    text: str

    def contains(self, other: Net) -> bool:
        return self.first <= other.first and other.last <= self.last

    def overlaps(self, other: Net) -> bool:
        return self.first <= other.last and other.first <= self.last


def parse(text: str) -> Net | None:
    """The block ``text`` names, or None if it is not an IPv4 CIDR.

    The common form ``a.b.c.d/n`` is parsed by hand (a stack of 10,000 resources holds thousands
    of CIDRs, and ``ipaddress`` dominates the index's cost); anything else goes to ``ipaddress``,
    whose verdict the hand-written path matches exactly (a test compares them).

    >>> parse("10.0.0.0/8").prefix
    8
    >>> parse("10.1.2.3/16").text
    '10.1.0.0/16'
    >>> parse("fd00::/8") is None
    True
    """
    addr, sep, plen = text.strip().partition("/")
    parts = addr.split(".")
    if (
        sep
        and addr.isascii()
        and plen.isascii()
        and len(parts) == 4
        and plen.isdigit()
        and len(plen) <= 2
        and all(p.isdigit() and len(p) <= 3 and (p == "0" or p[0] != "0") for p in parts)
    ):
        octets = [int(p) for p in parts]
        prefix = int(plen)
        if prefix <= 32 and all(o <= 255 for o in octets):
            ip = octets[0] << 24 | octets[1] << 16 | octets[2] << 8 | octets[3]
            size = 1 << (32 - prefix)
            first = ip & ~(size - 1) & 0xFFFFFFFF
            dotted = f"{first >> 24}.{first >> 16 & 255}.{first >> 8 & 255}.{first & 255}"
            return Net(first, first + size - 1, prefix, f"{dotted}/{prefix}")
    try:
        net = ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None
    if net.version != 4:
        return None
    first = int(net.network_address)
    return Net(first, first + net.num_addresses - 1, net.prefixlen, str(net))


def _nets(*texts: str) -> tuple[Net, ...]:
    out = []
    for t in texts:
        n = parse(t)
        assert n is not None
        out.append(n)
    return tuple(out)


RFC1918 = _nets("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
# Alibaba refuses these for VPCs; 7.0.0.0/8 is used inside managed ACK (ASM documentation).
RESERVED = {
    "100.64.0.0/10 (carrier-grade NAT, used by Alibaba Cloud services)": _nets("100.64.0.0/10")[0],
    "224.0.0.0/4 (multicast)": _nets("224.0.0.0/4")[0],
    "127.0.0.0/8 (loopback)": _nets("127.0.0.0/8")[0],
    "169.254.0.0/16 (link-local, metadata service)": _nets("169.254.0.0/16")[0],
    "7.0.0.0/8 (reserved by managed ACK, ASM documentation)": _nets("7.0.0.0/8")[0],
}


def in_rfc1918(net: Net) -> bool:
    """True if ``net`` lies inside 10/8, 172.16/12 or 192.168/16."""
    return any(r.contains(net) for r in RFC1918)


def reserved_hit(net: Net) -> str | None:
    """The reserved range ``net`` overlaps, described, or None."""
    for label, r in RESERVED.items():
        if r.overlaps(net):
            return label
    return None


@dataclass(frozen=True, slots=True)
class Item(Generic[T]):
    """A block carrying what it belongs to."""

    net: Net
    owner: T


def _sweep(tagged: Sequence[tuple[Net, int, object]]) -> Iterator[tuple[int, object, int, object]]:
    """Yield (side, owner, side, owner) for every overlapping pair, widest block first."""
    order = sorted(range(len(tagged)), key=lambda i: (tagged[i][0].first, -tagged[i][0].last, i))
    stack: list[tuple[Net, int, object]] = []
    for i in order:
        net, side, owner = tagged[i]
        while stack and stack[-1][0].last < net.first:
            stack.pop()
        # Laminar: every block still on the stack contains this one.
        for _net, oside, oowner in stack:
            yield oside, oowner, side, owner
        stack.append((net, side, owner))


Tagged = Sequence[tuple[Net, int, object]]
Pairs = Iterator[tuple[int, object, int, object]]


def _pairwise(tagged: Tagged) -> Pairs:
    for i in range(len(tagged)):
        a = tagged[i]
        for j in range(i + 1, len(tagged)):
            b = tagged[j]
            if a[0].first <= b[0].last and b[0].first <= a[0].last:
                if (a[0].first, -a[0].last, i) <= (b[0].first, -b[0].last, j):
                    yield a[1], a[2], b[1], b[2]
                else:
                    yield b[1], b[2], a[1], a[2]


def _engine() -> Callable[[Tagged], Pairs]:
    return _pairwise if ALGORITHM == "pairwise" else _sweep


def overlaps_within(items: Sequence[Item[T]]) -> Iterator[tuple[Item[T], Item[T]]]:
    """Every overlapping pair among ``items`` (the wider / earlier block first)."""
    tagged = [(it.net, 0, it) for it in items]
    for _, a, _, b in _engine()(tagged):
        yield a, b  # type: ignore[misc]


def overlaps_between(
    left: Sequence[Item[T]], right: Sequence[Item[U]]
) -> Iterator[tuple[Item[T], Item[U]]]:
    """Every overlapping (left, right) pair; pairs inside one side are not reported."""
    tagged: list[tuple[Net, int, object]] = [(it.net, 0, it) for it in left]
    tagged.extend((it.net, 1, it) for it in right)
    for sa, a, sb, b in _engine()(tagged):
        if sa == sb:
            continue
        if sa == 0:
            yield a, b  # type: ignore[misc]
        else:
            yield b, a  # type: ignore[misc]
