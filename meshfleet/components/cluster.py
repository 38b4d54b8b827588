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

from meshfleet.components.network import cidr_problems, raise_problems
from meshfleet.errors import Problem
from meshfleet.planner import ClusterPlan

TERWAY_ADDON = "terway-eniip"
FLANNEL_ADDON = "flannel"


@dataclass(frozen=True)
class AckClusterArgs:
    """Inputs of :class:`AckCluster`."""

    plan: ClusterPlan
    """The planned cluster: CNI, CIDRs, node/pod vSwitches and the cluster's spec (required)."""
    node_vswitch_ids: Sequence[pulumi.Input[str]]
    """Ids of the node vSwitches, in the order of ``plan.node_vswitches`` (required)."""
    pod_vswitch_ids: Sequence[pulumi.Input[str]] = ()
    """Terway only: ids of the pod vSwitches, in the order of ``plan.pod_vswitches``. Default ()."""
    display_prefix: str = "meshfleet"
    """Prefix of cloud-side names (the fleet name): cluster ``<prefix>-<cluster>``. Default
    ``meshfleet``."""
    public_api_server: bool = False
    """Give the API server a public endpoint (``slb_internet_enabled``): only in ``public``
    connectivity. Default False (the provider's default is True, so it is always set)."""
    peer_cidrs: Mapping[str, str] = field(default_factory=dict)
    """Private CIDRs of the fleet (VPCs, other clusters' Flannel pod CIDRs) that the cluster's
    security group admits, keyed by a stable name (``vpc-<vpc>``, ``pod-<cluster>``), so that
    pods reach each other across VPCs over CEN. Default: none (``public`` mode)."""

    @property
    def cluster_name(self) -> str:
        """Cloud-side cluster name."""
        return f"{self.display_prefix}-{self.plan.name}"

    def problems(self) -> list[Problem]:
        """Concrete CIDRs, matching vSwitch counts, and the CNI's own requirements."""
        p = self.plan
        path = f"clusters.{p.name}"
        out = cidr_problems(f"{path}.serviceCidr", p.service_cidr)
        if len(self.node_vswitch_ids) != len(p.node_vswitches) or not p.node_vswitches:
            out.append(Problem(f"{path}.vswitches", len(self.node_vswitch_ids),
                               f"node vSwitch ids must match the plan's {len(p.node_vswitches)} "
                               "node vSwitches (at least one)"))
        if p.cni == "flannel":
            out += cidr_problems(f"{path}.podCidr", p.pod_cidr)
            if p.node_cidr_mask is None or not 24 <= p.node_cidr_mask <= 28:
                out.append(Problem(f"{path}.nodeCidrMask", p.node_cidr_mask,
                                   "must be set explicitly to 24..28 for Flannel"))
            if self.pod_vswitch_ids or p.pod_vswitches:
                out.append(Problem(f"{path}.podVswitches", len(p.pod_vswitches),
                                   "is only for Terway; Flannel pods use the pod CIDR"))
        elif p.cni == "terway":
            if p.pod_cidr is not None:
                out.append(Problem(f"{path}.podCidr", p.pod_cidr,
                                   "is only for Flannel; Terway pods use pod vSwitches"))
            if len(self.pod_vswitch_ids) != len(p.pod_vswitches) or not p.pod_vswitches:
                out.append(Problem(f"{path}.podVswitches", len(self.pod_vswitch_ids),
                                   f"pod vSwitch ids must match the plan's "
                                   f"{len(p.pod_vswitches)} pod vSwitches (at least one)"))
        else:
            out.append(Problem(f"{path}.cni", p.cni, "is not a CNI meshfleet supports: flannel, "
                                                     "terway"))
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
        p, spec = args.plan, args.plan.spec
        flannel = p.cni == "flannel"
        self.cluster = alicloud.cs.ManagedKubernetes(
            name,
            alicloud.cs.ManagedKubernetesArgs(
                name=args.cluster_name,
                cluster_spec=spec.cluster_spec,
                version=spec.kubernetes_version,
                vswitch_ids=list(args.node_vswitch_ids),
                service_cidr=p.service_cidr,
                slb_internet_enabled=args.public_api_server,
                deletion_protection=spec.deletion_protection,
                pod_cidr=p.pod_cidr if flannel else None,
                node_cidr_mask=p.node_cidr_mask if flannel else None,
                pod_vswitch_ids=None if flannel else list(args.pod_vswitch_ids),
                addons=[alicloud.cs.ManagedKubernetesAddonArgs(
                    name=FLANNEL_ADDON if flannel else TERWAY_ADDON)]),
            opts=pulumi.ResourceOptions(parent=self))
        self.cluster_id = self.cluster.id

        pool = spec.node_pool
        scaling = pool.min_size is not None and pool.max_size is not None
        self.node_pool = alicloud.cs.NodePool(
            f"{name}-workers",
            alicloud.cs.NodePoolArgs(
                cluster_id=self.cluster.id,
                node_pool_name=f"{args.cluster_name}-workers",
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
