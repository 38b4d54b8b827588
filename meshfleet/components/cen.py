"""CenBackbone: the private backbone between every VPC of the fleet (CEN, Enterprise Edition).

What it declares (Alibaba's CEN Enterprise Edition model; Basic Edition is discontinued):

* one ``cen.Instance`` (global; its API calls go through the home region's provider);
* per region one ``cen.TransitRouter`` and one ``cen.TransitRouterRouteTable`` owned by meshfleet;
* per VPC one ``cen.TransitRouterVpcAttachment`` over its two planned transit-router vSwitches
  (two zones), associated with and propagated into its region's route table by their own
  resources (the attachment flags are deprecated);
* per pair of regions one ``cen.TransitRouterPeerAttachment`` (``DataTransfer`` with a bandwidth
  cap: without one the link gets a 1 Kbps test bandwidth), associated with and propagated into
  the route tables at BOTH ends (each transit router needs its own association/propagation); a
  full mesh, because transit over two peer links is not documented;
* routes into every VPC: explicit ``vpc.RouteEntry`` resources (next hop: the VPC's own
  attachment) in the VPC's system route table towards a few aggregates of the fleet's pools that
  cover every other VPC's CIDR and every Flannel pod CIDR homed elsewhere (``Plan.routes``, from
  ``meshfleet.routes.summary_routes``). Aggregates, not one route per remote range, because a VPC
  route table holds 200 custom routes (which Flannel also spends, one per node) and per-range
  routes grow with VPCs x clusters. ``auto_publish_route_enabled`` is set False on VPC attachments
  so that each route into a VPC exists exactly once and is visible at preview.

Flannel pod CIDRs across VPCs (the design judgement). CEN learns only VPC system routes (vSwitch
CIDRs); Flannel's per-node routes are custom VPC routes and are not learned, so a remote cluster
cannot reach Flannel pods by default (Terway pods are vSwitch addresses and travel by default).
ASM's flat-network mode needs pod-to-pod reachability, so meshfleet routes the WHOLE pod CIDR of
each Flannel cluster, following Alibaba's cross-region transit-router example:

1. in the cluster's home transit router, a static ``cen.TransitRouterRouteEntry`` for the pod CIDR
   with the home VPC attachment as next hop; inside the VPC, Flannel's per-node routes (more
   specific) deliver to the right node;
2. in every other region's transit router, a static entry for the same pod CIDR with the peer
   attachment towards the home region as next hop. Whether a static entry is advertised over a
   peer link by propagation is not documented, so meshfleet does not rely on it: a static entry
   takes precedence over a learned one with the same prefix, so both cases route the same way;
3. in every other VPC, an aggregate ``vpc.RouteEntry`` covering the pod CIDR, towards its own
   attachment (above).

Per-node routes (``cen.RouteEntry`` publishing) are deliberately not used: they change with
scaling. The pod CIDR is one aggregate per cluster and immutable, so these routes never change
after creation. Security groups admitting the fleet's aggregates are declared per cluster
(AckCluster ``peer_cidrs``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import pulumi
import pulumi_alicloud as alicloud

from meshfleet.components.common import cidr_key, cidr_problems, raise_problems
from meshfleet.errors import Problem
from meshfleet.layout import Plan

TR_NEXT_HOP = "Attachment"


@dataclass(frozen=True)
class CenVpc:
    """One VPC to attach."""

    region: str
    """The VPC's region (required)."""
    cidr: str
    """The VPC's CIDR, concrete (required): other VPCs route it here."""
    vpc_id: pulumi.Input[str]
    """The VPC id (required)."""
    route_table_id: pulumi.Input[str]
    """The VPC's system route table, where routes to the rest of the fleet go (required)."""
    tr_vswitch_ids: Mapping[str, pulumi.Input[str]]
    """The transit-router vSwitch ids by zone: at least two zones (required)."""


@dataclass(frozen=True)
class FlannelRoute:
    """A Flannel cluster's pod CIDR and the VPC it lives in."""

    vpc: str
    """Name of the VPC (a key of ``CenBackboneArgs.vpcs``) (required)."""
    pod_cidr: str
    """The cluster's pod CIDR, concrete (required)."""


@dataclass(frozen=True)
class CenBackboneArgs:
    """Inputs of :class:`CenBackbone`; :meth:`from_plan` fills them from the plan."""

    display_name: str
    """Cloud-side name prefix of the CEN instance and its parts (required)."""
    home_region: str
    """Region whose provider serves the global CEN instance (required)."""
    providers: Mapping[str, alicloud.Provider]
    """One explicit provider per region; every VPC's region needs one (required)."""
    vpcs: Mapping[str, CenVpc]
    """The VPCs to attach, by VPC name (required)."""
    bandwidth: int
    """Mbit/s cap of every inter-region link (``DataTransfer``) (required)."""
    flannel: Mapping[str, FlannelRoute] = field(default_factory=dict)
    """Flannel clusters whose pod CIDR is routed across VPCs, by cluster name. Default: none."""
    routes: Mapping[str, Sequence[str]] = field(default_factory=dict)
    """Destinations routed from each VPC (by name) to its transit router: aggregates covering
    the rest of the fleet (``Plan.routes``). Default: none."""
    existing_cen_id: str | None = None
    """An existing CEN instance (``cen.id``) used instead of a new one. Default None."""
    existing_routers: Mapping[str, str] = field(default_factory=dict)
    """Its Enterprise transit routers by region (read from the cloud): used instead of new
    ones; a region without one gets a new transit router in that instance. Default: none."""

    @classmethod
    def from_plan(
        cls,
        plan: Plan,
        providers: Mapping[str, alicloud.Provider],
        vpc_ids: Mapping[str, pulumi.Input[str]],
        route_table_ids: Mapping[str, pulumi.Input[str]],
        vswitch_ids: Mapping[str, pulumi.Input[str]],
    ) -> CenBackboneArgs:
        """The arguments for ``plan``'s backbone: ids of VPCs and route tables by VPC name,
        of vSwitches by plan key. The CEN instance is served by the Fleet's region; an
        existing one (``cen.id``) comes with its transit routers from ``plan.inventory``."""
        cen = plan.inventory.cen if plan.spec.cen_id else None
        return cls(
            display_name=plan.spec.name,
            home_region=plan.fleet.region,
            providers=providers,
            vpcs={
                v.name: CenVpc(
                    v.region,
                    v.cidr,
                    vpc_ids[v.name],
                    route_table_ids[v.name],
                    {s.zone: vswitch_ids[s.key] for s in v.by_role("transit-router")},
                )
                for v in plan.vpcs.values()
            },
            bandwidth=plan.spec.cen_bandwidth,
            flannel={
                c.name: FlannelRoute(c.vpc, c.pod_cidr)
                for c in plan.clusters.values()
                if c.pod_cidr
            },
            routes=plan.routes,
            existing_cen_id=cen.id if cen is not None else None,
            existing_routers=dict(cen.transit_routers) if cen is not None else {},
        )

    @property
    def regions(self) -> tuple[str, ...]:
        """The regions with VPCs, sorted: one transit router each."""
        return tuple(sorted({v.region for v in self.vpcs.values()}))

    def problems(self) -> list[Problem]:
        """Concrete CIDRs, a provider for every region, two transit-router vSwitch ids per VPC,
        and routes naming attached VPCs only."""
        out: list[Problem] = []
        if self.home_region not in self.providers:
            out.append(Problem("cen.home_region", self.home_region, "has no provider"))
        for name, v in sorted(self.vpcs.items()):
            out += cidr_problems(f"vpcs.{name}.cidr", v.cidr)
            if v.region not in self.providers:
                out.append(
                    Problem(
                        f"vpcs.{name}.region",
                        v.region,
                        "has no provider: every regional resource needs its "
                        "region's explicit provider",
                    )
                )
            if len(v.tr_vswitch_ids) < 2:
                out.append(
                    Problem(
                        f"vpcs.{name}.transitRouterZones",
                        sorted(v.tr_vswitch_ids),
                        "must name two zones: CEN attaches a VPC over vSwitches in "
                        "at least two zones",
                    )
                )
        for vname, cidrs in sorted(self.routes.items()):
            if vname not in self.vpcs:
                out.append(Problem(f"cen.routes.{vname}", list(cidrs), "names no attached VPC"))
            for cidr in cidrs:
                out += cidr_problems(f"cen.routes.{vname}", cidr)
        for name, f in sorted(self.flannel.items()):
            out += cidr_problems(f"clusters.{name}.podCidr", f.pod_cidr)
            if f.vpc not in self.vpcs:
                out.append(Problem(f"clusters.{name}.vpc", f.vpc, "is not a VPC attached to CEN"))
        return out


class CenBackbone(pulumi.ComponentResource):
    """CEN instance, transit routers, VPC and peer attachments, and the routes between VPCs."""

    cen_id: pulumi.Output[str]
    """The CEN instance id."""
    transit_router_ids: dict[str, pulumi.Output[str]]
    """Transit router ids by region."""
    route_table_ids: dict[str, pulumi.Output[str]]
    """meshfleet's transit-router route table ids by region."""
    vpc_attachment_ids: dict[str, pulumi.Output[str]]
    """VPC attachment ids by VPC name."""
    peer_attachment_ids: dict[str, pulumi.Output[str]]
    """Peer attachment ids by ``<region-a>:<region-b>`` (sorted pair)."""

    def __init__(
        self, name: str, args: CenBackboneArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        raise_problems(args.problems())
        super().__init__("meshfleet:cen:CenBackbone", name, None, opts)

        def on(region: str) -> pulumi.ResourceOptions:
            # Each CEN part is created through its own region's API endpoint.
            return pulumi.ResourceOptions(parent=self, provider=args.providers[region])

        if args.existing_cen_id is not None:
            # An existing CEN instance (cen.id): used, never created (nor deleted).
            self.cen_id = pulumi.Output.from_input(args.existing_cen_id)
        else:
            self.cen_id = alicloud.cen.Instance(
                name,
                alicloud.cen.InstanceArgs(
                    cen_instance_name=args.display_name, description="meshfleet backbone"
                ),
                opts=on(args.home_region),
            ).id
        cen_id = self.cen_id

        routers: dict[str, pulumi.Output[str]] = {}
        tables: dict[str, alicloud.cen.TransitRouterRouteTable] = {}
        for region in args.regions:
            if region in args.existing_routers:  # the existing CEN's router of that region
                routers[region] = pulumi.Output.from_input(args.existing_routers[region])
            else:
                routers[region] = alicloud.cen.TransitRouter(
                    f"{name}-{region}",
                    alicloud.cen.TransitRouterArgs(
                        cen_id=cen_id, transit_router_name=f"{args.display_name}-{region}"
                    ),
                    opts=on(region),
                ).transit_router_id
            # meshfleet's own route table, in a router it made or found: what it routes is its own.
            tables[region] = alicloud.cen.TransitRouterRouteTable(
                f"{name}-{region}",
                alicloud.cen.TransitRouterRouteTableArgs(
                    transit_router_id=routers[region],
                    transit_router_route_table_name=f"{args.display_name}-{region}",
                ),
                opts=on(region),
            )

        def associate(key: str, region: str, attachment_id: pulumi.Output[str]) -> None:
            table_id = tables[region].transit_router_route_table_id
            alicloud.cen.TransitRouterRouteTableAssociation(
                key,
                alicloud.cen.TransitRouterRouteTableAssociationArgs(
                    transit_router_attachment_id=attachment_id,
                    transit_router_route_table_id=table_id,
                ),
                opts=on(region),
            )
            alicloud.cen.TransitRouterRouteTablePropagation(
                key,
                alicloud.cen.TransitRouterRouteTablePropagationArgs(
                    transit_router_attachment_id=attachment_id,
                    transit_router_route_table_id=table_id,
                ),
                opts=on(region),
            )

        attachments: dict[str, alicloud.cen.TransitRouterVpcAttachment] = {}
        for vname, v in sorted(args.vpcs.items()):
            attachments[vname] = alicloud.cen.TransitRouterVpcAttachment(
                f"{name}-{vname}",
                alicloud.cen.TransitRouterVpcAttachmentArgs(
                    cen_id=cen_id,
                    transit_router_id=routers[v.region],
                    vpc_id=v.vpc_id,
                    zone_mappings=[
                        alicloud.cen.TransitRouterVpcAttachmentZoneMappingArgs(
                            zone_id=zone, vswitch_id=vsw
                        )
                        for zone, vsw in sorted(v.tr_vswitch_ids.items())
                    ],
                    auto_publish_route_enabled=False,
                    transit_router_vpc_attachment_name=f"{args.display_name}-{vname}",
                ),
                opts=on(v.region),
            )
            associate(f"{name}-{vname}", v.region, attachments[vname].transit_router_attachment_id)

        peers: dict[tuple[str, str], alicloud.cen.TransitRouterPeerAttachment] = {}
        for a, b in combinations(args.regions, 2):
            peers[(a, b)] = alicloud.cen.TransitRouterPeerAttachment(
                f"{name}-{a}-{b}",
                alicloud.cen.TransitRouterPeerAttachmentArgs(
                    cen_id=cen_id,
                    transit_router_id=routers[a],
                    peer_transit_router_id=routers[b],
                    peer_transit_router_region_id=b,
                    bandwidth_type="DataTransfer",
                    bandwidth=args.bandwidth,
                    auto_publish_route_enabled=True,
                    transit_router_peer_attachment_name=f"{args.display_name}-{a}-{b}",
                ),
                opts=on(a),
            )
            for region in (a, b):
                associate(
                    f"{name}-{a}-{b}-at-{region}",
                    region,
                    peers[(a, b)].transit_router_attachment_id,
                )

        def peer_towards(here: str, there: str) -> alicloud.cen.TransitRouterPeerAttachment:
            return peers[(here, there) if here < there else (there, here)]

        for cluster, f in sorted(args.flannel.items()):
            home = args.vpcs[f.vpc].region
            for region in args.regions:
                hop = (
                    attachments[f.vpc].transit_router_attachment_id
                    if region == home
                    else peer_towards(region, home).transit_router_attachment_id
                )
                alicloud.cen.TransitRouterRouteEntry(
                    f"{name}-pod-{cluster}-at-{region}",
                    alicloud.cen.TransitRouterRouteEntryArgs(
                        transit_router_route_table_id=tables[region].transit_router_route_table_id,
                        transit_router_route_entry_destination_cidr_block=f.pod_cidr,
                        transit_router_route_entry_next_hop_type=TR_NEXT_HOP,
                        transit_router_route_entry_next_hop_id=hop,
                        transit_router_route_entry_name=f"{args.display_name}-pod-{cluster}",
                        transit_router_route_entry_description=(
                            f"Flannel pod CIDR of {cluster} (home VPC {f.vpc})"
                        ),
                    ),
                    opts=on(region),
                )

        for vname, v in sorted(args.vpcs.items()):
            for cidr in sorted(args.routes.get(vname, ())):
                key = cidr_key(cidr)
                alicloud.vpc.RouteEntry(
                    f"{name}-{vname}-to-{key}",
                    alicloud.vpc.RouteEntryArgs(
                        route_table_id=v.route_table_id,
                        destination_cidrblock=cidr,
                        nexthop_type=TR_NEXT_HOP,
                        nexthop_id=attachments[vname].transit_router_attachment_id,
                        name=f"{args.display_name}-to-{key}",
                        description="meshfleet: the rest of the fleet over CEN",
                    ),
                    opts=on(v.region),
                )

        self.transit_router_ids = dict(routers)
        self.route_table_ids = {r: t.transit_router_route_table_id for r, t in tables.items()}
        self.vpc_attachment_ids = {
            v: a.transit_router_attachment_id for v, a in attachments.items()
        }
        self.peer_attachment_ids = {
            f"{a}:{b}": p.transit_router_attachment_id for (a, b), p in peers.items()
        }
        self.register_outputs(self._outputs())

    def _outputs(self) -> Mapping[str, Any]:
        return {
            "cen_id": self.cen_id,
            "transit_router_ids": self.transit_router_ids,
            "route_table_ids": self.route_table_ids,
            "vpc_attachment_ids": self.vpc_attachment_ids,
            "peer_attachment_ids": self.peer_attachment_ids,
        }
