import pulumi_alicloud as alicloud

VPC_POOL = "ipam-pool-hz0org0vpc01"
POD_POOL = "ipam-pool-hz0org0pod01"
SVC_POOL = "ipam-pool-hz0org0svc01"

vpc = alicloud.vpc.Network(
    "checkout", vpc_name="checkout", cidr_block="10.4.0.0/20", ipv4_ipam_pool_id=VPC_POOL
)
nodes = alicloud.vpc.Switch(
    "checkout-h", vpc_id=vpc.id, zone_id="cn-hangzhou-h", cidr_block="10.4.0.0/24"
)
pods = alicloud.vpc.IpamIpamPoolAllocation(
    "checkout-pods",
    ipam_pool_id=POD_POOL,
    cidr="172.20.0.0/16",
    ipam_pool_allocation_name="checkout-pods",
)
# Copied from the payments stack's config: payments already holds this range.
services = alicloud.vpc.IpamIpamPoolAllocation(
    "checkout-services",
    ipam_pool_id=SVC_POOL,
    cidr="192.168.0.0/20",
    ipam_pool_allocation_name="checkout-services",
)
alicloud.cs.ManagedKubernetes(
    "checkout",
    cluster_spec="ack.pro.small",
    vswitch_ids=[nodes.id],
    pod_cidr="172.20.0.0/16",
    service_cidr="192.168.0.0/20",
    node_cidr_mask=26,
    slb_internet_enabled=False,
    deletion_protection=True,
    opts=None,
)
