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

from meshfleet.components.cen import CenBackbone, CenBackboneArgs, CenVpc, FlannelRoute, cidr_key
from meshfleet.components.cluster import AckCluster, AckClusterArgs
from meshfleet.components.fleet import Fleet, FleetArgs
from meshfleet.components.fleet_features import FleetFeatures, FleetFeaturesArgs
from meshfleet.components.kubeconfig import context_name_problems, merged_kubeconfig_output
from meshfleet.components.mesh import Mesh, MeshArgs
from meshfleet.components.network import Network, NetworkArgs, raise_problems
from meshfleet.errors import Problem
from meshfleet.planner import Plan
from meshfleet.routes import all_summary_routes, fleet_supernets
from meshfleet.spec import CONNECTIVITY

#: Provider settings copied from the stack config (``alicloud:<key>``) into every explicit
#: provider: explicit providers do not read the ``alicloud:`` config as the default one does.
CREDENTIAL_KEYS = {"accessKey": "access_key", "secretKey": "secret_key",
                   "securityToken": "security_token", "profile": "profile"}


@dataclass(frozen=True)
class MeshFleetArgs:
    """Inputs of :class:`MeshFleet`."""

    plan: Plan
    """The planned fleet: spec + every CIDR (required). Plan it with ``meshfleet.planner.plan``
    and the stack's lock so nothing that exists is renumbered."""
    fleet_features: bool = True
    """Declare ``FleetFeatures`` (Fleet mesh feature, public endpoint in ``public`` mode,
    deletion protection, Fleet kubeconfig) and export the merged kubeconfig. Default True."""

    @property
    def public(self) -> bool:
        """``public`` connectivity: public endpoints instead of CEN."""
        return self.plan.spec.connectivity == "public"

    @property
    def fleet_context(self) -> str:
        """Context name of the Fleet in the merged kubeconfig."""
        return self.plan.spec.fleet.context or self.fleet_name

    @property
    def mesh_context(self) -> str:
        """Context name of the ASM instance in the merged kubeconfig."""
        return self.plan.spec.mesh.context or self.mesh_name

    @property
    def fleet_name(self) -> str:
        """Cloud-side name of the Fleet instance."""
        return self.plan.spec.fleet.name or f"{self.plan.spec.name}-fleet"

    @property
    def mesh_name(self) -> str:
        """Cloud-side name of the ASM instance."""
        return self.plan.spec.mesh.name or f"{self.plan.spec.name}-mesh"

    def peer_cidrs(self, cluster: str) -> dict[str, str]:
        """What ``cluster``'s security group admits: the aggregates covering every VPC and
        Flannel pod CIDR of the fleet (CEN mode; O(pools) rules, not O(clusters)); nothing in
        ``public`` mode (no private path)."""
        if self.public:
            return {}
        return {cidr_key(c): c for c in fleet_supernets(self.plan)}

    def problems(self) -> list[Problem]:
        """Everything the children would refuse, checked before the first resource."""
        p = self.plan
        out: list[Problem] = []
        if p.spec.connectivity not in CONNECTIVITY:
            out.append(Problem("connectivity", p.spec.connectivity,
                               f"is not a connectivity mode; allowed: {', '.join(CONNECTIVITY)}"))
        for v in p.vpcs.values():
            out += NetworkArgs(v, p.spec.name).problems()
        concrete = not out  # the aggregates below are computed from the VPC CIDRs
        for c in p.clusters.values():
            out += AckClusterArgs(c, [s.key for s in c.node_vswitches],
                                  [s.key for s in c.pod_vswitches], p.spec.name,
                                  peer_cidrs=self.peer_cidrs(c.name) if concrete else {}
                                  ).problems()
        if not self.public:
            for v in p.vpcs.values():
                if len(v.by_role("transit-router")) < 2:
                    out.append(Problem(f"vpcs.{v.name}.transitRouterZones",
                                       [s.zone for s in v.by_role("transit-router")],
                                       "needs transit-router vSwitches in two zones for CEN"))
        if self.fleet_features:
            out += context_name_problems(self.fleet_context, self.mesh_context)
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
        plan, spec = args.plan, args.plan.spec

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
            v.name: Network(v.name, NetworkArgs(v, spec.name), opts=on(v.region, self))
            for v in sorted(plan.vpcs.values(), key=lambda v: v.name)}

        self.clusters = {}
        for c in sorted(plan.clusters.values(), key=lambda c: c.name):
            net = self.networks[c.vpc]
            self.clusters[c.name] = AckCluster(
                c.name,
                AckClusterArgs(
                    plan=c,
                    node_vswitch_ids=net.ids([s.key for s in c.node_vswitches]),
                    pod_vswitch_ids=net.ids([s.key for s in c.pod_vswitches]),
                    display_prefix=spec.name,
                    public_api_server=args.public,
                    peer_cidrs=args.peer_cidrs(c.name)),
                opts=on(c.region, net))  # nested in its VPC: it cannot outlive it

        self.cen = None
        if not args.public:
            self.cen = CenBackbone(
                f"{name}-cen",
                CenBackboneArgs(
                    display_name=spec.name,
                    home_region=plan.fleet.region,
                    providers=self.providers,
                    vpcs={v.name: CenVpc(
                        region=v.region, cidr=v.cidr, vpc_id=self.networks[v.name].vpc_id,
                        route_table_id=self.networks[v.name].route_table_id,
                        tr_vswitch_ids={s.zone: self.networks[v.name].vswitch_ids[s.key]
                                        for s in v.by_role("transit-router")})
                        for v in plan.vpcs.values()},
                    flannel={c.name: FlannelRoute(c.vpc, c.pod_cidr)
                             for c in plan.clusters.values() if c.pod_cidr},
                    routes=all_summary_routes(plan),
                    bandwidth=spec.cen_bandwidth),
                opts=pulumi.ResourceOptions(parent=self))

        cluster_ids = {k: c.cluster_id for k, c in self.clusters.items()}

        def needs_cen(home_vpc: str, members: list[str]) -> list[pulumi.Resource]:
            """CEN, if any of ``members`` lives outside ``home_vpc`` (else nothing to wait on)."""
            far = [m for m in members if plan.clusters[m].vpc != home_vpc]
            return [self.cen] if self.cen is not None and far else []

        fleet_net = self.networks[plan.fleet.vpc]
        self.fleet = Fleet(
            f"{name}-fleet",
            FleetArgs(
                display_name=args.fleet_name,
                vpc_id=fleet_net.vpc_id,
                vswitch_ids=[fleet_net.vswitch_ids[plan.fleet.vswitch.key]],
                cluster_ids=cluster_ids,
                profile=spec.fleet.profile,
                argocd=spec.fleet.argocd,
                member_depends_on={c: waits for c in cluster_ids
                                   if (waits := needs_cen(plan.fleet.vpc, [c]))}),
            opts=on(plan.fleet.region, self))

        mesh_net = self.networks[plan.mesh.vpc]
        self.mesh = Mesh(
            f"{name}-mesh",
            MeshArgs(
                display_name=args.mesh_name,
                vpc_id=mesh_net.vpc_id,
                vswitch_id=mesh_net.vswitch_ids[plan.mesh.vswitch.key],
                cluster_ids=cluster_ids,
                cluster_spec=spec.mesh.cluster_spec,
                edition=spec.mesh.edition,
                version=spec.mesh.version,
                public_api_server=args.public,
                public_pilot=args.public and any(c.vpc != plan.mesh.vpc
                                                 for c in plan.clusters.values()),
                depends_on=needs_cen(plan.mesh.vpc, list(cluster_ids))),
            opts=on(plan.mesh.region, self))

        self.features = None
        self.kubeconfig = None
        fleet_endpoint: pulumi.Output[str] | None = None
        if args.fleet_features:
            self.features = FleetFeatures(
                f"{name}-fleet-features",
                FleetFeaturesArgs(
                    fleet_id=self.fleet.fleet_id, region=plan.fleet.region,
                    mesh_id=self.mesh.mesh_id, enable_mesh=True,
                    public_api_server=args.public,
                    deletion_protection=plan.spec.fleet.deletion_protection),
                # The mesh feature needs every cluster joined and the ASM instance in place.
                opts=pulumi.ResourceOptions(
                    parent=self,
                    depends_on=[*self.fleet.memberships.values(), self.mesh.mesh]))
            fleet_endpoint = self.features.apiServerEndpoint
            self.kubeconfig = merged_kubeconfig_output(
                self.features.kubeconfig, self.mesh.kubeconfig,
                fleet_context=args.fleet_context, mesh_context=args.mesh_context)

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
    for key, arg in CREDENTIAL_KEYS.items():
        secret = key != "profile"
        value = config.get_secret(key) if secret else config.get(key)
        if value is not None:
            out[arg] = value
    return out
