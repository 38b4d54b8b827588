import ipaddress

import pulumi
import pulumi_alicloud as alicloud

vpcs = pulumi.Config().require_object("vpcs")
cen = alicloud.cen.Instance("cen", cen_instance_name="hub")
tr = alicloud.cen.TransitRouter("tr", cen_id=cen.id, transit_router_name="hub-hz")
tr_zones = alicloud.cen.get_transit_router_available_resources().resources[0].master_zones
slave = alicloud.cen.get_transit_router_available_resources().resources[0].slave_zones

for name, cidr in vpcs.items():
    vpc = alicloud.vpc.Network(name, vpc_name=name, cidr_block=cidr)
    net = ipaddress.ip_network(cidr)
    small = list(net.subnets(new_prefix=28))
    a = alicloud.vpc.Switch(
        f"{name}-tr-a", vpc_id=vpc.id, cidr_block=str(small[-1]), zone_id=tr_zones[0]
    )
    b = alicloud.vpc.Switch(
        f"{name}-tr-b", vpc_id=vpc.id, cidr_block=str(small[-2]), zone_id=slave[0]
    )
    alicloud.cen.TransitRouterVpcAttachment(
        f"{name}-attachment",
        cen_id=cen.id,
        transit_router_id=tr.transit_router_id,
        vpc_id=vpc.id,
        zone_mappings=[
            alicloud.cen.TransitRouterVpcAttachmentZoneMappingArgs(
                zone_id=tr_zones[0], vswitch_id=a.id
            ),
            alicloud.cen.TransitRouterVpcAttachmentZoneMappingArgs(
                zone_id=slave[0], vswitch_id=b.id
            ),
        ],
    )
