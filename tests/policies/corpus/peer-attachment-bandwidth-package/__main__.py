import pulumi
import pulumi_alicloud as alicloud

cen = alicloud.cen.Instance("cen")
package = alicloud.cen.BandwidthPackage(
    "package", bandwidth=20, geographic_region_a_id="China", geographic_region_b_id="China"
)
alicloud.cen.BandwidthPackageAttachment(
    "package-attach", instance_id=cen.id, bandwidth_package_id=package.id
)
trs = {}
for i, (region, zones) in enumerate(
    {
        "cn-hangzhou": ["cn-hangzhou-j", "cn-hangzhou-k"],
        "cn-shanghai": ["cn-shanghai-f", "cn-shanghai-g"],
    }.items()
):
    p = pulumi.ResourceOptions(provider=alicloud.Provider(region, region=region))
    vpc = alicloud.vpc.Network(f"{region}-vpc", cidr_block=f"172.{16 + i}.0.0/16", opts=p)
    trs[region] = alicloud.cen.TransitRouter(f"{region}-tr", cen_id=cen.id, opts=p)
    vsws = [
        alicloud.vpc.Switch(
            f"{region}-tr-{k}",
            vpc_id=vpc.id,
            zone_id=z,
            cidr_block=f"172.{16 + i}.0.{16 * k}/28",
            opts=p,
        )
        for k, z in enumerate(zones)
    ]
    alicloud.cen.TransitRouterVpcAttachment(
        f"{region}-att",
        cen_id=cen.id,
        vpc_id=vpc.id,
        transit_router_id=trs[region].transit_router_id,
        zone_mappings=[
            {"zone_id": z, "vswitch_id": v.id} for z, v in zip(zones, vsws, strict=True)
        ],
        opts=p,
    )
alicloud.cen.TransitRouterPeerAttachment(
    "peer",
    cen_id=cen.id,
    transit_router_id=trs["cn-hangzhou"].transit_router_id,
    peer_transit_router_id=trs["cn-shanghai"].transit_router_id,
    peer_transit_router_region_id="cn-shanghai",
    bandwidth_type="BandwidthPackage",
    cen_bandwidth_package_id=package.id,
    bandwidth=20,
    opts=pulumi.ResourceOptions(provider=alicloud.Provider("peer-hz", region="cn-hangzhou")),
)
