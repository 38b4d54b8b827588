"""The organisation's VPC IPAM pools (config ``ipamPools``): a stack's ranges against them.

IPAM arbitrates addresses between stacks only for ranges it knows of. A stack's VPC, Flannel pod
or Service CIDR inside a pool must therefore be allocated there: by the VPC itself
(``vpc.Network`` with ``ipv4IpamPoolId``, which IPAM records), by a custom allocation the stack
declares (``vpc.IpamIpamPoolAllocation`` with that ``cidr`` and ``ipamPoolId``), or by an
allocation the config lists (made elsewhere). Two findings:

- the range overlaps an allocation of the pool that is not the stack's own (another owner holds
  it: IPAM will refuse the stack's allocation, or, unallocated, the two collide);
- the range lies in a pool and nothing allocates it (IPAM may hand it to another stack).

A config allocation equal to a range the stack itself allocates in that pool is the stack's own
(a config snapshot taken after its update), unless its label names an owner other than the
descriptions the stack writes on its own allocations. Config shape::

    {"ipamPools": {"ipam-pool-0abc": {"cidrs": ["10.0.0.0/12"],
                                      "allocations": ["10.0.0.0/16 payments/prod"]}}}
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .cidrs import Item, Net, overlaps_between, parse
from .findings import Config, Finding, pending
from .limits import _all_nets as all_nets
from .model import Entity, StackIndex, VSwitch
from .rules import pod_cause, service_cause, vpc_cidr_cause
from .values import UNKNOWN, as_str, get

ALLOCATION = "alicloud:vpc/ipamIpamPoolAllocation:IpamIpamPoolAllocation"
NETWORK = "alicloud:vpc/network:Network"
_CIDR = (
    r"((25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])/"
    r"(3[0-2]|[12]?[0-9])"
)
SCHEMA = {
    "type": "object",
    "default": {},
    "propertyNames": {"pattern": "^ipam-pool-[a-z0-9]+$"},
    "additionalProperties": {
        "type": "object",
        "required": ["cidrs"],
        "additionalProperties": False,
        "properties": {
            "cidrs": {
                "type": "array",
                "minItems": 1,
                "items": {"type": "string", "pattern": f"^{_CIDR}$"},
            },
            "allocations": {
                "type": "array",
                "default": [],
                "items": {"type": "string", "pattern": f"^{_CIDR}( .*)?$"},
            },
        },
    },
    "description": "The organisation's IPAM pools by id: each pool's provisioned CIDRs and its "
    "allocations ('a.b.c.d/n', optionally a space and the owner: "
    "'10.0.0.0/16 payments/prod'), as vpc.get_ipam_ipam_pool_cidrs and "
    "get_ipam_ipam_pool_allocations report them.",
}


def _ranges(ix: StackIndex) -> Iterator[tuple[str, Entity, Net]]:
    """The stack's top-level ranges: VPC CIDR blocks, Flannel pod CIDRs, Service CIDRs (a
    vSwitch lies inside its VPC)."""
    return ((what, e, net) for what, e, net in all_nets(ix) if not isinstance(e, VSwitch))


def _declared(ix: StackIndex) -> tuple[set[tuple[str, str]], set[str]]:
    """(pool id, CIDR) the stack allocates itself (its custom allocations, and its VPCs created
    from a pool), and the descriptions it writes on its allocations (who it says it is)."""
    out: set[tuple[str, str]] = set()
    owners: set[str] = set()
    for r in ix.resources:
        if r.resource_type == ALLOCATION:
            pool, cidr = as_str(get(r.props, "ipamPoolId")), as_str(get(r.props, "cidr"))
            owner = as_str(get(r.props, "ipamPoolAllocationDescription"))
            if isinstance(owner, str) and owner:
                owners.add(owner)
        elif r.resource_type == NETWORK:
            pool, cidr = as_str(get(r.props, "ipv4IpamPoolId")), as_str(get(r.props, "cidrBlock"))
        else:
            continue
        if isinstance(pool, str) and isinstance(cidr, str) and (net := parse(cidr)):
            out.add((pool, net.text))
    return out, owners


def _pools(cfg: Config) -> list[tuple[str, list[Net], list[tuple[Net, str]]]]:
    out = []
    raw: Mapping[str, Any] = cfg.get("ipamPools") or {}
    for pool_id, body in sorted(raw.items()):
        cidrs = [n for c in body.get("cidrs") or [] if (n := parse(str(c))) is not None]
        allocations = []
        for entry in body.get("allocations") or []:
            text, _, label = str(entry).strip().partition(" ")
            if (net := parse(text)) is not None:
                allocations.append((net, label.strip()))
        out.append((pool_id, cidrs, allocations))
    return out


def ipam_pool_allocations(ix: StackIndex, cfg: Config) -> Iterator[Finding]:
    pools = _pools(cfg)
    if not pools:
        return
    declared, owners = _declared(ix)
    ranges = [Item(net, (what, e)) for what, e, net in _ranges(ix)]
    for pool_id, cidrs, allocations in pools:
        mine = {c for p, c in declared if p == pool_id}
        inside = {
            id(a): a for a, _ in overlaps_between(ranges, [Item(n, pool_id) for n in cidrs])
        }.values()
        # A config allocation at a range the stack allocates itself is its own unless the
        # config names another owner for it (a range copied from another stack's config).
        foreign = [
            Item(n, label)
            for n, label in allocations
            if n.text not in mine or (label and label not in owners)
        ]
        clashes: dict[int, list[Item[str]]] = {}
        for a, other in overlaps_between(list(inside), foreign):
            clashes.setdefault(id(a), []).append(other)
        allocated = {n.text for n, _ in allocations} | mine
        for a in inside:
            what, e = a.owner
            for other in clashes.get(id(a), []):
                holder = f" of {other.owner}" if other.owner else ""
                yield Finding(
                    e.urn,
                    (
                        f"{what} {a.net.text} of {e.label} overlaps allocation {other.net.text}"
                        f"{holder} in IPAM pool {pool_id} (config ipamPools): another owner holds "
                        "it, so IPAM refuses this stack's allocation (or, unallocated, the two "
                        "collide). Fix: plan from a fresh read of the pool and take a free range."
                    ),
                )
            if id(a) not in clashes and a.net.text not in allocated:
                yield Finding(
                    e.urn,
                    (
                        f"{what} {a.net.text} of {e.label} lies in IPAM pool {pool_id} (config "
                        "ipamPools) but has no allocation there: IPAM may hand the range to "
                        "another "
                        "stack. Fix: create the VPC with ipv4_ipam_pool_id, or reserve the range "
                        "with vpc.IpamIpamPoolAllocation(ipam_pool_id, cidr)."
                    ),
                )
    from_pool = {
        r.urn
        for r in ix.resources
        if r.resource_type == NETWORK and isinstance(as_str(get(r.props, "ipv4IpamPoolId")), str)
    }
    for v in ix.vpcs.values():  # a VPC sized by its pool (ipv4_cidr_mask) is allocated there
        if not v.external and v.cidr.raw is UNKNOWN and v.urn not in from_pool:
            yield pending(v, "its CIDR against the IPAM pools", vpc_cidr_cause(ix, v))
    for c in ix.clusters.values():
        if c.flannel and c.pod_cidr.unknown:
            yield pending(c, "its pod CIDR against the IPAM pools", pod_cause(ix, c))
        if c.service_cidr.unknown:
            yield pending(c, "its Service CIDR against the IPAM pools", service_cause(ix, c))
