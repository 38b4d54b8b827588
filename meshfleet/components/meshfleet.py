"""MeshFleet: the whole fleet from a ``Plan``, one explicit provider per region.

Resource tree (URN nesting follows real dependency)::

    MeshFleet
    ├── alicloud.Provider per region (nothing regional ever uses the default provider)
    ├── Network per VPC ── vpc.Network, vpc.Switch per planned vSwitch
    │   └── AckCluster per cluster of that VPC ── ManagedKubernetes, NodePool, SG rules
    ├── CenBackbone (``cen`` connectivity only)
    ├── Fleet ── ackone.Cluster, MembershipAttachment per cluster
    ├── Mesh ── servicemesh.ServiceMesh (+ Pilot EIP in ``public`` mode)
    └── FleetFeatures (dynamic: the Fleet's mesh feature, endpoint and kubeconfig)

The graph keeps independent work parallel: a cluster waits only on its own vSwitches, never on
another cluster or on CEN. What truly needs private reachability waits for CEN: a Fleet membership
of a cluster outside the Fleet's VPC, and the mesh when a member is outside its VPC (both services
check API-server reachability when a cluster is added).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_alicloud as alicloud

from meshfleet.components.alibaba_api import CREDENTIAL_KEYS
from meshfleet.components.cen import CenBackbone, CenBackboneArgs
from meshfleet.components.cluster import AckCluster, AckClusterArgs
from meshfleet.components.common import raise_problems
from meshfleet.components.fleet import Fleet, FleetArgs
from meshfleet.components.fleet_features import FleetFeatures, FleetFeaturesArgs
from meshfleet.components.kubeconfig import merged_kubeconfig_output
from meshfleet.components.mesh import Mesh, MeshArgs
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
    """Declare ``FleetFeatures`` (Fleet mesh feature, public endpoint in ``public`` mode,
    deletion protection, Fleet kubeconfig) and export the merged kubeconfig. Default True."""

    def problems(self) -> list[Problem]:
        """What the children would refuse, checked before the first resource: every CIDR of
        the plan must be concrete (ids are placeholders here: the plan's own keys)."""
        p = self.plan
        keys = {s.key: s.key for v in p.vpcs.values() for s in v.vswitches}
        out: list[Problem] = []
        for v in p.vpcs.values():
            out += NetworkArgs.from_plan(v).problems()
        for c in p.clusters.values():
            out += AckClusterArgs.from_plan(p, c.name, keys).problems()
        return out


class MeshFleet(pulumi.ComponentResource):
    """Every VPC, vSwitch, ACK cluster, the Fleet, the mesh and (``cen``) the CEN backbone."""

    providers: dict[str, alicloud.Provider]
    networks: dict[str, Network]
    clusters: dict[str, AckCluster]
    cen: CenBackbone | None
    fleet: Fleet
    mesh: Mesh
    features: FleetFeatures | None

    vpc_ids: dict[str, pulumi.Output[str]]
    """VPC ids by VPC name."""
    cluster_ids: dict[str, pulumi.Output[str]]
    """ACK cluster ids by cluster name."""
    fleet_id: pulumi.Output[str]
    """The ACK One Fleet instance id."""
    mesh_id: pulumi.Output[str]
    """The ASM instance id."""
    cen_id: pulumi.Output[str] | None
    """The CEN instance id (None in ``public`` mode)."""
    api_endpoints: dict[str, Any]
    """API server endpoints: ``clusters.<name>.{intranet,internet}``, ``mesh``, ``fleet``."""
    kubeconfigs: dict[str, pulumi.Output[str]]
    """Cluster kubeconfigs by cluster name (secrets)."""
    mesh_kubeconfig: pulumi.Output[str]
    """The ASM instance's kubeconfig (secret)."""
    kubeconfig: pulumi.Output[str] | None
    """One kubeconfig with a Fleet context and a mesh context (secret); None without
    ``fleet_features``."""

    def __init__(self, name: str, args: MeshFleetArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        raise_problems(args.problems())
        super().__init__("meshfleet:index:MeshFleet", name, None, opts)
        plan = args.plan
        public = plan.spec.connectivity == "public"

        credentials = _provider_credentials()
        self.providers = {
            region: alicloud.Provider(
                f"{name}-{region}",
                alicloud.ProviderArgs(
                    region=region, access_key=credentials.get("access_key"),
                    secret_key=credentials.get("secret_key"),
                    security_token=credentials.get("security_token"),
                    profile=credentials.get("profile")),
                opts=pulumi.ResourceOptions(parent=self))
            for region in plan.regions}

        def on(region: str, parent: pulumi.Resource) -> pulumi.ResourceOptions:
            # Explicit regional provider: a multi-region stack must never fall back to the
            # default provider (alicloud:region), which would put the resource in the wrong region.
            return pulumi.ResourceOptions(parent=parent, provider=self.providers[region])

        self.networks = {
            v.name: Network(v.name, NetworkArgs.from_plan(v), opts=on(v.region, self))
            for v in sorted(plan.vpcs.values(), key=lambda v: v.name)}
        vswitch_ids = {k: i for n in self.networks.values() for k, i in n.vswitch_ids.items()}

        self.clusters = {}
        for c in sorted(plan.clusters.values(), key=lambda c: c.name):
            self.clusters[c.name] = AckCluster(
                c.name, AckClusterArgs.from_plan(plan, c.name, vswitch_ids),
                opts=on(c.region, self.networks[c.vpc]))  # nested in its VPC: cannot outlive it

        self.cen = None
        if not public:
            self.cen = CenBackbone(
                f"{name}-cen",
                CenBackboneArgs.from_plan(
                    plan, self.providers, {k: n.vpc_id for k, n in self.networks.items()},
                    {k: n.route_table_id for k, n in self.networks.items()}, vswitch_ids),
                opts=pulumi.ResourceOptions(parent=self))

        cluster_ids = {k: c.cluster_id for k, c in self.clusters.items()}

        def needs_cen(home_vpc: str, members: list[str]) -> list[pulumi.Resource]:
            """CEN, if any of ``members`` lives outside ``home_vpc`` (else nothing to wait on)."""
            far = [m for m in members if plan.clusters[m].vpc != home_vpc]
            return [self.cen] if self.cen is not None and far else []

        self.fleet = Fleet(
            f"{name}-fleet",
            FleetArgs.from_plan(
                plan, self.networks[plan.fleet.vpc].vpc_id, vswitch_ids[plan.fleet.vswitch.key],
                cluster_ids, {c: waits for c in cluster_ids
                              if (waits := needs_cen(plan.fleet.vpc, [c]))}),
            opts=on(plan.fleet.region, self))

        self.mesh = Mesh(
            f"{name}-mesh",
            MeshArgs.from_plan(
                plan, self.networks[plan.mesh.vpc].vpc_id, vswitch_ids[plan.mesh.vswitch.key],
                cluster_ids, needs_cen(plan.mesh.vpc, list(cluster_ids))),
            opts=on(plan.mesh.region, self))

        self.features = None
        self.kubeconfig = None
        fleet_endpoint: pulumi.Output[str] | None = None
        if args.fleet_features:
            self.features = FleetFeatures(
                f"{name}-fleet-features",
                FleetFeaturesArgs.from_plan(plan, self.fleet.fleet_id, self.mesh.mesh_id),
                # The mesh feature needs every cluster joined and the ASM instance in place.
                opts=pulumi.ResourceOptions(
                    parent=self,
                    depends_on=[*self.fleet.memberships.values(), self.mesh.mesh]))
            fleet_endpoint = self.features.apiServerEndpoint
            self.kubeconfig = merged_kubeconfig_output(
                self.features.kubeconfig, self.mesh.kubeconfig,
                fleet_context=plan.spec.fleet.context, mesh_context=plan.spec.mesh.context)

        self.vpc_ids = {k: n.vpc_id for k, n in self.networks.items()}
        self.cluster_ids = cluster_ids
        self.fleet_id = self.fleet.fleet_id
        self.mesh_id = self.mesh.mesh_id
        self.cen_id = self.cen.cen_id if self.cen is not None else None
        self.api_endpoints = {
            "clusters": {k: {"intranet": c.api_server_intranet,
                             "internet": c.api_server_internet}
                         for k, c in self.clusters.items()},
            "mesh": self.mesh.api_server,
            "fleet": fleet_endpoint}
        self.kubeconfigs = {k: c.kubeconfig for k, c in self.clusters.items()}
        self.mesh_kubeconfig = self.mesh.kubeconfig
        self.register_outputs(self.outputs())

    def outputs(self) -> dict[str, Any]:
        """The component's outputs by attribute name (also what ``register_outputs`` got)."""
        return {"vpc_ids": self.vpc_ids, "cluster_ids": self.cluster_ids,
                "fleet_id": self.fleet_id, "mesh_id": self.mesh_id, "cen_id": self.cen_id,
                "api_endpoints": self.api_endpoints, "kubeconfigs": self.kubeconfigs,
                "mesh_kubeconfig": self.mesh_kubeconfig, "kubeconfig": self.kubeconfig}


def _provider_credentials() -> Mapping[str, pulumi.Input[str]]:
    """``alicloud:`` credential settings of the stack, for the explicit providers."""
    config = pulumi.Config("alicloud")
    out: dict[str, pulumi.Input[str]] = {}
    for key, credential in CREDENTIAL_KEYS.items():
        value = config.get_secret(key) if credential.secret else config.get(key)
        if value is not None:
            out[credential.provider_arg] = value
    return out
