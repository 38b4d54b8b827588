"""fleetctl's catalogue of Alibaba Cloud facts: curated answers for the data sources that
describe the cloud rather than an account (zones, instance types, regions, Kubernetes and ASM
versions, transit-router zones, cluster credentials, images).

These are better than answers synthesized from the result type: real zone letters per region,
real instance type families, version strings in Alibaba's format. Data sources that read an
account's own resources (VPCs, vSwitches, clusters ...) are not here: offline, nothing but an
answers file (``fleetctl check --answers``) can know them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Zones per region, from Alibaba's region/zone list; transit-router zones are those Alibaba's
# CEN documentation lists as supporting Enterprise Edition transit routers. Unknown regions get
# zones a, b, c (plausible, never validated).
ZONES: dict[str, list[str]] = {
    "cn-hangzhou": ["b", "g", "h", "i", "j", "k"],
    "cn-shanghai": ["b", "e", "f", "g", "l", "m", "n"],
    "cn-beijing": ["a", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"],
    "cn-shenzhen": ["a", "c", "d", "e", "f"],
    "cn-zhangjiakou": ["a", "b", "c"],
    "cn-hongkong": ["b", "c", "d"],
    "ap-southeast-1": ["a", "b", "c"],
    "eu-central-1": ["a", "b"],
    "us-west-1": ["a", "b"],
}
_TR_ZONES: dict[str, list[str]] = {
    "cn-hangzhou": ["b", "h", "i", "j", "k"],
    "cn-shanghai": ["b", "c", "e", "f", "g", "l", "m", "n"],
}
INSTANCE_TYPES = [
    ("ecs.g7.xlarge", "ecs.g7", 4, 16.0),
    ("ecs.g7.2xlarge", "ecs.g7", 8, 32.0),
    ("ecs.c7.xlarge", "ecs.c7", 4, 8.0),
    ("ecs.g6.xlarge", "ecs.g6", 4, 16.0),
]
K8S_VERSION = "1.31.1-aliyun.1"
_ASM_VERSION = "v1.22.6.36-g3b5d3c9e-aliyun"

FAKE_KUBECONFIG = """apiVersion: v1
kind: Config
clusters:
- cluster:
    server: https://192.168.0.1:6443
    certificate-authority-data: RkFLRQ==
  name: {cluster}
contexts:
- context:
    cluster: {cluster}
    user: {cluster}-admin
  name: {cluster}
current-context: {cluster}
users:
- name: {cluster}-admin
  user:
    client-certificate-data: RkFLRQ==
    client-key-data: RkFLRQ==
"""


def zone_ids(region: str, table: Mapping[str, list[str]]) -> list[str]:
    return [f"{region}-{z}" for z in table.get(region, ZONES.get(region, ["a", "b", "c"]))]


def _answer_zones(args: Mapping[str, Any], region: str) -> dict[str, Any]:
    ids = zone_ids(region, ZONES)
    return {
        "id": f"{region}-zones",
        "ids": ids,
        "zones": [
            {
                "id": z,
                "localName": z,
                "availableInstanceTypes": [t[0] for t in INSTANCE_TYPES],
                "availableResourceCreations": ["Instance", "VSwitch", "Disk", "Slb"],
                "availableDiskCategories": ["cloud_essd", "cloud_efficiency", "cloud_ssd"],
                "multiZoneIds": [],
                "slbSlaveZoneIds": [],
            }
            for z in ids
        ],
    }


def _answer_instance_types(args: Mapping[str, Any], region: str) -> dict[str, Any]:
    cpu = args.get("cpuCoreCount")
    mem = args.get("memorySize")
    rows = [
        t for t in INSTANCE_TYPES if (cpu is None or t[2] == cpu) and (mem is None or t[3] == mem)
    ]
    rows = rows or INSTANCE_TYPES[:1]
    zones = [args["availabilityZone"]] if args.get("availabilityZone") else zone_ids(region, ZONES)
    return {
        "id": f"{region}-instance-types",
        "ids": [t[0] for t in rows],
        "instanceTypes": [
            {
                "id": t[0],
                "family": t[1],
                "cpuCoreCount": t[2],
                "memorySize": t[3],
                "availabilityZones": zones,
                "eniAmount": 4,
                "eniQuantity": 4,
                "eniPrivateIpAddressQuantity": 15,
                "eniIpv6AddressQuantity": 15,
                "maximumQueueNumberPerEni": 4,
                "price": "0",
                "nvmeSupport": "unsupported",
                "burstableInstances": [],
                "gpus": [],
                "localStorages": [],
            }
            for t in rows
        ],
    }


def answer(token: str, args: Mapping[str, Any], region: str) -> dict[str, Any] | None:
    """fleetctl's answer for a data source of cloud facts, or None when it has none."""
    if token == "alicloud:index/getZones:getZones":
        return _answer_zones(args, region)
    if token == "alicloud:ecs/getInstanceTypes:getInstanceTypes":
        return _answer_instance_types(args, region)
    if token == "alicloud:index/getRegions:getRegions":
        return {
            "id": region,
            "ids": [region],
            "regions": [{"id": region, "regionId": region, "localName": region}],
        }
    if token == "alicloud:cs/getKubernetesVersion:getKubernetesVersion":
        return {
            "id": "kubernetes-versions",
            "clusterType": args.get("clusterType", "ManagedKubernetes"),
            "metadatas": [
                {
                    "version": K8S_VERSION,
                    "runtimes": [{"name": "containerd", "version": "1.6.36"}],
                },
                {
                    "version": "1.30.7-aliyun.1",
                    "runtimes": [{"name": "containerd", "version": "1.6.34"}],
                },
            ],
        }
    if token == "alicloud:servicemesh/getVersions:getVersions":
        edition = args.get("edition") or "Default"
        vid = f"{edition}:{_ASM_VERSION}"
        return {
            "id": "asm-versions",
            "ids": [vid],
            "versions": [{"edition": edition, "id": vid, "version": _ASM_VERSION}],
        }
    if token == (
        "alicloud:cen/getTransitRouterAvailableResources:getTransitRouterAvailableResources"
    ):
        zones = zone_ids(region, _TR_ZONES)
        return {
            "id": f"{region}-tr-resources",
            "resources": [
                {
                    "masterZones": zones[:1],
                    "slaveZones": zones[1:],
                    "availableZones": zones,
                    "supportMulticast": False,
                }
            ],
        }
    if token == "alicloud:cs/getClusterCredential:getClusterCredential":
        cid = str(args.get("clusterId", "cluster"))
        return {
            "id": cid,
            "clusterId": cid,
            "clusterName": cid,
            "kubeConfig": FAKE_KUBECONFIG.format(cluster=cid),
            "certificateAuthorities": [
                {"clusterCert": "RkFLRQ==", "clientCert": "RkFLRQ==", "clientKey": "RkFLRQ=="}
            ],
            "expiration": "2099-01-01T00:00:00Z",
        }
    if token == "alicloud:ecs/getImages:getImages":
        image = "aliyun_3_x64_20G_alibase_20240819.vhd"
        return {"id": "images", "ids": [image], "images": [{"id": image, "imageId": image}]}
    return None
