"""ExistingClusterResource: an ACK cluster that exists already (``clusters.<name>.id``).

meshfleet registers nothing of the cluster's own (no ManagedKubernetes, node pools, autoscaler
or security-group rules): the cluster is attached, by its id, to the Fleet
(``ackone.MembershipAttachment``) and the mesh (``MeshMembership``), and routed over CEN (its
VPC's attachment; a Flannel pod CIDR's transit-router routes). The component
(``meshfleet:index:ExistingCluster``) carries, as its inputs, the ranges read from the cloud:
a policy pack sees what the stack declares, and these inputs are how it sees the existing
cluster's pod and Service CIDRs and node vSwitches, to check new ranges against them (README,
"Existing resources"; docs/contracts.md).

Its kubeconfig is read with ``cs.get_cluster_credential`` (a data source, a secret); its API
server endpoints are not exported (no data source reports them: they are in the kubeconfig).
Its security group is left as it is: admitting the fleet's aggregates
(``Plan.supernets``) there is the cluster owner's change (README).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_alicloud as alicloud

from meshfleet.inventory import ExistingCluster
from meshfleet.layout import Plan

EXISTING_CLUSTER = "meshfleet:index:ExistingCluster"


@dataclass(frozen=True)
class ExistingClusterArgs:
    """Inputs of :class:`ExistingClusterResource`; :meth:`from_plan` fills them."""

    name: str
    """The cluster's name in the spec (required)."""
    found: ExistingCluster
    """The cluster as read from the cloud (required)."""
    vswitch_cidrs: Mapping[str, str]
    """Its node vSwitches' CIDRs by id (required)."""

    @classmethod
    def from_plan(cls, plan: Plan, cluster: str) -> ExistingClusterArgs:
        c = plan.clusters[cluster]
        assert c.existing is not None, "only an existing cluster"
        return cls(c.name, c.existing, {s.name: s.cidr for s in c.node_vswitches})

    def props(self) -> dict[str, Any]:
        """What the stack's view (and a policy pack) receives, camelCase as the engine sends."""
        f = self.found
        return {
            "clusterId": f.id,
            "name": self.name,
            "region": f.region,
            "vpcId": f.vpc_id,
            "cni": f.cni,
            "podCidr": f.pod_cidr,
            "serviceCidr": f.service_cidr,
            "nodeCidrMask": f.node_cidr_mask,
            "vswitchIds": list(f.vswitch_ids),
            "vswitchCidrs": dict(self.vswitch_cidrs),
        }


class ExistingClusterResource(pulumi.ComponentResource):
    """An existing ACK cluster: its id for the attachments, its kubeconfig from a data source."""

    cluster_id: pulumi.Output[str]
    node_pools: dict[str, pulumi.Resource]
    """Always empty: the cluster's node pools are its own (what a mesh membership would wait
    for on a new cluster)."""
    security_rules: list[pulumi.Resource]
    """Always empty: meshfleet adds no rule to the cluster's security group."""
    api_server_intranet: pulumi.Output[str | None]
    api_server_internet: pulumi.Output[str | None]
    kubeconfig: pulumi.Output[str]
    """From ``cs.get_cluster_credential`` (secret)."""

    def __init__(
        self, name: str, args: ExistingClusterArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(EXISTING_CLUSTER, name, args.props(), opts)
        self.cluster_id = pulumi.Output.from_input(args.found.id)
        self.node_pools, self.security_rules = {}, []
        self.api_server_intranet = pulumi.Output.from_input(None)
        self.api_server_internet = pulumi.Output.from_input(None)
        credential = alicloud.cs.get_cluster_credential_output(
            cluster_id=args.found.id, opts=pulumi.InvokeOutputOptions(parent=self)
        )
        self.kubeconfig = pulumi.Output.secret(credential.kube_config)
        self.register_outputs(self._outputs())

    def _outputs(self) -> Mapping[str, Any]:
        return {"cluster_id": self.cluster_id, "kubeconfig": self.kubeconfig}
