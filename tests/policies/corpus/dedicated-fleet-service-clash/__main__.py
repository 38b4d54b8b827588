import pulumi
import pulumi_alicloud as alicloud


class Dedicated(pulumi.ComponentResource):
    """A dedicated (self-managed masters) cluster, the way our 2021 module builds it."""

    def __init__(
        self,
        name: str,
        vpc: alicloud.vpc.Network,
        base: int,
        service: str,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("legacy:k8s:Dedicated", name, None, opts)
        kid = pulumi.ResourceOptions(parent=self)
        masters = [
            alicloud.vpc.Switch(
                f"{name}-m{i}",
                vpc_id=vpc.id,
                zone_id=z,
                cidr_block=f"10.210.{base + i}.0/24",
                opts=kid,
            )
            for i, z in enumerate(["cn-beijing-h", "cn-beijing-i", "cn-beijing-j"])
        ]
        self.cluster = alicloud.cs.Kubernetes(
            name,
            master_vswitch_ids=[m.id for m in masters],
            master_instance_types=["ecs.g7.xlarge"] * 3,
            pod_cidr=f"172.{20 + base // 8}.0.0/16",
            service_cidr=service,
            node_cidr_mask=25,
            slb_internet_enabled=False,
            deletion_protection=True,
            opts=kid,
        )
        alicloud.cs.NodePool(
            f"{name}-workers",
            cluster_id=self.cluster.id,
            vswitch_ids=[m.id for m in masters],
            instance_types=["ecs.g7.xlarge"],
            desired_size="3",
            opts=kid,
        )
        self.register_outputs({})


vpc = alicloud.vpc.Network("vpc", cidr_block="10.210.0.0/16")
first = Dedicated("billing", vpc, 0, "192.168.0.0/20")
second = Dedicated("ledger", vpc, 8, "192.168.0.0/20")
ops = alicloud.vpc.Switch(
    "ops", vpc_id=vpc.id, zone_id="cn-beijing-h", cidr_block="10.210.200.0/24"
)
fleet = alicloud.ackone.Cluster(
    "fleet", network=alicloud.ackone.ClusterNetworkArgs(vpc_id=vpc.id, vswitches=[ops.id])
)
for d in (first, second):
    alicloud.ackone.MembershipAttachment(
        f"member-{d.cluster._name}", cluster_id=fleet.id, sub_cluster_id=d.cluster.id
    )
