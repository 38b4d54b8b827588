"""One Region component per region: a VPC, a cluster, its transit router and attachment."""

import pulumi
import pulumi_alicloud as alicloud


class Region(pulumi.ComponentResource):
    def __init__(self, region: str, index: int, cen: alicloud.cen.Instance) -> None:
        super().__init__("acme:net:Region", region)
        self.provider = alicloud.Provider(
            f"{region}-provider", region=region, opts=pulumi.ResourceOptions(parent=self)
        )
        o = pulumi.ResourceOptions(parent=self, provider=self.provider)
        self.region = region
        tr_res = alicloud.cen.get_transit_router_available_resources(
            opts=pulumi.InvokeOptions(provider=self.provider)
        ).resources[0]
        tr_zones = [tr_res.master_zones[0], tr_res.slave_zones[0]]
        self.vpc = alicloud.vpc.Network(
            f"{region}-vpc", cidr_block=f"10.{220 + index}.0.0/16", opts=o
        )
        self.nodes = [
            alicloud.vpc.Switch(
                f"{region}-nodes-{k}",
                vpc_id=self.vpc.id,
                zone_id=z,
                cidr_block=f"10.{220 + index}.{16 * k}.0/20",
                opts=o,
            )
            for k, z in enumerate(tr_zones)
        ]
        tr_vsw = [
            alicloud.vpc.Switch(
                f"{region}-tr-{k}",
                vpc_id=self.vpc.id,
                zone_id=z,
                cidr_block=f"10.{220 + index}.255.{16 * k}/28",
                opts=o,
            )
            for k, z in enumerate(tr_zones)
        ]
        self.cluster = alicloud.cs.ManagedKubernetes(
            f"{region}-ack",
            cluster_spec="ack.pro.small",
            vswitch_ids=[n.id for n in self.nodes],
            pod_cidr=f"172.{20 + index}.0.0/16",
            service_cidr=f"192.168.{16 * index}.0/20",
            node_cidr_mask=26,
            slb_internet_enabled=False,
            deletion_protection=True,
            opts=o,
        )
        self.tr = alicloud.cen.TransitRouter(f"{region}-tr", cen_id=cen.id, opts=o)
        alicloud.cen.TransitRouterVpcAttachment(
            f"{region}-att",
            cen_id=cen.id,
            vpc_id=self.vpc.id,
            transit_router_id=self.tr.transit_router_id,
            zone_mappings=[
                alicloud.cen.TransitRouterVpcAttachmentZoneMappingArgs(zone_id=z, vswitch_id=v.id)
                for z, v in zip(tr_zones, tr_vsw, strict=True)
            ],
            opts=o,
        )
        self.register_outputs({"cluster": self.cluster.id})


cen = alicloud.cen.Instance("cen")
regions = [
    Region(name, spec["index"], cen)
    for name, spec in pulumi.Config().require_object("regions").items()
]
home = regions[0]
ho = pulumi.ResourceOptions(provider=home.provider)
for other in regions[1:]:
    alicloud.cen.TransitRouterPeerAttachment(
        f"peer-{home.region}-{other.region}",
        cen_id=cen.id,
        transit_router_id=home.tr.transit_router_id,
        peer_transit_router_id=other.tr.transit_router_id,
        peer_transit_router_region_id=other.region,
        bandwidth_type="DataTransfer",
        bandwidth=10,
        opts=ho,
    )
fleet = alicloud.ackone.Cluster(
    "fleet",
    network=alicloud.ackone.ClusterNetworkArgs(vpc_id=home.vpc.id, vswitches=[home.nodes[0].id]),
    opts=ho,
)
for r in regions:
    alicloud.ackone.MembershipAttachment(
        f"member-{r.region}", cluster_id=fleet.id, sub_cluster_id=r.cluster.id, opts=ho
    )
alicloud.servicemesh.ServiceMesh(
    "mesh",
    edition="Pro",
    cluster_spec="enterprise",
    cluster_ids=[r.cluster.id for r in regions],
    network=alicloud.servicemesh.ServiceMeshNetworkArgs(
        vpc_id=home.vpc.id, vswitche_list=home.nodes[0].id
    ),
    load_balancer=alicloud.servicemesh.ServiceMeshLoadBalancerArgs(api_server_public_eip=False),
    opts=ho,
)
