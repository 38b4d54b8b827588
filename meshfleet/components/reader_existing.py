"""Reading what the spec says already exists: VPCs, ACK clusters and a CEN instance
(``vpcs.<name>.id``, ``clusters.<name>.id``, ``cen.id``), through pulumi_alicloud's data sources.

Called by ``meshfleet.components.reader._read_existing``; nothing is invoked for a spec without
ids. Every read goes through the reading provider of the resource's region (the CEN instance is
global: read through the Fleet's region). What the cloud says is checked against the spec (an id
not found, a cluster in another VPC or region, a CNI the spec names differently, a node vSwitch
outside the VPC) and every problem is raised at once (``SpecError``), before anything is
planned or registered.

Data sources used (pulumi_alicloud 4.0.0): ``vpc.get_networks(ids=)`` (cidr_block,
secondary_cidr_blocks, route_table_id), ``vpc.get_switches(vpc_id=)``,
``cs.get_clusters(ids=, enable_details=True)`` (pod_cidr, service_cidr, vpc_id, vswitch_ids,
node_cidr_mask as a string, proxy_mode, security_group_id), ``cs.get_kubernetes_node_pools
(cluster_id=)`` (vswitch_ids), ``cs.get_kubernetes_addons(cluster_id=)`` (an add-on is installed
when its current_version is not empty), ``cen.get_instances(ids=)``,
``cen.get_transit_routers(cen_id=)`` (per region: the data source lists the routers of its
provider's region).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pulumi_alicloud as alicloud

from meshfleet.errors import Problem, SpecError
from meshfleet.inventory import (
    ExistingCen,
    ExistingCluster,
    ExistingVpc,
    ExistingVSwitch,
    Inventory,
)
from meshfleet.specmodel import ClusterSpec, FleetSpec, VpcSpec

if TYPE_CHECKING:
    from meshfleet.components.reader import Reading

TERWAY_ADDONS = ("terway-eniip", "terway-eni", "terway", "terway-controlplane")
FLANNEL_ADDON = "flannel"


def read_existing(spec: FleetSpec, reading: Reading) -> Inventory:
    """The existing VPCs, clusters and CEN instance ``spec`` names, read and checked."""
    problems: list[Problem] = []
    vpcs = {
        v.id: vpc
        for v in sorted(spec.vpcs.values(), key=lambda v: v.name)
        if v.id and (vpc := _vpc(v, v.id, reading, problems))
    }
    clusters = {
        c.id: found
        for c in sorted(spec.clusters.values(), key=lambda c: c.name)
        if c.id
        and (
            found := _cluster(spec, c, c.id, vpcs.get(spec.vpcs[c.vpc].id or ""), reading, problems)
        )
    }
    cen = _cen(spec, spec.cen_id, reading, problems) if spec.cen_id else None
    if problems:
        raise SpecError(problems)
    return Inventory(vpcs=vpcs, clusters=clusters, cen=cen)


def _vpc(v: VpcSpec, vpc_id: str, reading: Reading, problems: list[Problem]) -> ExistingVpc | None:
    opts = reading.opts(v.region)
    found = [x for x in alicloud.vpc.get_networks(ids=[vpc_id], opts=opts).vpcs if x.id == vpc_id]
    if not found:
        problems.append(
            Problem(
                f"vpcs.{v.name}.id",
                v.id,
                f"names no VPC in {v.region}: check the id and the VPC's region",
            )
        )
        return None
    net = found[0]
    switches = alicloud.vpc.get_switches(vpc_id=vpc_id, opts=opts).vswitches
    return ExistingVpc(
        vpc_id,
        v.region,
        (net.cidr_block, *net.secondary_cidr_blocks),
        tuple(
            ExistingVSwitch(s.id, s.cidr_block, s.zone_id, s.vswitch_name)
            for s in sorted(switches, key=lambda s: s.id)
            if s.vpc_id in ("", vpc_id)
        ),
        net.vpc_name,
        net.route_table_id,
    )


def _cluster(
    spec: FleetSpec,
    c: ClusterSpec,
    cluster_id: str,
    vpc: ExistingVpc | None,
    reading: Reading,
    problems: list[Problem],
) -> ExistingCluster | None:
    path = f"clusters.{c.name}"
    opts = reading.opts(c.region)
    found = [
        x
        for x in alicloud.cs.get_clusters(ids=[cluster_id], enable_details=True, opts=opts).clusters
        if x.id == cluster_id
    ]
    if not found:
        problems.append(
            Problem(
                f"{path}.id",
                c.id,
                f"names no ACK cluster in {c.region} (the region of VPC {c.vpc})",
            )
        )
        return None
    x = found[0]
    before = len(problems)
    vpc_id = spec.vpcs[c.vpc].id
    if x.vpc_id != vpc_id:
        problems.append(
            Problem(
                f"{path}.vpc",
                c.vpc,
                (
                    f"is VPC {vpc_id}, but existing cluster {c.name} ({c.id}) is in VPC "
                    f"{x.vpc_id}: "
                    "name the VPC it is in (vpcs.<name>.id)"
                ),
            )
        )
    pools = alicloud.cs.get_kubernetes_node_pools(cluster_id=c.id, opts=opts).nodepools
    switches = tuple(dict.fromkeys([*x.vswitch_ids, *(i for p in pools for i in p.vswitch_ids)]))
    if vpc is not None and x.vpc_id == vpc_id:
        known = {s.id for s in vpc.vswitches}
        for sw in switches:
            if sw not in known:
                problems.append(
                    Problem(
                        f"{path}.id",
                        c.id,
                        (f"has node vSwitch {sw}, which VPC {c.vpc} ({vpc_id}) does not list"),
                    )
                )
    addons = alicloud.cs.get_kubernetes_addons(cluster_id=c.id, opts=opts).addons
    installed = sorted(a.name for a in addons if a.current_version)
    cni = _cni(installed)
    if cni is None:
        problems.append(
            Problem(
                f"{path}.id",
                c.id,
                (
                    f"reports no single CNI add-on (installed: {', '.join(installed) or 'none'}); "
                    "meshfleet needs flannel or one terway add-on"
                ),
            )
        )
    elif c.declared_cni is not None and c.declared_cni != cni:
        problems.append(
            Problem(
                f"{path}.cni",
                c.declared_cni,
                (
                    f"differs from existing cluster {c.name} ({c.id}), which runs {cni} (installed "
                    f"add-ons: {', '.join(installed)}); the CNI cannot change: write cni: {cni} or "
                    "remove the field"
                ),
            )
        )
    mask = _mask(x.node_cidr_mask)
    if cni == FLANNEL_ADDON and (not x.pod_cidr or mask is None):
        problems.append(
            Problem(
                f"{path}.id",
                c.id,
                (
                    f"is a Flannel cluster but reports pod CIDR {x.pod_cidr!r} and node CIDR mask "
                    f"{x.node_cidr_mask!r}: both are needed to keep new ranges clear of it"
                ),
            )
        )
    if not x.service_cidr:
        problems.append(Problem(f"{path}.id", c.id, "reports no Service CIDR"))
    if len(problems) > before or cni is None:
        return None
    return ExistingCluster(
        cluster_id,
        c.region,
        x.vpc_id,
        switches,
        x.pod_cidr if cni == FLANNEL_ADDON else None,
        x.service_cidr,
        mask if cni == FLANNEL_ADDON else None,
        cni,
        x.cluster_name,
        x.security_group_id,
        x.proxy_mode,
    )


def _cni(installed: Sequence[str]) -> str | None:
    """``flannel`` or ``terway`` from the installed add-ons; None: neither, or both."""
    kinds = {
        "terway" if n in TERWAY_ADDONS else FLANNEL_ADDON
        for n in installed
        if n in TERWAY_ADDONS or n == FLANNEL_ADDON
    }
    return kinds.pop() if len(kinds) == 1 else None


def _mask(value: object) -> int | None:
    """node_cidr_mask as the data source gives it (a string such as ``"26"``)."""
    text = str(value or "").lstrip("/")
    return int(text) if text.isdigit() and 16 <= int(text) <= 30 else None


def _cen(
    spec: FleetSpec, cen_id: str, reading: Reading, problems: list[Problem]
) -> ExistingCen | None:
    home = spec.fleet.region
    found = [
        i
        for i in alicloud.cen.get_instances(ids=[cen_id], opts=reading.opts(home)).instances
        if i.id == cen_id
    ]
    if not found:
        problems.append(Problem("cen.id", cen_id, "names no CEN instance this account can see"))
        return None
    routers: dict[str, str] = {}
    for region in sorted({v.region for v in spec.vpcs.values()}):
        listed = alicloud.cen.get_transit_routers(
            cen_id=cen_id, opts=reading.opts(region)
        ).transit_routers
        enterprise = sorted(
            t.transit_router_id
            for t in listed
            if t.cen_id in ("", cen_id) and t.type == "Enterprise"
        )
        if len(enterprise) > 1:
            problems.append(
                Problem(
                    "cen.id",
                    cen_id,
                    (
                        f"has {len(enterprise)} Enterprise transit routers in {region} "
                        f"({', '.join(enterprise)}); meshfleet attaches to one per region"
                    ),
                )
            )
        elif enterprise:
            routers[region] = enterprise[0]
    return ExistingCen(cen_id, routers, found[0].cen_instance_name)
