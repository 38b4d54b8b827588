"""A team adds a cluster to a Fleet that already manages a cluster this stack did not create.
The existing VPC and cluster are declared the way meshfleet declares what exists: component
resources (meshfleet:index:ExistingVpc / ExistingCluster) whose inputs are what the cloud
reported. The new cluster's Service CIDR lands on the existing one's, and a new vSwitch on an
existing vSwitch of the shared VPC."""

import pulumi
import pulumi_alicloud as alicloud

OLD = "c0123456789abcdef0123456789abcdef"
VPC = "vpc-bp1shared00000000001"


class Existing(pulumi.ComponentResource):
    def __init__(self, kind: str, name: str, props: dict) -> None:
        super().__init__(f"meshfleet:index:{kind}", name, props)
        self.register_outputs({})


Existing(
    "ExistingVpc",
    "shared",
    {
        "vpcId": VPC,
        "name": "shared",
        "region": "cn-hangzhou",
        "cidrBlock": "10.20.0.0/16",
        "secondaryCidrBlocks": [],
        "routeTableId": "vtb-bp1shared0001",
        "vswitches": [
            {"vswitchId": "vsw-bp1old0001", "cidrBlock": "10.20.0.0/20", "zoneId": "cn-hangzhou-h"}
        ],
    },
)
Existing(
    "ExistingCluster",
    "old",
    {
        "clusterId": OLD,
        "name": "old",
        "region": "cn-hangzhou",
        "vpcId": VPC,
        "cni": "flannel",
        "podCidr": "172.20.0.0/16",
        "serviceCidr": "192.168.0.0/20",
        "nodeCidrMask": 26,
        "vswitchIds": ["vsw-bp1old0001"],
    },
)

nodes = alicloud.vpc.Switch(
    "new-nodes", vpc_id=VPC, zone_id="cn-hangzhou-h", cidr_block="10.20.8.0/24"
)
new = alicloud.cs.ManagedKubernetes(
    "new",
    cluster_spec="ack.pro.small",
    vswitch_ids=[nodes.id],
    pod_cidr="172.21.0.0/16",
    service_cidr="192.168.0.0/20",
    node_cidr_mask=26,
    slb_internet_enabled=False,
    deletion_protection=True,
)
fleet_sw = alicloud.vpc.Switch(
    "fleet", vpc_id=VPC, zone_id="cn-hangzhou-h", cidr_block="10.20.64.0/27"
)
fleet = alicloud.ackone.Cluster(
    "fleet", network=alicloud.ackone.ClusterNetworkArgs(vpc_id=VPC, vswitches=[fleet_sw.id])
)
for name, cluster_id in (("old", OLD), ("new", new.id)):
    alicloud.ackone.MembershipAttachment(
        f"member-{name}", cluster_id=fleet.id, sub_cluster_id=cluster_id
    )
