import pulumi_alicloud as alicloud

vpc = alicloud.vpc.Network("vpc", cidr_block="10.200.0.0/16")
node_h = alicloud.vpc.Switch(
    "node-h", vpc_id=vpc.id, zone_id="cn-hangzhou-h", cidr_block="10.200.0.0/20"
)
node_i = alicloud.vpc.Switch(
    "node-i", vpc_id=vpc.id, zone_id="cn-hangzhou-i", cidr_block="10.200.16.0/20"
)
pod_h = alicloud.vpc.Switch(
    "pod-h", vpc_id=vpc.id, zone_id="cn-hangzhou-h", cidr_block="10.200.64.0/19"
)
ack = alicloud.cs.ManagedKubernetes(
    "ack",
    cluster_spec="ack.pro.small",
    vswitch_ids=[node_h.id],
    pod_vswitch_ids=[pod_h.id],
    service_cidr="192.168.0.0/20",
    addons=[{"name": "terway-eniip"}],
    slb_internet_enabled=False,
    deletion_protection=True,
)
alicloud.cs.NodePool(
    "workers",
    cluster_id=ack.id,
    vswitch_ids=[node_h.id, node_i.id],
    instance_types=["ecs.g7.xlarge"],
    desired_size="4",
)
