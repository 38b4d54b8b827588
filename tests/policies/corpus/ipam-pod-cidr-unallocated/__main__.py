import pulumi
import pulumi_alicloud as alicloud

cfg = pulumi.Config()
vpc = alicloud.vpc.Network(
    "search", vpc_name="search", cidr_block="10.6.0.0/20", ipv4_ipam_pool_id=cfg.require("vpcPool")
)
zones = ["cn-hangzhou-h", "cn-hangzhou-i"]
switches = [
    alicloud.vpc.Switch(f"search-{z[-1]}", vpc_id=vpc.id, zone_id=z, cidr_block=f"10.6.{i}.0/24")
    for i, z in enumerate(zones)
]
alicloud.cs.ManagedKubernetes(
    "search",
    cluster_spec="ack.pro.small",
    vswitch_ids=[s.id for s in switches],
    pod_cidr="172.24.0.0/16",
    service_cidr="192.168.16.0/20",
    node_cidr_mask=26,
    slb_internet_enabled=False,
    deletion_protection=True,
)
