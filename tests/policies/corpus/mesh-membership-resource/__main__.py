"""ServiceMesh created empty; each cluster joins through its own MeshMembership resource."""

import pulumi.dynamic as dynamic
import pulumi_alicloud as alicloud


class _Membership(dynamic.ResourceProvider):
    def create(self, props):  # pragma: no cover - runs at `pulumi up` only
        return dynamic.CreateResult(f"{props['meshId']}:{props['clusterId']}", props)


class MeshMembership(dynamic.Resource):
    def __init__(self, name: str, mesh_id, cluster_id, region: str) -> None:
        super().__init__(
            _Membership(),
            name,
            {
                "kind": "meshfleet:servicemesh:MeshMembership",
                "meshId": mesh_id,
                "clusterId": cluster_id,
                "regionId": region,
            },
        )


vpc_a = alicloud.vpc.Network("a", cidr_block="10.240.0.0/16")
vpc_b = alicloud.vpc.Network("b", cidr_block="10.241.0.0/16")
sw_a = alicloud.vpc.Switch(
    "a-nodes", vpc_id=vpc_a.id, zone_id="cn-hangzhou-h", cidr_block="10.240.0.0/20"
)
sw_b = alicloud.vpc.Switch(
    "b-nodes", vpc_id=vpc_b.id, zone_id="cn-hangzhou-i", cidr_block="10.241.0.0/20"
)
one = alicloud.cs.ManagedKubernetes(
    "one",
    cluster_spec="ack.pro.small",
    vswitch_ids=[sw_a.id],
    pod_cidr="172.20.0.0/16",
    service_cidr="192.168.0.0/20",
    node_cidr_mask=26,
    slb_internet_enabled=True,
    deletion_protection=True,
)
two = alicloud.cs.ManagedKubernetes(
    "two",
    cluster_spec="ack.pro.small",
    vswitch_ids=[sw_b.id],
    pod_cidr="172.20.0.0/16",
    service_cidr="192.168.16.0/20",
    node_cidr_mask=26,
    slb_internet_enabled=True,
    deletion_protection=True,
)
mesh = alicloud.servicemesh.ServiceMesh(
    "mesh",
    edition="Pro",
    cluster_spec="enterprise",
    network=alicloud.servicemesh.ServiceMeshNetworkArgs(vpc_id=vpc_a.id, vswitche_list=sw_a.id),
    load_balancer=alicloud.servicemesh.ServiceMeshLoadBalancerArgs(api_server_public_eip=False),
)
for c in (one, two):
    MeshMembership(f"member-{c._name}", mesh.id, c.id, "cn-hangzhou")
