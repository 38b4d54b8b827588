import ipaddress

import pulumi
import pulumi_alicloud as alicloud

sites = pulumi.Config().require_object("sites")
cen = alicloud.cen.Instance("cen")
clusters, routers, hub = [], {}, None
for region, s in sites.items():
    o = pulumi.ResourceOptions(provider=alicloud.Provider(region, region=region))
    net = ipaddress.ip_network(s["cidr"])
    blocks = list(net.subnets(new_prefix=19))
    vpc = alicloud.vpc.Network(f"{region}", cidr_block=s["cidr"], opts=o)
    nodes, pods, trs = [], [], []
    for i, z in enumerate(s["zones"]):
        nodes.append(
            alicloud.vpc.Switch(
                f"{z}-nodes", vpc_id=vpc.id, zone_id=z, cidr_block=str(blocks[i]), opts=o
            )
        )
        pods.append(
            alicloud.vpc.Switch(
                f"{z}-pods", vpc_id=vpc.id, zone_id=z, cidr_block=str(blocks[2 + i]), opts=o
            )
        )
        trs.append(
            alicloud.vpc.Switch(
                f"{z}-tr",
                vpc_id=vpc.id,
                zone_id=z,
                cidr_block=str(list(blocks[-1].subnets(new_prefix=28))[i]),
                opts=o,
            )
        )
    clusters.append(
        alicloud.cs.ManagedKubernetes(
            f"{region}-ack",
            cluster_spec="ack.pro.small",
            vswitch_ids=[n.id for n in nodes],
            pod_vswitch_ids=[p.id for p in pods],
            service_cidr=s["service"],
            addons=[{"name": "terway-eniip"}],
            slb_internet_enabled=False,
            deletion_protection=True,
            opts=o,
        )
    )
    routers[region] = alicloud.cen.TransitRouter(f"{region}-tr", cen_id=cen.id, opts=o)
    alicloud.cen.TransitRouterVpcAttachment(
        f"{region}-att",
        cen_id=cen.id,
        vpc_id=vpc.id,
        transit_router_id=routers[region].transit_router_id,
        zone_mappings=[
            {"zone_id": z, "vswitch_id": t.id} for z, t in zip(s["zones"], trs, strict=True)
        ],
        opts=o,
    )
    hub = hub or (vpc, nodes[0], o)
alicloud.cen.TransitRouterPeerAttachment(
    "peer",
    cen_id=cen.id,
    transit_router_id=routers["cn-hangzhou"].transit_router_id,
    peer_transit_router_id=routers["cn-shanghai"].transit_router_id,
    peer_transit_router_region_id="cn-shanghai",
    bandwidth_type="DataTransfer",
    bandwidth=50,
    opts=hub[2],
)
fleet = alicloud.ackone.Cluster(
    "fleet",
    network=alicloud.ackone.ClusterNetworkArgs(vpc_id=hub[0].id, vswitches=[hub[1].id]),
    opts=hub[2],
)
for c in clusters:
    alicloud.ackone.MembershipAttachment(
        f"member-{c._name}", cluster_id=fleet.id, sub_cluster_id=c.id, opts=hub[2]
    )
alicloud.servicemesh.ServiceMesh(
    "mesh",
    edition="Pro",
    cluster_spec="enterprise",
    cluster_ids=[c.id for c in clusters],
    network=alicloud.servicemesh.ServiceMeshNetworkArgs(vpc_id=hub[0].id, vswitche_list=hub[1].id),
    opts=hub[2],
)
