import pulumi_alicloud as alicloud

vpc = alicloud.vpc.Network("vpc", cidr_block="10.150.0.0/16")
a = alicloud.vpc.Switch("a", vpc_id=vpc.id, zone_id="cn-hangzhou-h", cidr_block="10.150.0.0/20")
b = alicloud.vpc.Switch("b", vpc_id=vpc.id, zone_id="cn-hangzhou-i", cidr_block="10.150.16.0/20")
zulu = alicloud.cs.ManagedKubernetes(
    "zulu",
    cluster_spec="ack.pro.small",
    vswitch_ids=[a.id],
    pod_cidr="172.20.0.0/16",
    service_cidr="192.168.0.0/20",
    node_cidr_mask=26,
    slb_internet_enabled=False,
    deletion_protection=True,
)
alpha = alicloud.cs.ManagedKubernetes(
    "alpha",
    cluster_spec="ack.pro.small",
    vswitch_ids=[b.id],
    pod_cidr="172.20.0.0/16",
    service_cidr="192.168.16.0/20",
    node_cidr_mask=26,
    slb_internet_enabled=False,
    deletion_protection=True,
)
