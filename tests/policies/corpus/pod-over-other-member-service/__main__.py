import pulumi
import pulumi_alicloud as alicloud

spec = pulumi.Config().require_object("clusters")
vpc = alicloud.vpc.Network("orders", vpc_name="orders", cidr_block="10.50.0.0/16")
fleet_vsw = alicloud.vpc.Switch(
    "fleet", vpc_id=vpc.id, cidr_block="10.50.255.0/24", zone_id="cn-hangzhou-h"
)
fleet = alicloud.ackone.Cluster(
    "fleet",
    cluster_name="orders",
    network=alicloud.ackone.ClusterNetworkArgs(vpc_id=vpc.id, vswitches=[fleet_vsw.id]),
)
for name, c in spec.items():
    vsw = alicloud.vpc.Switch(
        f"{name}-nodes", vpc_id=vpc.id, cidr_block=c["nodes"], zone_id=c["zone"]
    )
    ack = alicloud.cs.ManagedKubernetes(
        name,
        name=name,
        cluster_spec="ack.pro.small",
        vswitch_ids=[vsw.id],
        pod_cidr=c["pods"],
        service_cidr=c["services"],
        node_cidr_mask=24,
        slb_internet_enabled=False,
        deletion_protection=True,
    )
    alicloud.ackone.MembershipAttachment(
        f"{name}-member", cluster_id=fleet.id, sub_cluster_id=ack.id
    )
