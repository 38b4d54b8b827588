import pulumi_alicloud as alicloud

vpc = alicloud.vpc.Network("apps", vpc_name="apps", cidr_block="10.100.0.0/16")
nodes = alicloud.vpc.Switch(
    "nodes", vpc_id=vpc.id, zone_id="cn-beijing-h", cidr_block="10.100.0.0/20"
)
eci = alicloud.vpc.Switch("eci", vpc_id=vpc.id, zone_id="cn-beijing-h", cidr_block="10.100.16.0/20")
ack = alicloud.cs.ManagedKubernetes(
    "ack",
    cluster_spec="ack.pro.small",
    vswitch_ids=[nodes.id],
    pod_cidr="172.20.0.0/16",
    service_cidr="172.21.0.0/20",
    node_cidr_mask=26,
    slb_internet_enabled=False,
    deletion_protection=True,
)
ask = alicloud.cs.ServerlessKubernetes(
    "ask",
    vpc_id=vpc.id,
    vswitch_ids=[eci.id],
    service_cidr="172.21.0.0/20",  # "same as the other one"
    endpoint_public_access_enabled=False,
    deletion_protection=True,
)
fleet = alicloud.ackone.Cluster(
    "fleet", network=alicloud.ackone.ClusterNetworkArgs(vpc_id=vpc.id, vswitches=[nodes.id])
)
for name, c in (("ack", ack), ("ask", ask)):
    alicloud.ackone.MembershipAttachment(f"member-{name}", cluster_id=fleet.id, sub_cluster_id=c.id)
