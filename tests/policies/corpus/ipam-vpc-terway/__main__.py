import ipaddress

import pulumi
import pulumi_alicloud as alicloud

pool = pulumi.Config().require("poolId")
vpc = alicloud.vpc.Network("ipam-vpc", vpc_name="ipam", ipv4_ipam_pool_id=pool, ipv4_cidr_mask=20)


def carve(index: int, prefix: int) -> pulumi.Output[str]:
    return vpc.cidr_block.apply(
        lambda c: str(list(ipaddress.ip_network(c).subnets(new_prefix=prefix))[index])
    )


zones = ["cn-hangzhou-h", "cn-hangzhou-i"]
nodes = [
    alicloud.vpc.Switch(f"nodes-{z}", vpc_id=vpc.id, zone_id=z, cidr_block=carve(i, 24))
    for i, z in enumerate(zones)
]
pods = [
    alicloud.vpc.Switch(f"pods-{z}", vpc_id=vpc.id, zone_id=z, cidr_block=carve(2 + i, 23))
    for i, z in enumerate(zones)
]
alicloud.cs.ManagedKubernetes(
    "terway",
    cluster_spec="ack.pro.small",
    vswitch_ids=[n.id for n in nodes],
    pod_vswitch_ids=[p.id for p in pods],
    service_cidr="192.168.0.0/20",
    addons=[alicloud.cs.ManagedKubernetesAddonArgs(name="terway-eniip")],
    slb_internet_enabled=False,
    deletion_protection=True,
)
