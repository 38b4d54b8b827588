import pulumi_alicloud as alicloud

cen = alicloud.cen.Instance("cen")
tr = alicloud.cen.TransitRouter("tr", cen_id=cen.id)
for i, name in enumerate(["app", "data"]):
    vpc = alicloud.vpc.Network(name, cidr_block=f"10.{70 + i}.0.0/16")
    vsw = alicloud.vpc.Switch(
        f"{name}-tr", vpc_id=vpc.id, zone_id="cn-hangzhou-h", cidr_block=f"10.{70 + i}.255.0/28"
    )
    alicloud.cen.TransitRouterVpcAttachment(
        f"{name}-att",
        cen_id=cen.id,
        transit_router_id=tr.transit_router_id,
        vpc_id=vpc.id,
        zone_mappings=[{"zone_id": "cn-hangzhou-h", "vswitch_id": vsw.id}],
    )
