import pulumi_alicloud as alicloud

POOLS = {
    "vpc": "ipam-pool-hz0org0vpc01",
    "pod": "ipam-pool-hz0org0pod01",
    "service": "ipam-pool-hz0org0svc01",
}
RANGES = {"pod": "172.16.0.0/16", "service": "192.168.0.0/20"}

vpc = alicloud.vpc.Network(
    "payments", vpc_name="payments", cidr_block="10.0.0.0/16", ipv4_ipam_pool_id=POOLS["vpc"]
)
nodes = [
    alicloud.vpc.Switch(
        f"payments-{z}", vpc_id=vpc.id, zone_id=f"cn-hangzhou-{z}", cidr_block=f"10.0.{i}.0/24"
    )
    for i, z in enumerate("hi")
]
reserved = [
    alicloud.vpc.IpamIpamPoolAllocation(
        f"payments-{kind}",
        ipam_pool_id=POOLS[kind],
        cidr=cidr,
        ipam_pool_allocation_name=f"{kind}:payments",
        ipam_pool_allocation_description="payments/prod",
    )
    for kind, cidr in RANGES.items()
]
alicloud.cs.ManagedKubernetes(
    "payments",
    cluster_spec="ack.pro.small",
    vswitch_ids=[n.id for n in nodes],
    pod_cidr=RANGES["pod"],
    service_cidr=RANGES["service"],
    node_cidr_mask=26,
    slb_internet_enabled=False,
    deletion_protection=True,
)
