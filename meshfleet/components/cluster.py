"""AckCluster: one ACK managed cluster, its node pools, its autoscaler and its kubeconfig.

Everything network-shaped comes from the plan (``ClusterPlan``): Flannel clusters get an explicit
``pod_cidr``, ``service_cidr`` and ``node_cidr_mask`` (always explicit: the provider documents 24,
the API defaults to 26 when omitted); Terway clusters get their pod vSwitches and the
``terway-eniip`` addon. Both CNIs are immutable after creation, so nothing here is left to a
provider default that could differ between a preview and the cloud.

Node pools: a fixed-size system pool (``<cluster>-system``, at least 2 nodes) and one pool per
``nodePools.<name>`` (``<cluster>-<name>``). ACK keeps the nodes of an auto-scaling pool free of
system components, so the system pool is where CoreDNS and the add-ons run. When a pool auto
scales, the cluster's autoscaler settings (``cs.AutoscalingConfig``) are declared before it;
auto scaling needs the RAM role ``AliyunCSManagedAutoScalerRole`` authorised for ACK (README).

Egress: ``new_nat_gateway`` is always False (the provider defaults it to True, and every cluster
would make a NAT gateway of its own); the VPC's ``Network`` owns the NAT gateway, and the cluster
waits for the SNAT entries of its own vSwitches (``egress``).

A cluster waits only on its own vSwitches, their egress and (``ipam``) the IPAM allocations of
its pod and Service CIDRs: never on another cluster, never on CEN.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_alicloud as alicloud

from meshfleet.components.common import (
    ALL_TRAFFIC,
    admit,
    cidr_key,
    cidr_problems,
    raise_problems,
)
from meshfleet.errors import Problem
from meshfleet.layout import Plan
from meshfleet.specmodel import SYSTEM_POOL, AckClusterSpec, Cni, NodePoolSpec

TERWAY_ADDON = "terway-eniip"
FLANNEL_ADDON = "flannel"
#: The pool a spec without node pools used to get; the system pool takes its place (alias).
LEGACY_POOL = "workers"
#: ACK's own estimate for a new cluster is about 10 minutes; the provider's defaults (create 90,
#: update 60, delete 60 minutes: resource_alicloud_cs_managed_kubernetes.go) leave room for
#: add-ons and upgrades, and are kept explicit so a provider release cannot shorten them.
CLUSTER_TIMEOUTS = pulumi.CustomTimeouts(create="90m", update="60m", delete="60m")
#: Node pools: the provider's defaults (90/60/60 minutes, resource_alicloud_cs_kubernetes_node_
#: pool.go); booting and joining ECS instances takes minutes, a rolling update longer.
POOL_TIMEOUTS = pulumi.CustomTimeouts(create="90m", update="60m", delete="60m")


def autoscaler_args(cluster_id: pulumi.Input[str]) -> alicloud.cs.AutoscalingConfigArgs:
    """The cluster's autoscaler settings: the provider's documented defaults, written out.

    Only values that are not false/0: the provider's Update re-sends the whole config and drops
    false/0 values (GetOk), so such a value would never reach the API after creation.
    """
    return alicloud.cs.AutoscalingConfigArgs(
        cluster_id=cluster_id,
        cool_down_duration="10m",
        unneeded_duration="10m",
        utilization_threshold="0.5",
        gpu_utilization_threshold="0.5",
        scan_interval="30s",
        scale_down_enabled=True,
        expander="least-waste",
        skip_nodes_with_system_pods=True,
        scale_up_from_zero=True,
        max_graceful_termination_sec=14400,
        scaler_type="cluster-autoscaler",
    )


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
    """ACK Kubernetes version, the plan's (spec, lock or chosen: ``Plan.versions``); None: the
    provider's latest (required)."""
    deletion_protection: bool
    """Refuse deletion in the console/API (required)."""
    node_pools: Sequence[NodePoolSpec]
    """Every node pool, the fixed-size system pool first (required)."""
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
    egress: Sequence[pulumi.Resource] = ()
    """What gives the cluster's vSwitches a way out (their SNAT entries): the cluster is created
    after them, since nodes pull images when they join. Default: nothing (egress of its own)."""
    reservations: Sequence[pulumi.Resource] = ()
    """The IPAM allocations of its pod and Service CIDRs (``ipam``): the cluster is created
    after them, so a range another stack won fails the update before the cluster exists.
    Default: none (the spec's own pools)."""

    @classmethod
    def from_plan(
        cls,
        plan: Plan,
        cluster: str,
        vswitch_ids: Mapping[str, pulumi.Input[str]],
        egress: Sequence[pulumi.Resource] = (),
        reservations: Sequence[pulumi.Resource] = (),
    ) -> AckClusterArgs:
        """The arguments for ``plan``'s cluster ``cluster``; ``vswitch_ids`` by plan key,
        ``egress`` the SNAT entries of its vSwitches, ``reservations`` its IPAM allocations."""
        c = plan.clusters[cluster]
        spec = c.spec
        return cls(
            name=c.name,
            display_name=spec.display_name,
            cni=c.cni,
            service_cidr=c.service_cidr,
            node_vswitch_ids=[vswitch_ids[s.key] for s in c.node_vswitches],
            cluster_spec=spec.cluster_spec,
            kubernetes_version=plan.versions.kubernetes.get(c.name, spec.kubernetes_version),
            deletion_protection=spec.deletion_protection,
            node_pools=spec.pools,
            public_api_server=plan.spec.connectivity == "public",
            pod_cidr=c.pod_cidr,
            node_cidr_mask=c.node_cidr_mask,
            pod_vswitch_ids=[vswitch_ids[s.key] for s in c.pod_vswitches],
            peer_cidrs={cidr_key(s): s for s in plan.supernets},
            egress=tuple(egress),
            reservations=tuple(reservations),
        )

    def problems(self) -> list[Problem]:
        """Concrete CIDRs, and the vSwitch ids and fields each CNI needs."""
        path = f"clusters.{self.name}"
        out = cidr_problems(f"{path}.serviceCidr", self.service_cidr)
        if not self.node_vswitch_ids:
            out.append(Problem(f"{path}.vswitches", 0, "needs at least one node vSwitch id"))
        if self.cni == "flannel":
            out += cidr_problems(f"{path}.podCidr", self.pod_cidr)
            if self.node_cidr_mask is None:
                out.append(
                    Problem(f"{path}.nodeCidrMask", None, "must be set explicitly for Flannel")
                )
            if self.pod_vswitch_ids:
                out.append(
                    Problem(
                        f"{path}.podVswitches",
                        len(self.pod_vswitch_ids),
                        "is only for Terway; Flannel pods use the pod CIDR",
                    )
                )
        else:
            if self.pod_cidr is not None:
                out.append(
                    Problem(
                        f"{path}.podCidr",
                        self.pod_cidr,
                        "is only for Flannel; Terway pods use pod vSwitches",
                    )
                )
            if not self.pod_vswitch_ids:
                out.append(
                    Problem(
                        f"{path}.podVswitches", 0, "needs at least one pod vSwitch id for Terway"
                    )
                )
        for key, cidr in self.peer_cidrs.items():
            out += cidr_problems(f"{path}.peerCidrs.{key}", cidr)
        if not self.node_pools or self.node_pools[0].name != SYSTEM_POOL:
            out.append(
                Problem(
                    f"{path}.systemPool",
                    [p.name for p in self.node_pools],
                    "must come first: every cluster needs its fixed-size system pool",
                )
            )
        elif self.node_pools[0].auto_scaling:
            out.append(
                Problem(
                    f"{path}.systemPool",
                    SYSTEM_POOL,
                    "must be fixed-size: nodes of an auto-scaling pool run no system components",
                )
            )
        return out


class AckCluster(pulumi.ComponentResource):
    """``cs.ManagedKubernetes``, its node pools (system first), its autoscaler settings when a
    pool auto scales, the rules admitting the fleet, and its kubeconfig (a secret)."""

    cluster: alicloud.cs.ManagedKubernetes
    node_pools: dict[str, alicloud.cs.NodePool]
    """Node pools by name, ``system`` first."""
    autoscaler: alicloud.cs.AutoscalingConfig | None
    """The cluster's autoscaler settings, when a pool auto scales."""
    security_rules: list[alicloud.ecs.SecurityGroupRule]
    """The rules admitting the rest of the fleet (what mesh membership waits for)."""
    cluster_id: pulumi.Output[str]
    """The ACK cluster id."""
    api_server_intranet: pulumi.Output[str | None]
    """The API server's private endpoint (``https://<ip>:6443``)."""
    api_server_internet: pulumi.Output[str | None]
    """The API server's public endpoint; None unless ``public_api_server``."""
    kubeconfig: pulumi.Output[str]
    """The cluster's kubeconfig from ``cs.get_cluster_credential`` (secret)."""

    def __init__(
        self, name: str, args: AckClusterArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
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
                # The VPC's Network owns egress; ACK's own NAT gateway per cluster is not used.
                new_nat_gateway=False,
                addons=[
                    alicloud.cs.ManagedKubernetesAddonArgs(
                        name=FLANNEL_ADDON if flannel else TERWAY_ADDON
                    )
                ],
            ),
            opts=pulumi.ResourceOptions(
                parent=self,
                custom_timeouts=CLUSTER_TIMEOUTS,
                # Nodes pull images as they join: the cluster waits for its vSwitches' SNAT.
                depends_on=[*args.egress, *args.reservations],
            ),
        )
        self.cluster_id = self.cluster.id

        self.autoscaler = None
        if any(p.auto_scaling for p in args.node_pools):
            self.autoscaler = alicloud.cs.AutoscalingConfig(
                f"{name}-autoscaler",
                autoscaler_args(self.cluster.id),
                opts=pulumi.ResourceOptions(parent=self, custom_timeouts=POOL_TIMEOUTS),
            )
        self.node_pools = {}
        names = {p.name for p in args.node_pools}
        for pool in args.node_pools:
            self.node_pools[pool.name] = self._pool(name, args, pool, names)

        self.security_rules = admit(
            name, self.cluster.security_group_id, args.peer_cidrs, ALL_TRAFFIC, self
        )

        connections = self.cluster.connections
        self.api_server_intranet = connections.apply(
            lambda cs: cs[0].api_server_intranet if cs else None
        )
        self.api_server_internet = connections.apply(
            lambda cs: cs[0].api_server_internet if cs else None
        )
        credential = alicloud.cs.get_cluster_credential_output(
            cluster_id=self.cluster.id, opts=pulumi.InvokeOutputOptions(parent=self)
        )
        self.kubeconfig = pulumi.Output.secret(credential.kube_config)
        self.register_outputs(self._outputs())

    def _pool(
        self, name: str, args: AckClusterArgs, pool: NodePoolSpec, names: set[str]
    ) -> alicloud.cs.NodePool:
        opts = pulumi.ResourceOptions(parent=self, custom_timeouts=POOL_TIMEOUTS)
        if pool.name == SYSTEM_POOL and names == {SYSTEM_POOL}:
            # A spec that declared no pool used to get `<cluster>-workers` of 2 fixed nodes,
            # the shape of the system pool: that pool becomes the system pool, in place.
            opts = pulumi.ResourceOptions.merge(
                opts, pulumi.ResourceOptions(aliases=[pulumi.Alias(name=f"{name}-{LEGACY_POOL}")])
            )
        if pool.auto_scaling and self.autoscaler is not None:
            # ACK's order: the cluster's autoscaler is configured before a pool scales.
            opts = pulumi.ResourceOptions.merge(
                opts, pulumi.ResourceOptions(depends_on=[self.autoscaler])
            )
        return alicloud.cs.NodePool(
            f"{name}-{pool.name}",
            alicloud.cs.NodePoolArgs(
                cluster_id=self.cluster.id,
                node_pool_name=f"{args.display_name}-{pool.name}",
                vswitch_ids=list(args.node_vswitch_ids),
                instance_types=list(pool.instance_types),
                system_disk_size=pool.system_disk_size,
                # With auto scaling the autoscaler owns the node count (it starts at min_size);
                # a fixed desired_size would fight it on every update.
                desired_size=None if pool.auto_scaling else str(pool.desired_size),
                scaling_config=alicloud.cs.NodePoolScalingConfigArgs(
                    enable=True, min_size=pool.min_size, max_size=pool.max_size
                )
                if pool.auto_scaling
                else None,
            ),
            opts=opts,
        )

    def _outputs(self) -> Mapping[str, Any]:
        return {
            "cluster_id": self.cluster_id,
            "api_server_intranet": self.api_server_intranet,
            "api_server_internet": self.api_server_internet,
            "kubeconfig": self.kubeconfig,
        }
