import pulumi
import pulumi_alicloud as alicloud

vpc = alicloud.vpc.Network("main", vpc_name="main", cidr_block="10.120.0.0/16")
extra = alicloud.vpc.Ipv4CidrBlock(
    "more-space", vpc_id=vpc.id, secondary_cidr_block="10.121.0.0/16"
)
old = alicloud.vpc.Switch(
    "old-nodes", vpc_id=vpc.id, zone_id="cn-shanghai-b", cidr_block="10.120.0.0/20"
)
new = alicloud.vpc.Switch(
    "new-nodes",
    vpc_id=vpc.id,
    zone_id="cn-shanghai-e",
    cidr_block="10.121.0.0/20",
    opts=pulumi.ResourceOptions(depends_on=[extra]),
)
alicloud.cs.ManagedKubernetes(
    "ack",
    cluster_spec="ack.pro.small",
    vswitch_ids=[old.id, new.id],
    pod_cidr="172.20.0.0/16",
    service_cidr="192.168.0.0/20",
    node_cidr_mask=26,
    slb_internet_enabled=False,
    deletion_protection=True,
)
