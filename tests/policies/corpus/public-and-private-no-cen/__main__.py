import pulumi
import pulumi_alicloud as alicloud

hz = alicloud.Provider("hangzhou", region="cn-hangzhou")
sh = alicloud.Provider("shanghai", region="cn-shanghai")


def network(name, cidr, zone, provider):
    vpc = alicloud.vpc.Network(
        name, cidr_block=cidr, opts=pulumi.ResourceOptions(provider=provider)
    )
    vsw = alicloud.vpc.Switch(
        f"{name}-a",
        vpc_id=vpc.id,
        zone_id=zone,
        cidr_block=cidr.replace("/16", "/20"),
        opts=pulumi.ResourceOptions(provider=provider),
    )
    return vpc, vsw


hz_vpc, hz_vsw = network("hz", "10.60.0.0/16", "cn-hangzhou-h", hz)
sh_vpc, sh_vsw = network("sh", "10.61.0.0/16", "cn-shanghai-b", sh)
private = alicloud.cs.ManagedKubernetes(
    "core",
    cluster_spec="ack.pro.small",
    vswitch_ids=[hz_vsw.id],
    pod_cidr="172.20.0.0/16",
    service_cidr="192.168.0.0/20",
    node_cidr_mask=26,
    slb_internet_enabled=False,
    deletion_protection=True,
    opts=pulumi.ResourceOptions(provider=hz),
)
public = alicloud.cs.ManagedKubernetes(
    "edge-sh",
    cluster_spec="ack.pro.small",
    vswitch_ids=[sh_vsw.id],
    pod_cidr="172.21.0.0/16",
    service_cidr="192.168.16.0/20",
    node_cidr_mask=26,
    slb_internet_enabled=True,
    deletion_protection=True,
    opts=pulumi.ResourceOptions(provider=sh),
)
alicloud.servicemesh.ServiceMesh(
    "mesh",
    edition="Pro",
    cluster_spec="enterprise",
    network=alicloud.servicemesh.ServiceMeshNetworkArgs(vpc_id=hz_vpc.id, vswitche_list=hz_vsw.id),
    cluster_ids=[private.id, public.id],
    load_balancer=alicloud.servicemesh.ServiceMeshLoadBalancerArgs(api_server_public_eip=False),
    opts=pulumi.ResourceOptions(provider=hz),
)
