"""AckCluster: one ACK managed cluster, its worker node pool and its kubeconfig.

Everything network-shaped comes from the plan (``ClusterPlan``): Flannel clusters get an explicit
``pod_cidr``, ``service_cidr`` and ``node_cidr_mask`` (always explicit: the provider documents 24,
the API defaults to 26 when omitted); Terway clusters get their pod vSwitches and the
``terway-eniip`` addon. Both CNIs are immutable after creation, so nothing here is left to a
provider default that could differ between a preview and the cloud.

A cluster waits only on its own vSwitches: never on another cluster, never on CEN.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_alicloud as alicloud

from meshfleet.components.common import cidr_key, cidr_problems, raise_problems
from meshfleet.errors import Problem
from meshfleet.layout import Plan
from meshfleet.specmodel import AckClusterSpec, Cni, NodePoolSpec

TERWAY_ADDON = "terway-eniip"
FLANNEL_ADDON = "flannel"


@dataclass(frozen=True)
class AckClusterArgs:
    """Inputs of :class:`AckCluster`; :meth:`from_plan` fills them from a planned cluster."""

    name: str
    """The cluster's name in the spec (problem paths) (required)."""
    display_name: str
    """Cloud-side cluster name (required); the node pool is ``<display_name>-workers``."""
    cni: Cni
    """``flannel`` or ``terway`` (required)."""
    service_cidr: str
    """The Service CIDR, concrete (required)."""
    node_vswitch_ids: Sequence[pulumi.Input[str]]
    """Ids of the node vSwitches, at least one (required)."""
    cluster_spec: AckClusterSpec
    """ACK cluster spec (required)."""
    kubernetes_version: str | None
    """ACK Kubernetes version; None: the provider's latest (required)."""
    deletion_protection: bool
    """Refuse deletion in the console/API (required)."""
    node_pool: NodePoolSpec
    """The worker node pool: instance types, fixed size or auto scaling, disk (required)."""
    public_api_server: bool
    """Give the API server a public endpoint (``slb_internet_enabled``): only in ``public``
    connectivity (required: the provider's own default is True, so it is always set)."""
    pod_cidr: str | None = None
    """Flannel only: the pod CIDR, concrete. Default None (Terway)."""
    node_cidr_mask: int | None = None
    """Flannel only: the per-node block, always set explicitly (the API would default to 26, the
    provider documents 24). Default None (Terway)."""
    pod_vswitch_ids: Sequence[pulumi.Input[str]] = ()
    """Terway only: ids of the pod vSwitches, in the zones of the node vSwitches. Default ()."""
    peer_cidrs: Mapping[str, str] = field(default_factory=dict)
    """Private CIDRs of the fleet that the cluster's security group admits, keyed by a stable
    name fragment, so that pods reach each other across VPCs over CEN. Default: none."""

    @classmethod
    def from_plan(cls, plan: Plan, cluster: str,
                  vswitch_ids: Mapping[str, pulumi.Input[str]]) -> AckClusterArgs:
        """The arguments for ``plan``'s cluster ``cluster``; ``vswitch_ids`` by plan key."""
        c = plan.clusters[cluster]
        spec = c.spec
        return cls(
            name=c.name, display_name=spec.display_name, cni=c.cni, service_cidr=c.service_cidr,
            node_vswitch_ids=[vswitch_ids[s.key] for s in c.node_vswitches],
            cluster_spec=spec.cluster_spec, kubernetes_version=spec.kubernetes_version,
            deletion_protection=spec.deletion_protection, node_pool=spec.node_pool,
            public_api_server=plan.spec.connectivity == "public", pod_cidr=c.pod_cidr,
            node_cidr_mask=c.node_cidr_mask,
            pod_vswitch_ids=[vswitch_ids[s.key] for s in c.pod_vswitches],
            peer_cidrs={cidr_key(s): s for s in plan.supernets})

    def problems(self) -> list[Problem]:
        """Concrete CIDRs, and the vSwitch ids and fields each CNI needs."""
        path = f"clusters.{self.name}"
        out = cidr_problems(f"{path}.serviceCidr", self.service_cidr)
        if not self.node_vswitch_ids:
            out.append(Problem(f"{path}.vswitches", 0, "needs at least one node vSwitch id"))
        if self.cni == "flannel":
            out += cidr_problems(f"{path}.podCidr", self.pod_cidr)
            if self.node_cidr_mask is None:
                out.append(Problem(f"{path}.nodeCidrMask", None, "must be set explicitly for "
                                                                 "Flannel"))
            if self.pod_vswitch_ids:
                out.append(Problem(f"{path}.podVswitches", len(self.pod_vswitch_ids),
                                   "is only for Terway; Flannel pods use the pod CIDR"))
        else:
            if self.pod_cidr is not None:
                out.append(Problem(f"{path}.podCidr", self.pod_cidr,
                                   "is only for Flannel; Terway pods use pod vSwitches"))
            if not self.pod_vswitch_ids:
                out.append(Problem(f"{path}.podVswitches", 0, "needs at least one pod vSwitch "
                                                              "id for Terway"))
        for key, cidr in self.peer_cidrs.items():
            out += cidr_problems(f"{path}.peerCidrs.{key}", cidr)
        return out


class AckCluster(pulumi.ComponentResource):
    """``cs.ManagedKubernetes`` + one ``cs.NodePool`` + the cluster's kubeconfig (a secret)."""

    cluster: alicloud.cs.ManagedKubernetes
    node_pool: alicloud.cs.NodePool
    cluster_id: pulumi.Output[str]
    """The ACK cluster id."""
    api_server_intranet: pulumi.Output[str | None]
    """The API server's private endpoint (``https://<ip>:6443``)."""
    api_server_internet: pulumi.Output[str | None]
    """The API server's public endpoint; None unless ``public_api_server``."""
    kubeconfig: pulumi.Output[str]
    """The cluster's kubeconfig from ``cs.get_cluster_credential`` (secret)."""

    def __init__(self, name: str, args: AckClusterArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        raise_problems(args.problems())
        super().__init__("meshfleet:cluster:AckCluster", name, None, opts)
        flannel = args.cni == "flannel"
        self.cluster = alicloud.cs.ManagedKubernetes(
            name,
            alicloud.cs.ManagedKubernetesArgs(
                name=args.display_name,
                cluster_spec=args.cluster_spec,
                version=args.kubernetes_version,
                vswitch_ids=list(args.node_vswitch_ids),
                service_cidr=args.service_cidr,
                slb_internet_enabled=args.public_api_server,
                deletion_protection=args.deletion_protection,
                pod_cidr=args.pod_cidr if flannel else None,
                node_cidr_mask=args.node_cidr_mask if flannel else None,
                pod_vswitch_ids=None if flannel else list(args.pod_vswitch_ids),
                addons=[alicloud.cs.ManagedKubernetesAddonArgs(
                    name=FLANNEL_ADDON if flannel else TERWAY_ADDON)]),
            opts=pulumi.ResourceOptions(parent=self))
        self.cluster_id = self.cluster.id

        pool = args.node_pool
        scaling = pool.auto_scaling
        self.node_pool = alicloud.cs.NodePool(
            f"{name}-workers",
            alicloud.cs.NodePoolArgs(
                cluster_id=self.cluster.id,
                node_pool_name=f"{args.display_name}-workers",
                vswitch_ids=list(args.node_vswitch_ids),
                instance_types=list(pool.instance_types),
                system_disk_size=pool.system_disk_size,
                # With auto scaling the autoscaler owns the node count (it starts at min_size);
                # a fixed desired_size would fight it on every update.
                desired_size=None if scaling else str(pool.desired_size),
                scaling_config=alicloud.cs.NodePoolScalingConfigArgs(
                    enable=True, min_size=pool.min_size, max_size=pool.max_size)
                if scaling else None),
            opts=pulumi.ResourceOptions(parent=self))

        for key, cidr in sorted(args.peer_cidrs.items()):
            alicloud.ecs.SecurityGroupRule(
                f"{name}-from-{key}",
                alicloud.ecs.SecurityGroupRuleArgs(
                    security_group_id=self.cluster.security_group_id,
                    type="ingress", ip_protocol="all", port_range="-1/-1", cidr_ip=cidr,
                    nic_type="intranet", policy="accept", priority=1,
                    description=f"meshfleet: traffic from {key} ({cidr})"),
                opts=pulumi.ResourceOptions(parent=self))

        connections = self.cluster.connections
        self.api_server_intranet = connections.apply(
            lambda cs: cs[0].api_server_intranet if cs else None)
        self.api_server_internet = connections.apply(
            lambda cs: cs[0].api_server_internet if cs else None)
        credential = alicloud.cs.get_cluster_credential_output(
            cluster_id=self.cluster.id, opts=pulumi.InvokeOutputOptions(parent=self))
        self.kubeconfig = pulumi.Output.secret(credential.kube_config)
        self.register_outputs(self._outputs())

    def _outputs(self) -> Mapping[str, Any]:
        return {"cluster_id": self.cluster_id, "api_server_intranet": self.api_server_intranet,
                "api_server_internet": self.api_server_internet, "kubeconfig": self.kubeconfig}
