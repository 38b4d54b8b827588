import pulumi
import pulumi_alicloud as alicloud

cen = alicloud.cen.Instance("cen", cen_instance_name="legacy")
sites = {
    "cn-hangzhou": ("10.180.0.0/16", "cn-hangzhou-h", "172.20.0.0/16", "192.168.0.0/20"),
    "cn-beijing": ("10.181.0.0/16", "cn-beijing-h", "172.21.0.0/16", "192.168.16.0/20"),
}
clusters, home = [], None
for region, (cidr, zone, pods, svc) in sites.items():
    o = pulumi.ResourceOptions(provider=alicloud.Provider(region, region=region))
    vpc = alicloud.vpc.Network(f"{region}-vpc", cidr_block=cidr, opts=o)
    vsw = alicloud.vpc.Switch(
        f"{region}-nodes",
        vpc_id=vpc.id,
        zone_id=zone,
        cidr_block=cidr.replace("/16", "/20"),
        opts=o,
    )
    alicloud.cen.InstanceAttachment(
        f"{region}-attach",
        instance_id=cen.id,
        child_instance_id=vpc.id,
        child_instance_type="VPC",
        child_instance_region_id=region,
    )
    clusters.append(
        alicloud.cs.ManagedKubernetes(
            f"{region}-ack",
            cluster_spec="ack.pro.small",
            vswitch_ids=[vsw.id],
            pod_cidr=pods,
            service_cidr=svc,
            node_cidr_mask=26,
            slb_internet_enabled=False,
            deletion_protection=True,
            opts=o,
        )
    )
    home = home or (vpc, vsw, o)
fleet = alicloud.ackone.Cluster(
    "fleet",
    network=alicloud.ackone.ClusterNetworkArgs(vpc_id=home[0].id, vswitches=[home[1].id]),
    opts=home[2],
)
for c in clusters:
    alicloud.ackone.MembershipAttachment(
        f"member-{c._name}", cluster_id=fleet.id, sub_cluster_id=c.id, opts=home[2]
    )
