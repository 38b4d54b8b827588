"""Explicit provider per region, a cluster per region, one Fleet and one mesh, CEN between."""

import ipaddress

import pulumi
import pulumi_alicloud as alicloud

regions = pulumi.Config().require_object("regions")
cen = alicloud.cen.Instance("cen", cen_instance_name="geo")
routers: dict[str, alicloud.cen.TransitRouter] = {}
clusters, vpcs = {}, {}
for region, r in regions.items():
    p = alicloud.Provider(region, region=region)
    o = pulumi.ResourceOptions(provider=p)
    vpc = alicloud.vpc.Network(f"vpc-{region}", cidr_block=r["vpc"], opts=o)
    blocks = list(ipaddress.ip_network(r["vpc"]).subnets(new_prefix=20))
    nodes = [
        alicloud.vpc.Switch(
            f"nodes-{z}", vpc_id=vpc.id, zone_id=z, cidr_block=str(blocks[i]), opts=o
        )
        for i, z in enumerate(r["zones"])
    ]
    clusters[region] = alicloud.cs.ManagedKubernetes(
        f"ack-{region}",
        cluster_spec="ack.pro.small",
        vswitch_ids=[n.id for n in nodes],
        pod_cidr=r["pods"],
        service_cidr=r["services"],
        node_cidr_mask=26,
        slb_internet_enabled=False,
        deletion_protection=True,
        opts=o,
    )
    routers[region] = alicloud.cen.TransitRouter(f"tr-{region}", cen_id=cen.id, opts=o)
    alicloud.cen.TransitRouterVpcAttachment(
        f"att-{region}",
        cen_id=cen.id,
        transit_router_id=routers[region].transit_router_id,
        vpc_id=vpc.id,
        zone_mappings=[
            alicloud.cen.TransitRouterVpcAttachmentZoneMappingArgs(zone_id=z, vswitch_id=n.id)
            for z, n in zip(r["zones"], nodes, strict=True)
        ],
        opts=o,
    )
    vpcs[region] = (vpc, nodes[0], o)
alicloud.cen.TransitRouterPeerAttachment(
    "peer",
    cen_id=cen.id,
    transit_router_id=routers["cn-hangzhou"].transit_router_id,
    peer_transit_router_id=routers["cn-shanghai"].transit_router_id,
    peer_transit_router_region_id="cn-shanghai",
    bandwidth_type="DataTransfer",
    bandwidth=20,
    opts=vpcs["cn-hangzhou"][2],
)
home_vpc, home_vsw, home = vpcs["cn-hangzhou"]
fleet = alicloud.ackone.Cluster(
    "fleet",
    network=alicloud.ackone.ClusterNetworkArgs(vpc_id=home_vpc.id, vswitches=[home_vsw.id]),
    opts=home,
)
for region, c in clusters.items():
    alicloud.ackone.MembershipAttachment(
        f"member-{region}", cluster_id=fleet.id, sub_cluster_id=c.id, opts=home
    )
alicloud.servicemesh.ServiceMesh(
    "mesh",
    edition="Pro",
    cluster_spec="enterprise",
    network=alicloud.servicemesh.ServiceMeshNetworkArgs(
        vpc_id=home_vpc.id, vswitche_list=home_vsw.id
    ),
    cluster_ids=[c.id for c in clusters.values()],
    opts=home,
)
