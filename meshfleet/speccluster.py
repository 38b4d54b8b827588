"""One ``clusters.<name>`` entry of the fleet spec: its VPC, CNI, zones, sizing, version, node
pools and pins (or, for an existing cluster, only what the cloud does not decide), every problem
with its path and value. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from meshfleet import cidrs
from meshfleet.specexisting import existing_cluster_body, existing_id
from meshfleet.specmodel import ACK_SPECS, CNIS, ClusterSpec, VpcSpec, node_cidr_mask
from meshfleet.specnodes import node_pools
from meshfleet.specreader import Reader


def cluster_spec(
    r: Reader, cname: Any, body: Any, vpcs: Mapping[str, VpcSpec], fleet_name: str
) -> ClusterSpec | None:
    path = f"clusters.{cname}."
    if not r.entry("clusters", cname, body):
        return None
    r.unknown_keys(
        body,
        {
            "vpc",
            "cni",
            "zones",
            "maxNodes",
            "podsPerNode",
            "serviceIps",
            "clusterSpec",
            "kubernetesVersion",
            "deletionProtection",
            "nodePool",
            "systemPool",
            "nodePools",
            "podCidr",
            "serviceCidr",
            "vswitches",
            "podVswitches",
            "id",
        },
        path,
    )
    vpc = vpcs.get(str(body.get("vpc", "")))
    if vpc is None:
        r.bad(
            f"{path}vpc",
            body.get("vpc"),
            f"names no VPC of this spec; allowed: {', '.join(vpcs) or '(none valid)'}",
        )
        return None
    cluster_id = existing_id(r, body, path, "cluster")
    declared = None
    if body.get("id") is not None:
        body = existing_cluster_body(r, body, path, vpc)
        declared = r.choice(body, "cni", path, "flannel", CNIS, "CNI") if "cni" in body else None
    cni = r.choice(body, "cni", path, "flannel", CNIS, "CNI")
    zones = r.strings(body, "zones", path) or vpc.zones
    for zone in zones:
        if zone not in vpc.zones:
            r.bad(f"{path}zones", zone, f"is not a zone of VPC {vpc.name}: {', '.join(vpc.zones)}")
    max_nodes = r.integer(body, "maxNodes", path, 64, 1, 5000)
    pods = r.integer(body, "podsPerNode", path, 64, 1, 255 if cni == "flannel" else 512)
    mask = node_cidr_mask(cni, pods)
    if mask is not None and mask - (max_nodes - 1).bit_length() < 8:
        r.bad(f"{path}maxNodes", max_nodes, f"needs a pod CIDR larger than /8 at /{mask} per node")
    pod_cidr = None
    if body.get("podCidr") is not None:
        if mask is None:
            r.bad(
                f"{path}podCidr",
                body["podCidr"],
                "is only for Flannel; Terway pods take addresses from pod vSwitches",
            )
        else:
            pod_cidr = r.cidr(
                body["podCidr"],
                f"{path}podCidr",
                cidrs.POD.narrowed(
                    mask - 1, f"Flannel pod CIDR (shorter than nodeCidrMask /{mask})"
                ),
            )
    service_cidr = None
    if body.get("serviceCidr") is not None:
        service_cidr = r.cidr(body["serviceCidr"], f"{path}serviceCidr", cidrs.SERVICE)
    pins: dict[str, dict[str, str]] = {"vswitches": {}, "podVswitches": {}}
    for key in pins:
        if key == "podVswitches" and body.get(key) and cni != "terway":
            r.bad(f"{path}{key}", body[key], "is only for Terway clusters")
            continue
        for zone, value in r.mapping(body, key, path).items():
            if zone not in zones:
                r.bad(
                    f"{path}{key}.{zone}",
                    value,
                    f"names a zone the cluster does not use: {', '.join(zones)}",
                )
            elif c := r.cidr(value, f"{path}{key}.{zone}", cidrs.VSWITCH):
                pins[key][zone] = c
    system, pools = node_pools(r, body, path, max_nodes)
    return ClusterSpec(
        name=cname,
        vpc=vpc.name,
        region=vpc.region,
        display_name=f"{fleet_name}-{cname}",
        cni=cni,
        zones=zones,
        max_nodes=max_nodes,
        pods_per_node=pods,
        node_cidr_mask=mask,
        service_ips=r.integer(body, "serviceIps", path, 4096, 1, 65536),
        cluster_spec=r.choice(
            body, "clusterSpec", path, "ack.pro.small", ACK_SPECS, "ACK cluster spec"
        ),
        kubernetes_version=r.optional_str(body, "kubernetesVersion", path),
        deletion_protection=r.boolean(body, "deletionProtection", path, True),
        system_pool=system,
        node_pools=pools,
        pod_cidr=pod_cidr,
        service_cidr=service_cidr,
        vswitches=pins["vswitches"],
        pod_vswitches=pins["podVswitches"],
        id=cluster_id,
        declared_cni=declared,
    )
