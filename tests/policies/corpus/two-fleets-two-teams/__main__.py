import pulumi_alicloud as alicloud

zone = alicloud.get_zones(available_resource_creation="VSwitch").zones[0].id


def team(name: str) -> None:
    vpc = alicloud.vpc.Network(f"{name}-vpc", vpc_name=name, cidr_block="10.0.0.0/16")
    nodes = alicloud.vpc.Switch(
        f"{name}-nodes", vpc_id=vpc.id, zone_id=zone, cidr_block="10.0.0.0/20"
    )
    ack = alicloud.cs.ManagedKubernetes(
        f"{name}-ack",
        name=name,
        cluster_spec="ack.pro.small",
        vswitch_ids=[nodes.id],
        pod_cidr="172.16.0.0/16",
        service_cidr="192.168.0.0/20",
        node_cidr_mask=26,
        slb_internet_enabled=False,
        deletion_protection=True,
    )
    fleet = alicloud.ackone.Cluster(
        f"{name}-fleet",
        cluster_name=name,
        network=alicloud.ackone.ClusterNetworkArgs(vpc_id=vpc.id, vswitches=[nodes.id]),
    )
    alicloud.ackone.MembershipAttachment(
        f"{name}-member", cluster_id=fleet.id, sub_cluster_id=ack.id
    )


team("payments")
team("search")
