import pulumi
import pulumi_alicloud as alicloud

cen = alicloud.cen.Instance("cen", cen_instance_name="peering")
regions = {
    "cn-hangzhou": ("10.90.0.0/16", ["cn-hangzhou-h", "cn-hangzhou-i"]),
    "cn-shanghai": ("10.91.0.0/16", ["cn-shanghai-b", "cn-shanghai-e"]),
}
trs = {}
for region, (cidr, zones) in regions.items():
    p = pulumi.ResourceOptions(provider=alicloud.Provider(f"p-{region}", region=region))
    vpc = alicloud.vpc.Network(f"vpc-{region}", cidr_block=cidr, opts=p)
    trs[region] = alicloud.cen.TransitRouter(f"tr-{region}", cen_id=cen.id, opts=p)
    maps = []
    for i, z in enumerate(zones):
        vsw = alicloud.vpc.Switch(
            f"tr-{z}",
            vpc_id=vpc.id,
            zone_id=z,
            cidr_block=cidr.replace("0.0/16", f"255.{16 * i}/28"),
            opts=p,
        )
        maps.append({"zone_id": z, "vswitch_id": vsw.id})
    alicloud.cen.TransitRouterVpcAttachment(
        f"att-{region}",
        cen_id=cen.id,
        vpc_id=vpc.id,
        transit_router_id=trs[region].transit_router_id,
        zone_mappings=maps,
        opts=p,
    )
alicloud.cen.TransitRouterPeerAttachment(
    "hz-sh",
    cen_id=cen.id,
    transit_router_id=trs["cn-hangzhou"].transit_router_id,
    peer_transit_router_id=trs["cn-shanghai"].transit_router_id,
    peer_transit_router_region_id="cn-shanghai",
    opts=pulumi.ResourceOptions(provider=alicloud.Provider("peer", region="cn-hangzhou")),
)
