"""The policies: names, levels, severities, remediation, links, compliance references and
config schemas, in the order they run (``policy-exemptions`` first, ``value-unknown-at-preview``
last; see :mod:`.runner` for why the order matters).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyComplianceFramework,
    PolicyConfigSchema,
    Severity,
    StackValidationPolicy,
)

from . import cen, exemptions, ipam, limits, reach, rules, security, vpcs
from .findings import Finding
from .model import StackIndex
from .runner import UNKNOWNS_NAME, exemptions_validator, rule_validator, unknowns_validator

SEED_URL = (
    "https://www.alibabacloud.com/help/en/ack/distributed-cloud-container-platform-for-"
    "kubernetes/user-guide/overview-13"
)
ACK_NET_URL = "https://www.alibabacloud.com/help/doc-detail/86500.htm"
FLEET_NET_URL = (
    "https://www.alibabacloud.com/help/en/ack/distributed-cloud-container-platform-"
    "for-kubernetes/user-guide/fleet-management-network-planning"
)
CEN_URL = "https://www.alibabacloud.com/help/en/cen/user-guide/how-transit-routers-work"
CONFIG_RULE_URL = (
    "https://www.alibabacloud.com/help/en/cloud-config/latest/ack-cluster-public-endpoint-check"
)
IPAM_URL = "https://next.api.alibabacloud.com/document/VpcIpam/2023-02-28/CreateIpamPoolAllocation"
MANDATORY, ADVISORY = EnforcementLevel.MANDATORY, EnforcementLevel.ADVISORY

UNKNOWNS_SCHEMA = {
    "type": "string",
    "enum": ["skip", "advisory", "mandatory"],
    "default": "advisory",
    "description": "What to do with a check this policy cannot decide (a value unknown at "
    "preview, or a resource not declared in this stack): skip = ignore; "
    f"advisory = report it through the '{UNKNOWNS_NAME}' policy (advisory by "
    "default, once per cause); mandatory = report it as a violation of this "
    "policy.",
}
FLEET_PUBLIC_SCHEMA = {
    "type": "boolean",
    "default": False,
    "description": "The Fleet's API server has a public endpoint (enabled out of band with "
    "UpdateHubClusterFeature; the provider cannot declare it). A FleetFeatures "
    "resource with publicApiServerEnabled=true says the same per Fleet.",
}
RESERVED_SCHEMA = {
    "type": "array",
    # a.b.c.d/n with n <= 32, optionally a space and a label: a typo is a config error (exit 2),
    # not a violation reported on no resource.
    "items": {
        "type": "string",
        "pattern": r"^((25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|"
        r"1?[0-9]?[0-9])/(3[0-2]|[12]?[0-9])( .*)?$",
    },
    "default": [],
    "description": "CIDR blocks of other stacks and on-premises networks that nothing in this "
    "stack may overlap; each 'a.b.c.d/n', optionally followed by a space and a "
    "label ('10.200.0.0/16 shanghai-dc').",
}
TR_ZONES_SCHEMA = {
    "type": "object",
    "default": {},
    "additionalProperties": {"type": "array", "items": {"type": "string"}, "minItems": 1},
    "description": 'Transit-router zones per region ({"cn-beijing": ["cn-beijing-h", ...]}), '
    "adding to or replacing the documented cn-hangzhou and cn-shanghai lists. In "
    "regions not listed any zone counts.",
}


def _seed(row: str) -> PolicyComplianceFramework:
    return PolicyComplianceFramework(
        name="ACK One + ASM network requirements", reference=row, specification=SEED_URL
    )


@dataclass(frozen=True)
class Rule:
    """A policy's metadata and its check."""

    name: str
    description: str
    check: Callable[[StackIndex, Mapping[str, Any]], Iterable[Finding]]
    remediation: str
    url: str = SEED_URL
    level: EnforcementLevel = MANDATORY
    severity: Severity = Severity.HIGH
    schema: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    tags: tuple[str, ...] = ("network",)
    framework: PolicyComplianceFramework | None = None


_CIDR_FIX = (
    "Re-plan the CIDR named in the message; pod and Service CIDRs, vSwitch and VPC "
    "blocks cannot change in place, so the resource is replaced."
)
_REACH_FIX = (
    "Attach both VPCs to one CEN and peer their regions' transit routers, or make the "
    "API server public."
)
S = Severity
RULES: tuple[Rule, ...] = (
    Rule(
        "pod-cidr-overlaps-pod-cidr",
        "Pod CIDRs of clusters in one VPC must not overlap.",
        rules.pod_overlaps_pod_same_vpc,
        _CIDR_FIX,
        framework=_seed("Same-VPC: Pod CIDR"),
    ),
    Rule(
        "pod-cidr-overlaps-vpc-cidr",
        "A pod CIDR must not overlap its VPC, nor the VPC of a cluster managed with it.",
        rules.pod_overlaps_vpc,
        _CIDR_FIX,
        framework=_seed("Same-VPC: Pod CIDR"),
    ),
    Rule(
        "pod-cidr-overlaps-service-cidr",
        "A pod CIDR must not overlap its own Service CIDR, nor that of a cluster managed with it.",
        rules.pod_overlaps_service,
        _CIDR_FIX,
        ACK_NET_URL,
        framework=_seed("Same-VPC: Pod CIDR / Service CIDR"),
    ),
    Rule(
        "vswitch-cidr-overlaps-vswitch-cidr",
        "vSwitch CIDRs in one VPC must not overlap.",
        vpcs.vswitch_overlaps_vswitch,
        _CIDR_FIX,
        framework=_seed("Same-VPC: vSwitch CIDR"),
    ),
    Rule(
        "vswitch-cidr-overlaps-pod-cidr",
        "vSwitch CIDRs must not overlap the pod CIDRs of clusters in the same VPC.",
        vpcs.vswitch_overlaps_pod,
        _CIDR_FIX,
        framework=_seed("Same-VPC: vSwitch CIDR"),
    ),
    Rule(
        "vswitch-cidr-overlaps-service-cidr",
        "vSwitch CIDRs must not overlap the Service CIDRs of clusters in the same VPC.",
        vpcs.vswitch_overlaps_service,
        _CIDR_FIX,
        framework=_seed("Same-VPC: vSwitch CIDR"),
    ),
    Rule(
        "service-cidr-overlaps-service-cidr",
        "Service CIDRs of clusters managed together must not overlap (one VPC or several).",
        rules.service_overlaps_service,
        _CIDR_FIX,
        framework=_seed("Same-VPC: Service CIDR"),
    ),
    Rule(
        "service-cidr-overlaps-vpc-cidr",
        "A Service CIDR must not overlap its VPC, nor the VPC of a cluster managed with it.",
        rules.service_overlaps_vpc,
        _CIDR_FIX,
        framework=_seed("Same-VPC: Service CIDR"),
    ),
    Rule(
        "vpc-cidr-overlaps-vpc-cidr",
        "VPCs attached to one CEN, or holding clusters managed together, must not overlap.",
        vpcs.vpc_overlaps_vpc,
        _CIDR_FIX,
        framework=_seed("Cross-VPC: VPC CIDR"),
    ),
    Rule(
        "pod-cidr-overlaps-pod-cidr-across-vpcs",
        "Pod CIDRs of clusters managed together in different VPCs must not overlap.",
        rules.pod_overlaps_pod_across_vpcs,
        _CIDR_FIX,
        framework=_seed("Cross-VPC: Pod CIDR"),
    ),
    Rule(
        "terway-service-cidr-overlaps-mesh-vpc",
        "A mesh member whose pods use VPC addresses (Terway, Serverless) must have a Service "
        "CIDR disjoint from the ASM VPC.",
        vpcs.terway_service_overlaps_mesh_vpc,
        _CIDR_FIX,
    ),
    Rule(
        "member-vpc-overlaps-mesh-vpc",
        "A mesh member in another VPC must have a VPC CIDR disjoint from the ASM VPC.",
        vpcs.member_vpc_overlaps_mesh_vpc,
        _CIDR_FIX,
    ),
    Rule(
        "vpc-cidr-invalid",
        "A VPC CIDR must be an IPv4 block with prefix /8 to /28.",
        limits.vpc_cidr_invalid,
        "Use a private block of prefix /8 to /28.",
        ACK_NET_URL,
        severity=S.MEDIUM,
    ),
    Rule(
        "cidr-in-reserved-range",
        "No VPC, vSwitch, pod or Service CIDR may touch 100.64/10, 224/4, 127/8, 169.254/16 or "
        "7/8.",
        limits.cidr_in_reserved_range,
        "Choose a range outside the reserved ones.",
        ACK_NET_URL,
        severity=S.MEDIUM,
    ),
    Rule(
        "vswitch-cidr-invalid",
        "A vSwitch CIDR must be an IPv4 block with prefix /16 to /29.",
        limits.vswitch_cidr_invalid,
        "Use a block of prefix /16 to /29.",
        ACK_NET_URL,
        severity=S.MEDIUM,
    ),
    Rule(
        "vswitch-outside-vpc",
        "A vSwitch CIDR must lie inside its VPC's CIDR or one of its secondary CIDR blocks.",
        limits.vswitch_outside_vpc,
        "Choose a vSwitch block inside the VPC range.",
        ACK_NET_URL,
        severity=S.MEDIUM,
    ),
    Rule(
        "service-cidr-invalid",
        "A Service CIDR must be a /16 to /24 inside 10/8, 172.16/12 or 192.168/16.",
        limits.service_cidr_invalid,
        "Use a private /16 to /24.",
        ACK_NET_URL,
        severity=S.MEDIUM,
    ),
    Rule(
        "flannel-pod-cidr-invalid",
        "A Flannel pod CIDR must be private and larger than one node's block (nodeCidrMask).",
        limits.flannel_pod_cidr_invalid,
        "Use a private pod CIDR shorter than nodeCidrMask.",
        ACK_NET_URL,
        severity=S.MEDIUM,
    ),
    Rule(
        "node-cidr-mask-invalid",
        "nodeCidrMask, when set, must be 24..28 (unset: the provider sends 24).",
        limits.node_cidr_mask_invalid,
        "Set node_cidr_mask to a value from 24 to 28.",
        ACK_NET_URL,
        severity=S.MEDIUM,
    ),
    Rule(
        "terway-pod-vswitch-zone-mismatch",
        "Terway pod vSwitches must be in the zones of the cluster's node vSwitches.",
        limits.terway_pod_vswitch_zones,
        "Give every node zone a pod vSwitch in the same zone.",
        ACK_NET_URL,
        severity=S.MEDIUM,
    ),
    Rule(
        "fleet-cannot-reach-cluster",
        "Path (1): the Fleet's VPC must reach every member cluster's API server.",
        reach.fleet_cannot_reach_cluster,
        _REACH_FIX,
        FLEET_NET_URL,
        framework=_seed("Connection path 1"),
    ),
    Rule(
        "cluster-cannot-reach-fleet",
        "Path (2): every member cluster's VPC must reach the Fleet's API server.",
        reach.cluster_cannot_reach_fleet,
        "Attach both VPCs to one CEN and peer their regions' transit routers, or enable the "
        "Fleet's public endpoint and declare it (fleetPublicEndpoint / FleetFeatures).",
        FLEET_NET_URL,
        schema={"fleetPublicEndpoint": FLEET_PUBLIC_SCHEMA},
        framework=_seed("Connection path 2"),
    ),
    Rule(
        "mesh-cannot-reach-cluster",
        "Path (3): the ASM instance's VPC must reach every member cluster's API server.",
        reach.mesh_cannot_reach_cluster,
        _REACH_FIX,
        framework=_seed("Connection path 3"),
    ),
    Rule(
        "cluster-cannot-reach-cluster",
        "The API servers of clusters managed together must be mutually reachable.",
        reach.cluster_cannot_reach_cluster,
        _REACH_FIX,
        framework=_seed("API server accessibility"),
    ),
    Rule(
        "cen-vpc-attachment-zones",
        "A transit-router VPC attachment needs vSwitches in two zones with transit routers.",
        cen.vpc_attachment_zones,
        "Map a vSwitch (a /28 is enough) in a second transit-router zone of the region.",
        CEN_URL,
        severity=S.MEDIUM,
        schema={"transitRouterZones": TR_ZONES_SCHEMA},
    ),
    Rule(
        "cen-peer-attachment-bandwidth",
        "A cross-region peer attachment needs bandwidth (DataTransfer with a cap, or a "
        "bandwidth package).",
        cen.peer_attachment_bandwidth,
        "Set bandwidth_type='DataTransfer' and bandwidth (Mbit/s), or a CEN bandwidth package.",
        CEN_URL,
        severity=S.MEDIUM,
    ),
    Rule(
        "cluster-not-in-fleet",
        "A member of a mesh that a Fleet manages must be attached to that Fleet (path 4).",
        reach.cluster_not_in_fleet,
        "Add an ackone.MembershipAttachment for the cluster.",
        FLEET_NET_URL,
        severity=S.MEDIUM,
        framework=_seed("Connection path 4"),
    ),
    Rule(
        "cluster-not-in-mesh",
        "A Fleet member outside the mesh the Fleet manages: ASM does not manage its traffic.",
        reach.cluster_not_in_mesh,
        "Add the cluster to the ServiceMesh (cluster_ids or a mesh membership) if it should "
        "join the mesh.",
        level=ADVISORY,
        severity=S.LOW,
    ),
    Rule(
        "cluster-not-managed",
        "A cluster in no Fleet or mesh of the stack: the cross-cluster rules skip it.",
        reach.cluster_not_managed,
        "Attach the cluster to the Fleet or the mesh if it should be managed with them.",
        FLEET_NET_URL,
        ADVISORY,
        S.LOW,
    ),
    Rule(
        "cidr-overlaps-reserved-cidrs",
        "Nothing in the stack may overlap the configured reservedCidrs (other stacks, "
        "on-premises).",
        limits.reserved_cidrs,
        "Choose ranges outside every reserved range.",
        ACK_NET_URL,
        schema={"reservedCidrs": RESERVED_SCHEMA},
    ),
    Rule(
        "ipam-pool-allocations",
        "A range inside one of the organisation's IPAM pools (config ipamPools) must be "
        "allocated there, and must not overlap another owner's allocation.",
        ipam.ipam_pool_allocations,
        "Create VPCs from their pool (ipv4_ipam_pool_id) and reserve pod and Service CIDRs "
        "with vpc.IpamIpamPoolAllocation, in ranges the pool has free.",
        IPAM_URL,
        schema={"ipamPools": ipam.SCHEMA},
    ),
    Rule(
        "cluster-deletion-protection-disabled",
        "Clusters should have deletion protection.",
        security.deletion_protection,
        "Set deletion_protection=True on the cluster.",
        ACK_NET_URL,
        ADVISORY,
        S.LOW,
        tags=("security",),
    ),
    Rule(
        "api-server-public",
        "API servers (clusters, ASM, the Fleet) should not be exposed to the Internet.",
        security.api_server_public,
        "Keep API servers private and connect VPCs with CEN, or restrict access with ACLs.",
        CONFIG_RULE_URL,
        ADVISORY,
        S.MEDIUM,
        schema={"fleetPublicEndpoint": FLEET_PUBLIC_SCHEMA},
        tags=("security",),
        framework=PolicyComplianceFramework(
            name="Alibaba Cloud Config managed rules",
            reference="ack-cluster-public-endpoint-check",
            specification=CONFIG_RULE_URL,
        ),
    ),
)
EXEMPTIONS_DESCRIPTION = (
    "Per-resource exemptions of the other policies (reason, owner, "
    "expiry); reports each exemption in force, expired or unused."
)


def policy_names() -> list[str]:
    """Every policy of the pack, in run order."""
    return [exemptions.NAME, *(r.name for r in RULES), UNKNOWNS_NAME]


def build_policies() -> list[StackValidationPolicy]:
    """Every policy, in the order they run (policy-exemptions first, the unknowns last)."""
    names = [r.name for r in RULES] + [UNKNOWNS_NAME]
    policies = [
        StackValidationPolicy(
            name=exemptions.NAME,
            description=EXEMPTIONS_DESCRIPTION,
            validate=exemptions_validator(0),
            enforcement_level=ADVISORY,
            config_schema=PolicyConfigSchema(properties={"exemptions": exemptions.schema(names)}),
            severity=Severity.LOW,
            tags=["governance"],
            remediation_steps="Keep each exemption's reason and expiry current; remove exemptions "
            "that silence nothing.",
            url=SEED_URL,
        )
    ]
    for position, rule in enumerate(RULES, start=1):
        schema = {"unknowns": UNKNOWNS_SCHEMA, **rule.schema}
        policies.append(
            StackValidationPolicy(
                name=rule.name,
                description=rule.description,
                validate=rule_validator(rule.name, rule.check, position),
                enforcement_level=rule.level,
                config_schema=PolicyConfigSchema(
                    properties={k: dict(v) for k, v in schema.items()}
                ),
                severity=rule.severity,
                tags=list(rule.tags),
                remediation_steps=rule.remediation,
                url=rule.url,
                framework=rule.framework,
            )
        )
    policies.append(
        StackValidationPolicy(
            name=UNKNOWNS_NAME,
            description="Checks that could not run: a value is unknown at preview or belongs to a "
            "resource not declared in this stack (reported once per cause, for policies "
            "whose 'unknowns' setting is 'advisory').",
            validate=unknowns_validator(len(RULES) + 1),
            enforcement_level=ADVISORY,
            severity=Severity.LOW,
            tags=["preview"],
            remediation_steps=(
                "Re-run the check once the values are known (after the first update), "
                "or pass known ids/CIDRs so the policies can verify them."
            ),
            url=SEED_URL,
        )
    )
    return policies
