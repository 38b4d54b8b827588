"""MeshFleet: the whole fleet from a ``Plan``, one explicit provider per region.

Resource tree (URN nesting follows real dependency)::

    MeshFleet
    ├── alicloud.Provider per region (nothing regional ever uses the default provider)
    ├── PoolReservations (``ipam``) ── vpc.IpamIpamPoolAllocation per Flannel pod and Service
    │                                   CIDR, in its pool's region (each cluster waits on its own)
    ├── Network per VPC ── vpc.Network (an existing VPC: ExistingVpc, which creates nothing),
    │   │                   vpc.Switch per planned vSwitch, NAT gateway + EIP +
    │   │                   SNAT entry per node/pod vSwitch (``natGateway``)
    │   ├── AckCluster per cluster of that VPC ── ManagedKubernetes, NodePools (system first),
    │   │                                          AutoscalingConfig, SG rules
    │   └── ExistingCluster per existing cluster (``clusters.<name>.id``): nothing of its own;
    │       its id joins the Fleet, the mesh and CEN below
    ├── CenBackbone (``cen`` connectivity only; ``cen.id``: the existing instance and its
    │                transit routers, new ones only in regions it lacks)
    ├── Fleet ── ackone.Cluster, SG rules, MembershipAttachment per cluster (one at a time)
    ├── Mesh ── servicemesh.ServiceMesh (no members of its own), SG rules, MeshMembership per
    │           cluster (one at a time) (+ Pilot EIP in ``public`` mode)   [mesh mode standalone]
    ├── MeshMembership per cluster, on the Fleet's own mesh                   [mesh mode fleet]
    └── FleetFeatures (dynamic: the Fleet's mesh in mode fleet, endpoint, deletion protection,
                       kubeconfig)

The graph keeps independent work parallel: a cluster waits only on its own vSwitches and their
SNAT entries, never on another cluster or on CEN. What truly needs private reachability waits for
CEN: a Fleet membership and a mesh membership of a cluster outside the Fleet's (mesh's) VPC (both
services check API-server reachability when a cluster is added). Memberships of one Fleet or one
mesh are added one after another in name order: both services run one membership change at a
time and wait for the Fleet (mesh) to be running again between them.

Destroy runs in reverse: memberships before the mesh and the Fleet (each depends on their id),
SNAT entries before the NAT gateway, clusters before their vSwitches. Deletion protection of
clusters and the Fleet is switched off through the spec first (README, "Day 2 and destroy").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_alicloud as alicloud

from meshfleet.components.cen import CenBackbone, CenBackboneArgs
from meshfleet.components.cluster import AckCluster, AckClusterArgs
from meshfleet.components.common import raise_problems, regional_provider_args
from meshfleet.components.existing_cluster import ExistingClusterArgs, ExistingClusterResource
from meshfleet.components.fleet import Fleet, FleetArgs
from meshfleet.components.fleet_features import FleetFeatures, FleetFeaturesArgs
from meshfleet.components.ipam import PoolReservations, PoolReservationsArgs
from meshfleet.components.kubeconfig import fleet_kubeconfig_output, merged_kubeconfig_output
from meshfleet.components.mesh import Mesh, MeshArgs
from meshfleet.components.mesh_membership import MeshMembership, memberships_in_order
from meshfleet.components.network import Network, NetworkArgs
from meshfleet.errors import Problem
from meshfleet.layout import Plan


@dataclass(frozen=True)
class MeshFleetArgs:
    """Inputs of :class:`MeshFleet`."""

    plan: Plan
    """The planned fleet: spec + every CIDR, route and name (required). Plan it with
    ``meshfleet.pipeline.plan_stack`` (or ``meshfleet.planner.plan`` and the stack's lock) so
    nothing that exists is renumbered."""
    fleet_features: bool = True
    """Declare ``FleetFeatures`` (the Fleet's own mesh in mesh mode ``fleet``, public endpoint
    in ``public`` mode, deletion protection, Fleet kubeconfig) and export the merged kubeconfig.
    Default True; mesh mode ``fleet`` needs it."""

    def problems(self) -> list[Problem]:
        """What the children would refuse, checked before the first resource: every CIDR of
        the plan must be concrete (ids are placeholders here: the plan's own keys)."""
        p = self.plan
        keys = {s.key: s.key for v in p.vpcs.values() for s in v.vswitches}
        out: list[Problem] = []
        for v in p.vpcs.values():
            out += NetworkArgs.from_plan(v).problems()
        if p.ipam is not None:
            out += PoolReservationsArgs.from_plan(p.ipam).problems()
        for c in p.clusters.values():
            if c.existing is None:  # an existing cluster: nothing of its own is declared
                out += AckClusterArgs.from_plan(p, c.name, keys).problems()
        if p.spec.mesh.mode == "fleet" and not self.fleet_features:
            out.append(
                Problem(
                    "mesh.mode",
                    "fleet",
                    "needs fleet_features: the Fleet's own mesh is switched on by FleetFeatures",
                )
            )
        return out


class MeshFleet(pulumi.ComponentResource):
    """Every VPC, vSwitch, ACK cluster, the Fleet, the mesh and (``cen``) the CEN backbone."""

    providers: dict[str, alicloud.Provider]
    networks: dict[str, Network]
    reservations: PoolReservations | None
    """The IPAM custom allocations of pod and Service CIDRs (``ipam``), else None."""
    clusters: dict[str, AckCluster | ExistingClusterResource]
    """By cluster name: a new cluster (AckCluster), or an existing one (``clusters.<name>.id``)
    that only its attachments (Fleet, mesh, CEN) refer to."""
    cen: CenBackbone | None
    fleet: Fleet
    mesh: Mesh | None
    """The standalone ASM instance (None in mesh mode ``fleet``)."""
    mesh_memberships: dict[str, MeshMembership]
    """Mesh memberships by cluster name (of the standalone mesh or of the Fleet's own)."""
    features: FleetFeatures | None

    vpc_ids: dict[str, pulumi.Output[str]]
    """VPC ids by VPC name."""
    cluster_ids: dict[str, pulumi.Output[str]]
    """ACK cluster ids by cluster name."""
    fleet_id: pulumi.Output[str]
    """The ACK One Fleet instance id."""
    mesh_id: pulumi.Output[str] | None
    """The ASM instance id (in mesh mode ``fleet``, the one the Fleet reports)."""
    cen_id: pulumi.Output[str] | None
    """The CEN instance id (None in ``public`` mode)."""
    api_endpoints: dict[str, Any]
    """API server endpoints: ``clusters.<name>.{intranet,internet}``, ``mesh``, ``fleet``."""
    kubeconfigs: dict[str, pulumi.Output[str]]
    """Cluster kubeconfigs by cluster name (secrets)."""
    mesh_kubeconfig: pulumi.Output[str] | None
    """The ASM instance's kubeconfig (secret); None in mesh mode ``fleet``."""
    kubeconfig: pulumi.Output[str] | None
    """One kubeconfig with a Fleet context and a mesh context (secret); None without
    ``fleet_features``."""

    def __init__(
        self, name: str, args: MeshFleetArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        raise_problems(args.problems())
        super().__init__("meshfleet:index:MeshFleet", name, None, opts)
        plan = args.plan
        public = plan.spec.connectivity == "public"

        # The VPCs' regions, and (ipam) the regions of the pools custom allocations are made in.
        regions = {
            *plan.regions,
            *(r.region for r in (plan.ipam.reservations if plan.ipam is not None else ())),
        }
        self.providers = {
            region: alicloud.Provider(
                f"{name}-{region}",
                regional_provider_args(region),
                opts=pulumi.ResourceOptions(parent=self),
            )
            for region in sorted(regions)
        }

        def on(region: str, parent: pulumi.Resource) -> pulumi.ResourceOptions:
            # Explicit regional provider: a multi-region stack must never fall back to the
            # default provider (alicloud:region), which would put the resource in the wrong region.
            return pulumi.ResourceOptions(parent=parent, provider=self.providers[region])

        vpc_pools = plan.ipam.vpc_pools if plan.ipam is not None else {}
        owner = plan.ipam.owner if plan.ipam is not None else None
        self.networks = {
            v.name: Network(
                v.name,
                NetworkArgs.from_plan(v, vpc_pools.get(v.name), owner),
                opts=on(v.region, self),
            )
            for v in sorted(plan.vpcs.values(), key=lambda v: v.name)
        }
        self.reservations = None
        if plan.ipam is not None and plan.ipam.reservations:
            self.reservations = PoolReservations(
                f"{name}-ipam",
                PoolReservationsArgs.from_plan(plan.ipam),
                self.providers,
                opts=pulumi.ResourceOptions(parent=self),
            )
        vswitch_ids = {k: i for n in self.networks.values() for k, i in n.vswitch_ids.items()}
        # An existing cluster's node vSwitches (``existing:<id>``) are known by their id.
        vswitch_ids.update(
            {
                s.key: pulumi.Output.from_input(s.name)
                for c in plan.clusters.values()
                if c.existing
                for s in c.node_vswitches
            }
        )
        snat = {k: e for n in self.networks.values() for k, e in n.snat_entries.items()}

        self.clusters = {}
        for c in sorted(plan.clusters.values(), key=lambda c: c.name):
            if c.existing is not None:
                self.clusters[c.name] = ExistingClusterResource(
                    c.name,
                    ExistingClusterArgs.from_plan(plan, c.name),
                    opts=on(c.region, self.networks[c.vpc]),
                )
                continue
            egress = [snat[s.key] for s in (*c.node_vswitches, *c.pod_vswitches) if s.key in snat]
            self.clusters[c.name] = AckCluster(
                c.name,
                AckClusterArgs.from_plan(
                    plan,
                    c.name,
                    vswitch_ids,
                    egress,
                    self.reservations.of_cluster(c.name) if self.reservations else (),
                ),
                opts=on(c.region, self.networks[c.vpc]),
            )  # nested in its VPC: cannot outlive it

        self.cen = None
        if not public:
            self.cen = CenBackbone(
                f"{name}-cen",
                CenBackboneArgs.from_plan(
                    plan,
                    self.providers,
                    {k: n.vpc_id for k, n in self.networks.items()},
                    {k: n.route_table_id for k, n in self.networks.items()},
                    vswitch_ids,
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )

        cluster_ids = {k: c.cluster_id for k, c in self.clusters.items()}

        def needs_cen(home_vpc: str, members: list[str]) -> list[pulumi.Resource]:
            """CEN, if any of ``members`` lives outside ``home_vpc`` (else nothing to wait on)."""
            far = [m for m in members if plan.clusters[m].vpc != home_vpc]
            return [self.cen] if self.cen is not None and far else []

        self.fleet = Fleet(
            f"{name}-fleet",
            FleetArgs.from_plan(
                plan,
                self.networks[plan.fleet.vpc].vpc_id,
                vswitch_ids[plan.fleet.vswitch.key],
                cluster_ids,
                {c: waits for c in cluster_ids if (waits := needs_cen(plan.fleet.vpc, [c]))},
            ),
            opts=on(plan.fleet.region, self),
        )

        self.features = None
        if args.fleet_features:
            self.features = FleetFeatures(
                f"{name}-fleet-features",
                FleetFeaturesArgs.from_plan(plan, self.fleet.fleet_id),
                # After every attach: the Fleet runs one change at a time.
                opts=pulumi.ResourceOptions(
                    parent=self, depends_on=list(self.fleet.memberships.values())
                ),
            )

        # A member joins once its nodes and rules exist, and over CEN when it is far away.
        mesh_vpc = plan.mesh.vpc if plan.spec.mesh.mode == "standalone" else plan.fleet.vpc
        joins = {
            k: [*c.node_pools.values(), *c.security_rules, *needs_cen(mesh_vpc, [k])]
            for k, c in self.clusters.items()
        }
        self.mesh, self.kubeconfig, self.mesh_kubeconfig = None, None, None
        if plan.spec.mesh.mode == "standalone":
            self.mesh = Mesh(
                f"{name}-mesh",
                MeshArgs.from_plan(
                    plan,
                    self.networks[plan.mesh.vpc].vpc_id,
                    vswitch_ids[plan.mesh.vswitch.key],
                    cluster_ids,
                    joins,
                ),
                opts=on(plan.mesh.region, self),
            )
            self.mesh_memberships = self.mesh.memberships
            self.mesh_id, self.mesh_kubeconfig = self.mesh.mesh_id, self.mesh.kubeconfig
            if self.features is not None:
                self.kubeconfig = merged_kubeconfig_output(
                    self.features.kubeconfig,
                    self.mesh.kubeconfig,
                    fleet_context=plan.spec.fleet.context,
                    mesh_context=plan.spec.mesh.context,
                )
        else:
            assert self.features is not None  # MeshFleetArgs.problems() refuses it otherwise
            # The Fleet's own mesh, as the Fleet reports it; a member it added itself is
            # adopted. Each joins after its Fleet attach (the Fleet is busy until then).
            self.mesh_memberships = memberships_in_order(
                f"{name}-mesh",
                self.features.boundMeshId,
                plan.fleet.region,
                cluster_ids,
                {k: [*w, self.fleet.memberships[k]] for k, w in joins.items()},
                self,
            )
            self.mesh_id = self.features.boundMeshId
            self.kubeconfig = fleet_kubeconfig_output(
                self.features.kubeconfig, fleet_context=plan.spec.fleet.context
            )
        fleet_endpoint = self.features.apiServerEndpoint if self.features is not None else None

        self.vpc_ids = {k: n.vpc_id for k, n in self.networks.items()}
        self.cluster_ids = cluster_ids
        self.fleet_id = self.fleet.fleet_id
        self.cen_id = self.cen.cen_id if self.cen is not None else None
        self.api_endpoints = {
            "clusters": {
                k: {"intranet": c.api_server_intranet, "internet": c.api_server_internet}
                for k, c in self.clusters.items()
            },
            "mesh": self.mesh.api_server if self.mesh is not None else None,
            "fleet": fleet_endpoint,
        }
        self.kubeconfigs = {k: c.kubeconfig for k, c in self.clusters.items()}
        self.register_outputs(self.outputs())

    def outputs(self) -> dict[str, Any]:
        """The component's outputs by attribute name (also what ``register_outputs`` got)."""
        return {
            "vpc_ids": self.vpc_ids,
            "cluster_ids": self.cluster_ids,
            "fleet_id": self.fleet_id,
            "mesh_id": self.mesh_id,
            "cen_id": self.cen_id,
            "api_endpoints": self.api_endpoints,
            "kubeconfigs": self.kubeconfigs,
            "mesh_kubeconfig": self.mesh_kubeconfig,
            "kubeconfig": self.kubeconfig,
        }
