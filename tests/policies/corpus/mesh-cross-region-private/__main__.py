import pulumi
import pulumi_alicloud as alicloud

cen = alicloud.cen.Instance("cen")
made = {}
for region, octet, zones in (
    ("cn-hangzhou", 230, ("cn-hangzhou-j", "cn-hangzhou-k")),
    ("cn-shanghai", 231, ("cn-shanghai-l", "cn-shanghai-m")),
):
    o = pulumi.ResourceOptions(provider=alicloud.Provider(region, region=region))
    vpc = alicloud.vpc.Network(f"{region}-vpc", cidr_block=f"10.{octet}.0.0/16", opts=o)
    vsws = [
        alicloud.vpc.Switch(
            f"{z}-vsw", vpc_id=vpc.id, zone_id=z, cidr_block=f"10.{octet}.{16 * k}.0/20", opts=o
        )
        for k, z in enumerate(zones)
    ]
    tr = alicloud.cen.TransitRouter(f"{region}-tr", cen_id=cen.id, opts=o)
    alicloud.cen.TransitRouterVpcAttachment(
        f"{region}-att",
        cen_id=cen.id,
        vpc_id=vpc.id,
        transit_router_id=tr.transit_router_id,
        zone_mappings=[
            {"zone_id": z, "vswitch_id": v.id} for z, v in zip(zones, vsws, strict=True)
        ],
        opts=o,
    )
    ack = alicloud.cs.ManagedKubernetes(
        f"{region}-ack",
        cluster_spec="ack.pro.small",
        vswitch_ids=[v.id for v in vsws],
        pod_cidr=f"172.{octet - 210}.0.0/16",
        service_cidr=f"192.168.{octet - 230}.0/24",
        node_cidr_mask=26,
        slb_internet_enabled=False,
        deletion_protection=True,
        opts=o,
    )
    made[region] = (vpc, vsws[0], ack, o)
vpc, vsw, _, o = made["cn-hangzhou"]
alicloud.servicemesh.ServiceMesh(
    "mesh",
    edition="Pro",
    cluster_spec="enterprise",
    cluster_ids=[m[2].id for m in made.values()],
    network=alicloud.servicemesh.ServiceMeshNetworkArgs(vpc_id=vpc.id, vswitche_list=vsw.id),
    opts=o,
)
