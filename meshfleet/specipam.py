"""The ``ipam`` section of the fleet spec: the organisation's VPC IPAM pools that replace the
spec's own ``pools`` (a VPC pool per region of the spec's VPCs, a pod pool for Flannel, a Service
pool), every problem with its path and value. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from meshfleet.specmodel import IPAM_POOL_RE, KINDS, ClusterSpec, IpamSpec, VpcSpec
from meshfleet.specreader import Reader


def ipam_spec(
    r: Reader,
    raw: Mapping[str, Any],
    vpcs: Mapping[str, VpcSpec],
    clusters: Mapping[str, ClusterSpec],
) -> IpamSpec | None:
    """``ipam.pools``: a VPC pool per region of the spec's VPCs, a pod pool when a cluster is
    Flannel, a Service pool; every id shaped ``ipam-pool-...``. The pools replace ``pools``."""
    body = r.mapping(raw, "ipam", "")
    r.unknown_keys(body, {"pools"}, "ipam.")
    if "pools" in raw:
        r.bad(
            "pools",
            raw["pools"],
            "is replaced by ipam.pools when ipam is set (the IPAM "
            "pools' CIDRs are the address space): remove one of them",
        )
    pools = r.mapping(body, "pools", "ipam.")
    if not pools:
        r.bad(
            "ipam.pools",
            body.get("pools"),
            "must name the pools: {vpc: {<region>: <pool id>}, pod: <pool id>, service: <pool id>}",
        )
        return None
    r.unknown_keys(pools, set(KINDS), "ipam.pools.")

    def pool_id(value: Any, path: str) -> str | None:
        if isinstance(value, str) and IPAM_POOL_RE.match(value):
            return value
        r.bad(
            path,
            value,
            "is not an IPAM pool id (ipam-pool- followed by lower-case letters "
            "and digits, as vpc.get_ipam_ipam_pools reports it)",
        )
        return None

    by_region: dict[str, str] = {}
    for region, value in r.mapping(pools, "vpc", "ipam.pools.").items():
        path = f"ipam.pools.vpc.{region}"
        if region not in {v.region for v in vpcs.values()}:
            r.bad(
                path,
                value,
                "names a region where the spec has no VPC; VPC regions: "
                + ", ".join(sorted({v.region for v in vpcs.values()})),
            )
        elif (got := pool_id(value, path)) is not None:
            by_region[region] = got
    for region in sorted({v.region for v in vpcs.values()} - set(by_region)):
        if f"ipam.pools.vpc.{region}" not in {p.path for p in r.problems}:
            names = ", ".join(sorted(v.name for v in vpcs.values() if v.region == region))
            r.bad(
                f"ipam.pools.vpc.{region}",
                None,
                f"is missing: VPC(s) {names} are in "
                f"{region}, and IPAM allocates a VPC only from a pool of its own region",
            )
    pod = service = None
    if pools.get("pod") is not None:
        pod = pool_id(pools["pod"], "ipam.pools.pod")
    elif flannel := sorted(c.name for c in clusters.values() if c.cni == "flannel"):
        r.bad(
            "ipam.pools.pod",
            None,
            f"is missing: Flannel cluster(s) {', '.join(flannel)} "
            "need a pod CIDR reserved in a pool",
        )
    if pools.get("service") is not None:
        service = pool_id(pools["service"], "ipam.pools.service")
    else:
        r.bad(
            "ipam.pools.service",
            None,
            "is missing: every cluster's Service CIDR is reserved in a pool",
        )
    if service is None:
        return None
    return IpamSpec(by_region, pod, service)
