import pulumi
import pulumi_alicloud as alicloud

default = alicloud.vpc.Network("default", vpc_name="quickstart", cidr_block="10.0.0.0/8")
zone = alicloud.get_zones(available_resource_creation="VSwitch").zones[0]
vswitch = alicloud.vpc.Switch(
    "default", vpc_id=default.id, cidr_block="10.1.0.0/16", zone_id=zone.id
)
k8s = alicloud.cs.ManagedKubernetes(
    "k8s",
    name="quickstart",
    cluster_spec="ack.pro.small",
    worker_vswitch_ids=[vswitch.id],
    pod_cidr="172.16.0.0/12",  # "use the whole 172.16/12 for pods"
    new_nat_gateway=True,
    slb_internet_enabled=False,
    deletion_protection=True,
)
pulumi.export("cluster_id", k8s.id)
