import pulumi_alicloud as alicloud

ZONES = ["cn-shanghai-b", "cn-shanghai-e", "cn-shanghai-g"]
vpc = alicloud.vpc.Network("main", vpc_name="main", cidr_block="10.40.0.0/16")


def cluster(name: str, n: int) -> alicloud.cs.ManagedKubernetes:
    vsw = alicloud.vpc.Switch(
        f"{name}-vsw", vpc_id=vpc.id, zone_id=ZONES[n], cidr_block=f"10.40.{n}.0/24"
    )
    return alicloud.cs.ManagedKubernetes(
        name,
        name=name,
        cluster_spec="ack.pro.small",
        vswitch_ids=[vsw.id],
        pod_cidr=f"172.{24 + n}.0.0/16",
        service_cidr=f"172.{28 + n}.0.0/20",
        node_cidr_mask=26,
        slb_internet_enabled=False,
        deletion_protection=True,
    )


shop, payments, batch = cluster("shop", 0), cluster("payments", 1), cluster("batch", 2)
hub = alicloud.vpc.Switch("hub", vpc_id=vpc.id, zone_id=ZONES[0], cidr_block="10.40.100.0/24")
fleet = alicloud.ackone.Cluster(
    "fleet",
    cluster_name="gitops",
    network=alicloud.ackone.ClusterNetworkArgs(vpc_id=vpc.id, vswitches=[hub.id]),
    argocd_enabled=True,
)
for name, c in {"shop": shop, "payments": payments, "batch": batch}.items():
    alicloud.ackone.MembershipAttachment(f"member-{name}", cluster_id=fleet.id, sub_cluster_id=c.id)
# batch is managed by the Fleet for GitOps only; its traffic stays outside the mesh.
alicloud.servicemesh.ServiceMesh(
    "mesh",
    service_mesh_name="shop",
    edition="Pro",
    cluster_spec="enterprise",
    network=alicloud.servicemesh.ServiceMeshNetworkArgs(vpc_id=vpc.id, vswitche_list=hub.id),
    cluster_ids=[shop.id, payments.id],
    load_balancer=alicloud.servicemesh.ServiceMeshLoadBalancerArgs(api_server_public_eip=False),
)
