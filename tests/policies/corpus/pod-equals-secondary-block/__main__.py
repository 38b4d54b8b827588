import pulumi_alicloud as alicloud

vpc = alicloud.vpc.Network(
    "main", vpc_name="main", cidr_block="10.130.0.0/16", secondary_cidr_blocks=["172.20.0.0/16"]
)
nodes = alicloud.vpc.Switch(
    "nodes", vpc_id=vpc.id, zone_id="cn-shanghai-b", cidr_block="10.130.0.0/20"
)
alicloud.cs.ManagedKubernetes(
    "ack",
    cluster_spec="ack.pro.small",
    vswitch_ids=[nodes.id],
    pod_cidr="172.20.0.0/16",
    service_cidr="192.168.0.0/20",
    node_cidr_mask=26,
    slb_internet_enabled=False,
    deletion_protection=True,
)
