"""The node pools of a cluster in the fleet spec: ``systemPool`` and ``nodePools.<name>``.

Every cluster gets a fixed-size system pool (at least 2 nodes): ACK keeps the nodes of an
auto-scaling pool free of system components, so a cluster whose only pool autoscales would have
nowhere to run CoreDNS. Further pools are keyed by name, fixed-size (``desiredSize``) or auto
scaling (``minSize`` < ``maxSize``); the system pool and every pool's most nodes must fit in the
cluster's ``maxNodes``, which sizes its vSwitches and pod CIDR. Pure: nothing of Pulumi.

>>> from meshfleet.specreader import Reader
>>> r = Reader()
>>> system, pools = node_pools(r, {"nodePools": {"batch": {"minSize": 0, "maxSize": 10}}},
...                            "clusters.a.", 64)
>>> system.desired_size, pools["batch"].auto_scaling, r.problems
(2, True, [])
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from meshfleet.specmodel import SYSTEM_POOL, SYSTEM_POOL_MIN_SIZE, NodePoolSpec
from meshfleet.specreader import Reader

DEFAULT_INSTANCE_TYPES = ("ecs.g7.xlarge",)
POOL_FIELDS = {"instanceTypes", "desiredSize", "minSize", "maxSize", "systemDiskSize"}
SYSTEM_FIELDS = {"instanceTypes", "size", "systemDiskSize"}


def node_pools(
    r: Reader, body: Mapping[str, Any], path: str, max_nodes: int
) -> tuple[NodePoolSpec, dict[str, NodePoolSpec]]:
    """The cluster's system pool and named pools; problems are recorded on ``r``."""
    if "nodePool" in body:
        r.bad(
            f"{path}nodePool",
            body["nodePool"],
            "is replaced by nodePools.<name> (every cluster now also gets a fixed-size system "
            "pool, systemPool): write `nodePools: {workers: {...}}` with the same fields to "
            "keep an existing pool (its Pulumi name stays <cluster>-workers); an auto-scaling "
            "pool takes minSize and maxSize, a fixed one desiredSize",
        )
    raw_system = r.mapping(body, "systemPool", path)
    sp = f"{path}systemPool."
    r.unknown_keys(raw_system, SYSTEM_FIELDS, sp)
    system = NodePoolSpec(
        name=SYSTEM_POOL,
        instance_types=r.strings(raw_system, "instanceTypes", sp) or DEFAULT_INSTANCE_TYPES,
        desired_size=r.integer(
            raw_system, "size", sp, SYSTEM_POOL_MIN_SIZE, SYSTEM_POOL_MIN_SIZE, 1000
        ),
        min_size=None,
        max_size=None,
        system_disk_size=r.integer(raw_system, "systemDiskSize", sp, 120, 40, 2048),
    )
    pools: dict[str, NodePoolSpec] = {}
    for name, raw in sorted(r.mapping(body, "nodePools", path).items(), key=lambda kv: str(kv[0])):
        if not r.entry(f"{path}nodePools", name, raw):
            continue
        if name == SYSTEM_POOL:
            r.bad(
                f"{path}nodePools.{name}",
                raw,
                "is reserved for the fixed-size system pool: configure it under systemPool",
            )
            continue
        pools[name] = _pool(r, name, raw, f"{path}nodePools.{name}.", max_nodes)
    most = system.most_nodes + sum(p.most_nodes for p in pools.values())
    if most > max_nodes:
        parts = ", ".join(f"{p.name} {p.most_nodes}" for p in (system, *pools.values()))
        r.bad(
            f"{path}maxNodes",
            max_nodes,
            f"is less than the most nodes its pools may have "
            f"({most}: {parts}); raise maxNodes (it sizes the "
            "vSwitches and pod CIDR) or shrink the pools",
        )
    return system, pools


def _pool(r: Reader, name: str, raw: Mapping[str, Any], p: str, max_nodes: int) -> NodePoolSpec:
    r.unknown_keys(raw, POOL_FIELDS, p)
    lo = r.integer(raw, "minSize", p, 0, 0, max_nodes) if "minSize" in raw else None
    hi = r.integer(raw, "maxSize", p, 1, 1, max_nodes) if "maxSize" in raw else None
    if (lo is None) != (hi is None) or (lo is not None and hi is not None and lo >= hi):
        # The provider requires max_size > min_size for an auto-scaling node pool.
        r.bad(f"{p}minSize", [lo, hi], "and maxSize go together, with minSize < maxSize")
        lo = hi = None
    desired = None
    if lo is None:
        desired = r.integer(raw, "desiredSize", p, 2, 0, max_nodes)
    elif "desiredSize" in raw:
        r.bad(
            f"{p}desiredSize",
            raw["desiredSize"],
            "is for a fixed-size pool: an auto-scaling "
            "pool starts at minSize and the autoscaler "
            "owns its node count",
        )
    return NodePoolSpec(
        name=name,
        instance_types=r.strings(raw, "instanceTypes", p) or DEFAULT_INSTANCE_TYPES,
        desired_size=desired,
        min_size=lo,
        max_size=hi,
        system_disk_size=r.integer(raw, "systemDiskSize", p, 120, 40, 2048),
    )
