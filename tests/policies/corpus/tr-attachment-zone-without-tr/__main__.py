import pulumi_alicloud as alicloud

zones = [z.id for z in alicloud.get_zones(available_resource_creation="VSwitch").zones]
picked = [z for z in zones if z.endswith(("-g", "-h"))]  # "the first two zones we use"
cen = alicloud.cen.Instance("cen")
tr = alicloud.cen.TransitRouter("tr", cen_id=cen.id)
vpc = alicloud.vpc.Network("svc", cidr_block="10.80.0.0/16")
mappings = []
for i, z in enumerate(picked):
    vsw = alicloud.vpc.Switch(
        f"tr-{z}", vpc_id=vpc.id, zone_id=z, cidr_block=f"10.80.255.{i * 16}/28"
    )
    mappings.append(
        alicloud.cen.TransitRouterVpcAttachmentZoneMappingArgs(zone_id=z, vswitch_id=vsw.id)
    )
alicloud.cen.TransitRouterVpcAttachment(
    "svc-att",
    cen_id=cen.id,
    vpc_id=vpc.id,
    transit_router_id=tr.transit_router_id,
    zone_mappings=mappings,
)
