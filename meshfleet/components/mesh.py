"""Mesh: the ASM instance (``servicemesh.ServiceMesh``) and one ``MeshMembership`` per cluster.

The mesh lives in its planned VPC on its planned vSwitch; ``network.vswitche_list`` is ONE string
in pulumi_alicloud 4.0.0 (not a list). It is created WITHOUT members and ignores
``cluster_ids``: on any change of that list the provider removes every member and adds them all
again, so membership is one ``MeshMembership`` per cluster (``mesh_membership.py``), added one
after another in name order (ASM adds members one at a time, each followed by a wait for the
mesh to run again). A membership waits for what the caller names per cluster (node pools,
security-group rules, CEN for members outside the mesh's VPC). Deleting the mesh comes after
every membership (each depends on the mesh's id), so the mesh is empty when it is deleted (a mesh
with members cannot be: ErrorPermitted.ClustersNotEmpty).

The spec's one field ``mesh.spec`` sets both ``cluster_spec`` and ``edition`` (standard: Default;
enterprise, ultimate: Pro). The mesh's own security group (``network.security_group_id``, a
computed output) admits the ASM API server (6443) and istiod (15010-15017) from the fleet's
aggregates (``Plan.supernets``), as every cluster's does: sidecars and member API servers in
other VPCs reach them over CEN. In ``public`` connectivity the ASM API server gets a public EIP
and, for members outside the mesh's VPC, Pilot is exposed on its own EIP.

The ASM instance's own kubeconfig is an output of the provider; it is marked secret here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_alicloud as alicloud
import yaml

from meshfleet.components.common import (
    API_SERVER,
    ISTIO_CONTROL_PLANE,
    admit,
    cidr_key,
    cidr_problems,
    raise_problems,
    reported,
)
from meshfleet.components.mesh_membership import MeshMembership, memberships_in_order
from meshfleet.errors import Problem
from meshfleet.layout import Plan
from meshfleet.specmodel import MeshClusterSpec, MeshEdition

#: The provider's defaults (create and update 10, delete 20 minutes) were sized for creating the
#: instance AND adding every member in the same call. Members are separate resources now; these
#: bound the instance itself: create (the provider polls every 60 s until running; Enterprise and
#: Ultimate instances also provision their load balancers), update (a version change runs an
#: in-place control-plane upgrade, UpgradeMeshEditionPartially) and delete (DeleteServiceMesh is
#: retried while RelatedResourceReused/StillInitializing, then polled every 60 s). Estimates
#: with a margin, not measurements: a create that times out leaves a half-made instance behind.
MESH_TIMEOUTS = pulumi.CustomTimeouts(create="30m", update="30m", delete="30m")


def kubeconfig_server(kubeconfig: str | None) -> str | None:
    """The API server URL of a kubeconfig's current context (first cluster as a fallback).

    >>> kubeconfig_server("clusters: [{name: a, cluster: {server: 'https://10.0.0.1:6443'}}]")
    'https://10.0.0.1:6443'
    """
    if not kubeconfig:
        return None
    try:
        doc = yaml.safe_load(kubeconfig)
    except yaml.YAMLError:
        return None
    if not isinstance(doc, dict):
        return None
    clusters = {
        c.get("name"): c.get("cluster", {})
        for c in doc.get("clusters") or []
        if isinstance(c, dict)
    }
    contexts = {
        c.get("name"): c.get("context", {})
        for c in doc.get("contexts") or []
        if isinstance(c, dict)
    }
    current = contexts.get(doc.get("current-context"), {}) or {}
    cluster = clusters.get(current.get("cluster")) or next(iter(clusters.values()), None)
    server = cluster.get("server") if isinstance(cluster, dict) else None
    return str(server) if server else None


@dataclass(frozen=True)
class MeshArgs:
    """Inputs of :class:`Mesh`; :meth:`from_plan` fills them from the plan."""

    display_name: str
    """Cloud-side name of the ASM instance (required)."""
    vpc_id: pulumi.Input[str]
    """The mesh's VPC (required)."""
    vswitch_id: pulumi.Input[str]
    """The mesh's vSwitch: ONE id (``vswitche_list`` is a string in the provider) (required)."""
    region: str
    """The mesh's region: its memberships call that region's ASM endpoint (required)."""
    cluster_ids: Mapping[str, pulumi.Input[str]]
    """Member ACK cluster ids keyed by cluster name; one MeshMembership each, added in name
    order (required)."""
    cluster_spec: MeshClusterSpec
    """ASM spec: ``standard``, ``enterprise`` or ``ultimate`` (required)."""
    edition: MeshEdition
    """ASM edition: ``Default`` or ``Pro`` (required)."""
    version: str | None
    """ASM version, the plan's (spec, lock or chosen: ``Plan.versions``); None: the provider's,
    which drifts (Optional, not Computed) (required)."""
    public_api_server: bool
    """Expose the ASM API server on a public EIP (``public`` connectivity only) (required)."""
    public_pilot: bool
    """Expose Istio Pilot on a new EIP so sidecars in other VPCs reach it without CEN
    (``public`` connectivity, from the first up: binding it later, when the first member outside
    the mesh's VPC joins, is a destructive update of the mesh's load balancer) (required)."""
    member_depends_on: Mapping[str, Sequence[pulumi.Resource]] = field(default_factory=dict)
    """Per cluster name: what must exist before that cluster joins (its node pools and
    security-group rules; CEN when it lives outside the mesh's VPC). Default: nothing."""
    peer_cidrs: Mapping[str, str] = field(default_factory=dict)
    """Private CIDRs of the fleet the mesh's security group admits on the API-server and istiod
    ports, keyed by a stable name fragment (``Plan.supernets``). Default: none."""

    @classmethod
    def from_plan(
        cls,
        plan: Plan,
        vpc_id: pulumi.Input[str],
        vswitch_id: pulumi.Input[str],
        cluster_ids: Mapping[str, pulumi.Input[str]],
        member_depends_on: Mapping[str, Sequence[pulumi.Resource]] | None = None,
    ) -> MeshArgs:
        """The arguments for ``plan``'s ASM instance, in its VPC ``vpc_id`` on its planned
        vSwitch."""
        mesh, public = plan.spec.mesh, plan.spec.connectivity == "public"
        return cls(
            mesh.name,
            vpc_id,
            vswitch_id,
            plan.mesh.region,
            cluster_ids,
            mesh.cluster_spec,
            mesh.edition,
            plan.versions.mesh or mesh.version,
            public_api_server=public,
            public_pilot=public,
            member_depends_on=dict(member_depends_on or {}),
            peer_cidrs={cidr_key(s): s for s in plan.supernets},
        )

    def problems(self) -> list[Problem]:
        out = []
        if not self.cluster_ids:
            out.append(Problem("mesh.clusters", [], "needs at least one member cluster"))
        if isinstance(self.vswitch_id, (list, tuple)):
            out.append(
                Problem(
                    "mesh.vswitch_id",
                    self.vswitch_id,
                    "must be ONE vSwitch id (vswitche_list is a string)",
                )
            )
        extra = sorted(set(self.member_depends_on) - set(self.cluster_ids))
        if extra:
            out.append(
                Problem("mesh.member_depends_on", extra, "names clusters that are not members")
            )
        for key, cidr in self.peer_cidrs.items():
            out += cidr_problems(f"mesh.peerCidrs.{key}", cidr)
        return out


class Mesh(pulumi.ComponentResource):
    """``servicemesh.ServiceMesh`` (no members of its own), one ``MeshMembership`` per cluster
    in name order, and the rules admitting the fleet on the mesh's security group."""

    mesh: alicloud.servicemesh.ServiceMesh
    pilot_eip: alicloud.ecs.EipAddress | None
    memberships: dict[str, MeshMembership]
    """Memberships by cluster name."""
    membership_ids: dict[str, pulumi.Output[str]]
    """Membership ids (``<mesh id>:<cluster id>``) by cluster name."""
    security_rules: list[alicloud.ecs.SecurityGroupRule]
    mesh_id: pulumi.Output[str]
    """The ASM instance id."""
    kubeconfig: pulumi.Output[str]
    """The ASM instance's kubeconfig (secret)."""
    api_server: pulumi.Output[str | None]
    """The ASM API server URL, read from its kubeconfig."""

    def __init__(
        self, name: str, args: MeshArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        raise_problems(args.problems())
        super().__init__("meshfleet:mesh:Mesh", name, None, opts)
        self.pilot_eip = None
        if args.public_pilot:
            self.pilot_eip = alicloud.ecs.EipAddress(
                f"{name}-pilot",
                alicloud.ecs.EipAddressArgs(
                    address_name=f"{args.display_name}-pilot",
                    bandwidth="10",
                    internet_charge_type="PayByTraffic",
                    payment_type="PayAsYouGo",
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
        mesh_opts = pulumi.ResourceOptions(
            parent=self,
            custom_timeouts=MESH_TIMEOUTS,
            # The kubeconfig output carries credentials; the provider does not mark it secret.
            additional_secret_outputs=["kubeconfig"],
            # Members are MeshMembership resources: a mesh created before them (or by an older
            # meshfleet, with every member listed) must never send its cluster_ids again.
            ignore_changes=["clusterIds"],
        )
        self.mesh = alicloud.servicemesh.ServiceMesh(
            name,
            alicloud.servicemesh.ServiceMeshArgs(
                service_mesh_name=args.display_name,
                network=alicloud.servicemesh.ServiceMeshNetworkArgs(
                    vpc_id=args.vpc_id, vswitche_list=args.vswitch_id
                ),
                cluster_spec=args.cluster_spec,
                edition=args.edition,
                version=args.version,
                load_balancer=alicloud.servicemesh.ServiceMeshLoadBalancerArgs(
                    api_server_public_eip=args.public_api_server,
                    pilot_public_eip_id=self.pilot_eip.id if self.pilot_eip else None,
                ),
            ),
            opts=mesh_opts,
        )
        group = self.mesh.network.apply(
            lambda n: reported(
                n.security_group_id,
                "the ASM instance's network.securityGroupId",
                "the rules admitting the fleet",
            )
        )
        self.security_rules = [
            rule
            for ports in (API_SERVER, ISTIO_CONTROL_PLANE)
            for rule in admit(name, group, args.peer_cidrs, ports, self)
        ]
        # After the mesh's rules, so that sidecars reach istiod once a member joins.
        self.memberships = memberships_in_order(
            name,
            self.mesh.id,
            args.region,
            args.cluster_ids,
            {
                c: [*args.member_depends_on.get(c, ()), *self.security_rules]
                for c in args.cluster_ids
            },
            self,
        )
        self.membership_ids = {k: m.id for k, m in self.memberships.items()}
        self.mesh_id = self.mesh.id
        self.kubeconfig = pulumi.Output.secret(self.mesh.kubeconfig)
        self.api_server = pulumi.Output.unsecret(self.mesh.kubeconfig.apply(kubeconfig_server))
        self.register_outputs(self._outputs())

    def _outputs(self) -> Mapping[str, Any]:
        return {
            "mesh_id": self.mesh_id,
            "kubeconfig": self.kubeconfig,
            "api_server": self.api_server,
            "membership_ids": self.membership_ids,
        }
