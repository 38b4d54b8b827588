import pulumi
import pulumi_alicloud as alicloud

hz = pulumi.ResourceOptions(provider=alicloud.Provider("hz", region="cn-hangzhou"))
bj = pulumi.ResourceOptions(provider=alicloud.Provider("bj", region="cn-beijing"))
cen = alicloud.cen.Instance("cen")
core_vpc = alicloud.vpc.Network("core", cidr_block="10.110.0.0/16", opts=hz)
edge_vpc = alicloud.vpc.Network("edge", cidr_block="10.111.0.0/16", opts=bj)
core_nodes = alicloud.vpc.Switch(
    "core-nodes", vpc_id=core_vpc.id, zone_id="cn-hangzhou-h", cidr_block="10.110.0.0/20", opts=hz
)
core_tr = alicloud.vpc.Switch(
    "core-tr", vpc_id=core_vpc.id, zone_id="cn-hangzhou-i", cidr_block="10.110.255.0/28", opts=hz
)
edge_nodes = alicloud.vpc.Switch(
    "edge-nodes", vpc_id=edge_vpc.id, zone_id="cn-beijing-h", cidr_block="10.111.0.0/20", opts=bj
)
edge_tr = alicloud.vpc.Switch(
    "edge-tr", vpc_id=edge_vpc.id, zone_id="cn-beijing-i", cidr_block="10.111.255.0/28", opts=bj
)
core = alicloud.cs.ManagedKubernetes(
    "core-ack",
    cluster_spec="ack.pro.small",
    vswitch_ids=[core_nodes.id],
    pod_cidr="172.30.0.0/16",
    service_cidr="192.168.0.0/20",
    node_cidr_mask=26,
    slb_internet_enabled=False,
    deletion_protection=True,
    opts=hz,
)
edge = alicloud.cs.EdgeKubernetes(
    "edge-ack",
    worker_vswitch_ids=[edge_nodes.id],
    worker_instance_types=["ecs.g7.xlarge"],
    worker_number=2,
    pod_cidr="172.30.128.0/17",
    service_cidr="192.168.16.0/20",
    node_cidr_mask=25,
    slb_internet_enabled=False,
    deletion_protection=True,
    opts=bj,
)
routers = {}
for name, vpc, a, b, zones, o in (
    ("hz", core_vpc, core_nodes, core_tr, ("cn-hangzhou-h", "cn-hangzhou-i"), hz),
    ("bj", edge_vpc, edge_nodes, edge_tr, ("cn-beijing-h", "cn-beijing-i"), bj),
):
    routers[name] = alicloud.cen.TransitRouter(f"tr-{name}", cen_id=cen.id, opts=o)
    alicloud.cen.TransitRouterVpcAttachment(
        f"att-{name}",
        cen_id=cen.id,
        vpc_id=vpc.id,
        transit_router_id=routers[name].transit_router_id,
        zone_mappings=[
            {"zone_id": zones[0], "vswitch_id": a.id},
            {"zone_id": zones[1], "vswitch_id": b.id},
        ],
        opts=o,
    )
alicloud.cen.TransitRouterPeerAttachment(
    "hz-bj",
    cen_id=cen.id,
    transit_router_id=routers["hz"].transit_router_id,
    peer_transit_router_id=routers["bj"].transit_router_id,
    peer_transit_router_region_id="cn-beijing",
    bandwidth_type="DataTransfer",
    bandwidth=10,
    opts=hz,
)
alicloud.servicemesh.ServiceMesh(
    "mesh",
    edition="Pro",
    cluster_spec="enterprise",
    network=alicloud.servicemesh.ServiceMeshNetworkArgs(
        vpc_id=core_vpc.id, vswitche_list=core_nodes.id
    ),
    cluster_ids=[core.id, edge.id],
    opts=hz,
)
