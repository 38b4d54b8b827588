import pulumi
import pulumi_alicloud as alicloud

names = pulumi.Config().require_object("clusters")
vpc = alicloud.vpc.Network("vpc", cidr_block="192.168.0.0/16")
zones = alicloud.get_zones(available_resource_creation="VSwitch").zones
for i, name in enumerate(names):
    vsw = alicloud.vpc.Switch(
        f"{name}-vsw", vpc_id=vpc.id, cidr_block=f"192.168.{i}.0/24", zone_id=zones[i].id
    )
    alicloud.cs.ManagedKubernetes(
        name,
        cluster_spec="ack.pro.small",
        vswitch_ids=[vsw.id],
        pod_cidr=f"10.{i}.0.0/16",
        service_cidr=f"172.{21 + i}.0.0/20",
        slb_internet_enabled=False,
        deletion_protection=True,
    )
