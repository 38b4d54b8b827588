import pulumi
import pulumi_alicloud as alicloud


class Cluster(pulumi.ComponentResource):
    """Our standard cluster: one vSwitch, a Flannel ACK Pro cluster, one node pool."""

    def __init__(
        self,
        name: str,
        vpc: alicloud.vpc.Network,
        index: int,
        zone: str,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("acme:k8s:Cluster", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.vswitch = alicloud.vpc.Switch(
            f"{name}-nodes",
            vpc_id=vpc.id,
            zone_id=zone,
            cidr_block=f"10.30.{index * 16}.0/20",
            opts=child,
        )
        self.ack = alicloud.cs.ManagedKubernetes(
            name,
            name=name,
            cluster_spec="ack.pro.small",
            vswitch_ids=[self.vswitch.id],
            pod_cidr=f"172.{16 + index}.0.0/16",
            service_cidr=f"192.168.{index * 16}.0/20",
            node_cidr_mask=26,
            slb_internet_enabled=False,
            deletion_protection=True,
            opts=child,
        )
        alicloud.cs.NodePool(
            f"{name}-pool",
            cluster_id=self.ack.id,
            vswitch_ids=[self.vswitch.id],
            instance_types=["ecs.g7.xlarge"],
            desired_size="3",
            opts=child,
        )
        self.register_outputs({"id": self.ack.id})


zones = [z.id for z in alicloud.get_zones(available_resource_creation="VSwitch").zones]
vpc = alicloud.vpc.Network("prod", vpc_name="prod", cidr_block="10.30.0.0/16")
clusters = [Cluster(f"prod-{i + 1}", vpc, i, zones[i % len(zones)]) for i in range(3)]
ops = alicloud.vpc.Switch("ops", vpc_id=vpc.id, zone_id=zones[0], cidr_block="10.30.240.0/24")
fleet = alicloud.ackone.Cluster(
    "fleet",
    cluster_name="prod-fleet",
    network=alicloud.ackone.ClusterNetworkArgs(vpc_id=vpc.id, vswitches=[ops.id]),
)
for c in clusters[:2]:  # prod-3 was added to the mesh but nobody attached it to the Fleet
    alicloud.ackone.MembershipAttachment(
        f"{c.ack._name}-member", cluster_id=fleet.id, sub_cluster_id=c.ack.id
    )
alicloud.servicemesh.ServiceMesh(
    "mesh",
    service_mesh_name="prod-mesh",
    edition="Pro",
    cluster_spec="enterprise",
    network=alicloud.servicemesh.ServiceMeshNetworkArgs(vpc_id=vpc.id, vswitche_list=ops.id),
    cluster_ids=[c.ack.id for c in clusters],
    load_balancer=alicloud.servicemesh.ServiceMeshLoadBalancerArgs(api_server_public_eip=False),
)
