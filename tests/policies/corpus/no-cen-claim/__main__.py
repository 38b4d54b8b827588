import pulumi_alicloud as alicloud

members = []
fleet_vpc = None
for name, cidr in (("one", "10.160.0.0/16"), ("two", "10.160.0.0/17")):
    vpc = alicloud.vpc.Network(f"{name}-vpc", cidr_block=cidr)
    vsw = alicloud.vpc.Switch(
        f"{name}-vsw",
        vpc_id=vpc.id,
        zone_id="cn-shenzhen-c",
        cidr_block=cidr.rsplit(".", 2)[0] + ".0.0/24",
    )
    members.append(
        alicloud.cs.ManagedKubernetes(
            name,
            cluster_spec="ack.pro.small",
            vswitch_ids=[vsw.id],
            pod_cidr=f"172.{20 + len(members)}.0.0/16",
            service_cidr=f"192.168.{16 * len(members)}.0/20",
            node_cidr_mask=26,
            slb_internet_enabled=True,
            deletion_protection=True,
        )
    )
    fleet_vpc = fleet_vpc or (vpc, vsw)
fleet = alicloud.ackone.Cluster(
    "fleet",
    network=alicloud.ackone.ClusterNetworkArgs(vpc_id=fleet_vpc[0].id, vswitches=[fleet_vpc[1].id]),
)
for m in members:
    alicloud.ackone.MembershipAttachment(
        f"member-{m._name}", cluster_id=fleet.id, sub_cluster_id=m.id
    )
