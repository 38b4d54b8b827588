"""Mesh: the ASM instance (``servicemesh.ServiceMesh``) managing every cluster of the fleet.

The mesh lives in its planned VPC on its planned vSwitch; ``network.vswitche_list`` is ONE string
in pulumi_alicloud 4.0.0 (not a list). Members may sit in other VPCs and regions: ASM then needs
private reachability both ways (sidecars -> Pilot, ASM -> member API servers), which ``MeshFleet``
provides with CEN and expresses as ``depends_on``. In ``public`` connectivity the ASM API server
gets a public EIP and, for members outside the mesh's VPC, Pilot is exposed on its own EIP.

The ASM instance's own kubeconfig is an output of the provider; it is marked secret here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_alicloud as alicloud
import yaml

from meshfleet.components.common import raise_problems
from meshfleet.errors import Problem
from meshfleet.layout import Plan
from meshfleet.specmodel import MeshClusterSpec, MeshEdition


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
    clusters = {c.get("name"): c.get("cluster", {}) for c in doc.get("clusters") or []
                if isinstance(c, dict)}
    contexts = {c.get("name"): c.get("context", {}) for c in doc.get("contexts") or []
                if isinstance(c, dict)}
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
    cluster_ids: Mapping[str, pulumi.Input[str]]
    """Member ACK cluster ids keyed by cluster name; listed in name order (required)."""
    cluster_spec: MeshClusterSpec
    """ASM spec: ``standard``, ``enterprise`` or ``ultimate`` (required)."""
    edition: MeshEdition
    """ASM edition: ``Default`` or ``Pro`` (required)."""
    version: str | None
    """ASM version; None: the provider's (required)."""
    public_api_server: bool
    """Expose the ASM API server on a public EIP (``public`` connectivity only) (required)."""
    public_pilot: bool
    """Expose Istio Pilot on a new EIP so sidecars in other VPCs reach it without CEN
    (``public`` connectivity with members outside the mesh's VPC) (required)."""
    depends_on: Sequence[pulumi.Resource] = ()
    """What must exist before members are added: the private routes from the mesh's VPC to
    every member's (CEN). Default: nothing."""

    @classmethod
    def from_plan(cls, plan: Plan, vpc_id: pulumi.Input[str], vswitch_id: pulumi.Input[str],
                  cluster_ids: Mapping[str, pulumi.Input[str]],
                  depends_on: Sequence[pulumi.Resource] = ()) -> MeshArgs:
        """The arguments for ``plan``'s ASM instance, in its VPC ``vpc_id`` on its planned
        vSwitch."""
        mesh, public = plan.spec.mesh, plan.spec.connectivity == "public"
        return cls(mesh.name, vpc_id, vswitch_id, cluster_ids, mesh.cluster_spec, mesh.edition,
                   mesh.version, public_api_server=public,
                   public_pilot=public and any(c.vpc != mesh.vpc for c in plan.clusters.values()),
                   depends_on=depends_on)

    def problems(self) -> list[Problem]:
        out = []
        if not self.cluster_ids:
            out.append(Problem("mesh.clusters", [], "needs at least one member cluster"))
        if isinstance(self.vswitch_id, (list, tuple)):
            out.append(Problem("mesh.vswitch_id", self.vswitch_id,
                               "must be ONE vSwitch id (vswitche_list is a string)"))
        return out


class Mesh(pulumi.ComponentResource):
    """``servicemesh.ServiceMesh`` with every fleet cluster as a member."""

    mesh: alicloud.servicemesh.ServiceMesh
    pilot_eip: alicloud.ecs.EipAddress | None
    mesh_id: pulumi.Output[str]
    """The ASM instance id."""
    kubeconfig: pulumi.Output[str]
    """The ASM instance's kubeconfig (secret)."""
    api_server: pulumi.Output[str | None]
    """The ASM API server URL, read from its kubeconfig."""

    def __init__(self, name: str, args: MeshArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        raise_problems(args.problems())
        super().__init__("meshfleet:mesh:Mesh", name, None, opts)
        self.pilot_eip = None
        if args.public_pilot:
            self.pilot_eip = alicloud.ecs.EipAddress(
                f"{name}-pilot",
                alicloud.ecs.EipAddressArgs(
                    address_name=f"{args.display_name}-pilot", bandwidth="10",
                    internet_charge_type="PayByTraffic", payment_type="PayAsYouGo"),
                opts=pulumi.ResourceOptions(parent=self))
        mesh_opts = pulumi.ResourceOptions(
            parent=self,
            # The kubeconfig output carries credentials; the provider does not mark it secret.
            additional_secret_outputs=["kubeconfig"])
        if args.depends_on:
            # ASM checks member reachability when it adds them: wait for the private routes.
            mesh_opts = pulumi.ResourceOptions.merge(
                mesh_opts, pulumi.ResourceOptions(depends_on=list(args.depends_on)))
        self.mesh = alicloud.servicemesh.ServiceMesh(
            name,
            alicloud.servicemesh.ServiceMeshArgs(
                service_mesh_name=args.display_name,
                network=alicloud.servicemesh.ServiceMeshNetworkArgs(
                    vpc_id=args.vpc_id, vswitche_list=args.vswitch_id),
                cluster_ids=[args.cluster_ids[k] for k in sorted(args.cluster_ids)],
                cluster_spec=args.cluster_spec,
                edition=args.edition,
                version=args.version,
                load_balancer=alicloud.servicemesh.ServiceMeshLoadBalancerArgs(
                    api_server_public_eip=args.public_api_server,
                    pilot_public_eip_id=self.pilot_eip.id if self.pilot_eip else None)),
            opts=mesh_opts)
        self.mesh_id = self.mesh.id
        self.kubeconfig = pulumi.Output.secret(self.mesh.kubeconfig)
        self.api_server = pulumi.Output.unsecret(self.mesh.kubeconfig.apply(kubeconfig_server))
        self.register_outputs(self._outputs())

    def _outputs(self) -> Mapping[str, Any]:
        return {"mesh_id": self.mesh_id, "kubeconfig": self.kubeconfig,
                "api_server": self.api_server}
