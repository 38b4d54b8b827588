"""The one CIDR parser and validator, and the one sort-and-sweep overlap finder.

Every CIDR meshfleet reads from a person (spec pins, pools, reserved ranges, lock entries) or
hands to a component goes through :func:`cidr_problem`, with the rule of its kind: Alibaba's
prefix limits, the ranges that are never allowed, and (pods, Services) RFC 1918. Pure: netaddr
only, no Pulumi.

>>> cidr_problem("10.0.0.1/16", VPC)
'is not a canonical IPv4 CIDR: it has host bits set; did you mean 10.0.0.0/16?'
>>> cidr_problem("192.168.0.0/25", SERVICE)
'has prefix /25; a Service CIDR must be /16 to /24'
>>> cidr_problem("10.0.0.0/16", VPC) is None
True
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from netaddr import AddrFormatError, IPNetwork

#: RFC 1918: where meshfleet allocates by default, and where pod and Service CIDRs must lie.
PRIVATE_RANGES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
#: Never allocated nor accepted anywhere: Alibaba's VPC documentation refuses CGNAT, multicast,
#: loopback and link-local space, and ASM documents 7.0.0.0/8 as reserved for managed ACK.
FORBIDDEN_RANGES = {
    "100.64.0.0/10": "shared address space (CGNAT)",
    "224.0.0.0/4": "multicast",
    "127.0.0.0/8": "loopback",
    "169.254.0.0/16": "link-local",
    "7.0.0.0/8": "reserved for managed ACK (ASM)",
}
_PRIVATE = tuple(IPNetwork(r) for r in PRIVATE_RANGES)
_FORBIDDEN = tuple((IPNetwork(r), r, why) for r, why in FORBIDDEN_RANGES.items())


@dataclass(frozen=True)
class CidrRule:
    """What a CIDR of one kind must satisfy besides being a canonical IPv4 CIDR."""

    kind: str
    """How a message names it, e.g. ``VPC CIDR``."""
    lo: int = 0
    """Shortest prefix allowed (largest block)."""
    hi: int = 32
    """Longest prefix allowed (smallest block)."""
    private_only: bool = False
    """Must lie inside RFC 1918 (pods and Services: routable only inside the fleet)."""

    def narrowed(self, hi: int, kind: str) -> CidrRule:
        """The same rule with a tighter upper prefix bound (a Flannel pod CIDR must be shorter
        than its cluster's node_cidr_mask)."""
        return CidrRule(kind, self.lo, min(self.hi, hi), self.private_only)


# Alibaba's limits per kind (VPC and vSwitch documentation, ACK network planning).
VPC = CidrRule("VPC CIDR", 8, 28)
VSWITCH = CidrRule("vSwitch", 16, 29)
SERVICE = CidrRule("Service CIDR", 16, 24, private_only=True)
POD = CidrRule("Flannel pod CIDR", 8, 27, private_only=True)
"""Flannel pod CIDRs: RFC 1918, and shorter than node_cidr_mask (at most 28), so at most /27."""
RESERVED = CidrRule("reserved range")
ANY = CidrRule("CIDR")
"""Only well-formed: what a component checks of a CIDR the planner already validated."""


def cidr_problem(value: object, rule: CidrRule = ANY) -> str | None:
    """What is wrong with ``value`` as a CIDR of ``rule``'s kind (None: nothing), worded to follow
    the value in a ``Problem``: ``'10.0.0.1/16' has host bits set; ...``."""
    if not isinstance(value, str):
        return (
            "must be a concrete CIDR string such as 10.0.0.0/16 (a Pulumi Output or a "
            "number is not a CIDR)"
        )
    try:
        net = IPNetwork(value)
    except (AddrFormatError, ValueError, TypeError):
        return "is not a valid IPv4 CIDR (expected a.b.c.d/n)"
    if net.version != 4 or "/" not in value:
        return "must be an IPv4 CIDR with a prefix length, such as 10.0.0.0/16"
    if net.ip != net.network:
        return f"is not a canonical IPv4 CIDR: it has host bits set; did you mean {net.cidr}?"
    if str(net) != value:
        return f"is not a canonical IPv4 CIDR; write {net}"
    for bad, text, why in _FORBIDDEN:
        if net in bad or bad in net:
            return f"overlaps {text} ({why}), which is never allowed"
    if rule.private_only and not any(net in r for r in _PRIVATE):
        return f"must lie inside {', '.join(PRIVATE_RANGES)} for a {rule.kind}"
    if not rule.lo <= net.prefixlen <= rule.hi:
        return f"has prefix /{net.prefixlen}; a {rule.kind} must be /{rule.lo} to /{rule.hi}"
    return None


T = TypeVar("T")


def overlapping_pairs(
    items: Iterable[tuple[IPNetwork, T]],
) -> Iterator[tuple[tuple[IPNetwork, T], tuple[IPNetwork, T]]]:
    """Every pair of overlapping CIDRs, the one that starts first (or is larger) first.

    Sorting by first address, larger block first, lets one pass find every overlapping pair in
    O(n log n + pairs) instead of comparing all pairs.

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
