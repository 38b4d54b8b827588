import pulumi_alicloud as alicloud

zones = [z.id for z in alicloud.get_zones(available_resource_creation="VSwitch").zones]

# --- platform team: one VPC, two clusters, one ACK One Fleet ------------------------------------
platform = alicloud.vpc.Network("platform", vpc_name="platform", cidr_block="10.10.0.0/16")
members = []
for i, name in enumerate(["web", "api"]):
    vsw = alicloud.vpc.Switch(
        f"platform-{name}", vpc_id=platform.id, zone_id=zones[i], cidr_block=f"10.10.{i * 16}.0/20"
    )
    members.append(
        alicloud.cs.ManagedKubernetes(
            name,
            name=name,
            cluster_spec="ack.pro.small",
            vswitch_ids=[vsw.id],
            pod_cidr=f"172.{20 + i}.0.0/16",
            service_cidr=f"192.168.{i * 16}.0/20",
            node_cidr_mask=26,
            slb_internet_enabled=False,
            deletion_protection=True,
        )
    )
fleet_vsw = alicloud.vpc.Switch(
    "platform-fleet", vpc_id=platform.id, zone_id=zones[0], cidr_block="10.10.250.0/24"
)
fleet = alicloud.ackone.Cluster(
    "fleet",
    cluster_name="platform-fleet",
    network=alicloud.ackone.ClusterNetworkArgs(vpc_id=platform.id, vswitches=[fleet_vsw.id]),
)
for m in members:
    alicloud.ackone.MembershipAttachment(
        f"attach-{m._name}", cluster_id=fleet.id, sub_cluster_id=m.id
    )

# --- analytics team: copied the platform's network numbers, never joins the Fleet --------------
analytics_vpc = alicloud.vpc.Network("analytics", vpc_name="analytics", cidr_block="10.10.0.0/16")
analytics_vsw = alicloud.vpc.Switch(
    "analytics-nodes", vpc_id=analytics_vpc.id, zone_id=zones[0], cidr_block="10.10.0.0/20"
)
alicloud.cs.ManagedKubernetes(
    "analytics",
    name="analytics",
    cluster_spec="ack.pro.small",
    vswitch_ids=[analytics_vsw.id],
    pod_cidr="172.20.0.0/16",
    service_cidr="192.168.0.0/20",
    node_cidr_mask=26,
    slb_internet_enabled=False,
    deletion_protection=True,
)
