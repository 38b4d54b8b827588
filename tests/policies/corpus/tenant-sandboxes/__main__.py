"""Sandbox factory: every tenant gets the same isolated network and cluster, from one template.

The sandboxes are never connected (no CEN, no Fleet, no mesh), so reusing the ranges is fine.
"""

import pulumi
import pulumi_alicloud as alicloud

cfg = pulumi.Config()
tenants = cfg.require_object("tenants")
template = cfg.require_object("template")
zones = alicloud.get_zones(available_resource_creation="VSwitch")


def sandbox(tenant: str) -> alicloud.cs.ManagedKubernetes:
    vpc = alicloud.vpc.Network(
        f"{tenant}-vpc", vpc_name=f"sandbox-{tenant}", cidr_block=template["vpcCidr"]
    )
    vsw = alicloud.vpc.Switch(
        f"{tenant}-vsw",
        vpc_id=vpc.id,
        cidr_block=template["vswitchCidr"],
        zone_id=zones.zones[0].id,
        vswitch_name=f"sandbox-{tenant}",
    )
    cluster = alicloud.cs.ManagedKubernetes(
        f"{tenant}-ack",
        name=f"sandbox-{tenant}",
        cluster_spec="ack.standard",
        vswitch_ids=[vsw.id],
        pod_cidr=template["podCidr"],
        service_cidr=template["serviceCidr"],
        node_cidr_mask=25,
        slb_internet_enabled=False,
        deletion_protection=True,
    )
    alicloud.cs.NodePool(
        f"{tenant}-pool",
        node_pool_name=f"{tenant}-pool",
        cluster_id=cluster.id,
        vswitch_ids=[vsw.id],
        instance_types=["ecs.g7.xlarge"],
        desired_size="2",
    )
    return cluster


clusters = {t: sandbox(t) for t in tenants}
pulumi.export("cluster_ids", {t: c.id for t, c in clusters.items()})
