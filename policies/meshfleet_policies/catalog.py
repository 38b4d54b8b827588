"""The policies: names, levels, severities, remediation, links, config schemas, and the glue that
runs a rule on the shared index and routes its unverifiable findings by the ``unknowns`` setting.

One AnalyzeStack request runs the stack policies one after another in list order on one thread.
:class:`_Request` (thread-local) holds that request's index, built by the first policy that runs
and reused by the others, and the unverifiable findings the policies hand to
``value-unknown-at-preview``, which runs last.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from . import limits, reach, rules
from .model import StackIndex

SEED_URL = ("https://www.alibabacloud.com/help/en/ack/distributed-cloud-container-platform-for-"
            "kubernetes/user-guide/overview-13")
ACK_NET_URL = "https://www.alibabacloud.com/help/doc-detail/86500.htm"
FLEET_NET_URL = ("https://www.alibabacloud.com/help/en/ack/distributed-cloud-container-platform-"
                 "for-kubernetes/user-guide/fleet-management-network-planning")
UNKNOWNS_NAME = "value-unknown-at-preview"
MANDATORY, ADVISORY = EnforcementLevel.MANDATORY, EnforcementLevel.ADVISORY

UNKNOWNS_SCHEMA = {
    "type": "string",
    "enum": ["skip", "advisory", "mandatory"],
    "default": "advisory",
    "description": "What to do with a value this policy cannot check at preview (unknown ids or "
                   "CIDRs of new resources): skip = ignore; advisory = report it through the "
                   f"'{UNKNOWNS_NAME}' policy (advisory by default); mandatory = report it as a "
                   "violation of this policy.",
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
    "items": {"type": "string",
              "pattern": r"^((25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|"
                         r"1?[0-9]?[0-9])/(3[0-2]|[12]?[0-9])( .*)?$"},
    "default": [],
    "description": "CIDR blocks of other stacks and on-premises networks that nothing in this "
                   "stack may overlap; each 'a.b.c.d/n', optionally followed by a space and a "
                   "label ('10.200.0.0/16 shanghai-dc').",
}


@dataclass(frozen=True)
class Rule:
    """A policy's metadata and its check."""

    name: str
    description: str
    check: Callable[[StackIndex, Mapping[str, Any]], Iterable[rules.Finding]]
    remediation: str
    url: str = SEED_URL
    level: EnforcementLevel = MANDATORY
    severity: Severity = Severity.HIGH
    schema: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    tags: tuple[str, ...] = ("network",)


_CIDR_FIX = ("Re-plan the CIDR named in the message; pod and Service CIDRs, vSwitch and VPC "
             "blocks cannot change in place, so the resource is replaced.")
RULES: tuple[Rule, ...] = (
    Rule("pod-cidr-overlaps-pod-cidr", "Pod CIDRs of clusters in one VPC must not overlap.",
         rules.pod_overlaps_pod_same_vpc, _CIDR_FIX),
    Rule("pod-cidr-overlaps-vpc-cidr", "A Flannel pod CIDR must not overlap its VPC's CIDR.",
         rules.pod_overlaps_vpc, _CIDR_FIX),
    Rule("vswitch-cidr-overlaps-vswitch-cidr", "vSwitch CIDRs in one VPC must not overlap.",
         rules.vswitch_overlaps_vswitch, _CIDR_FIX),
    Rule("vswitch-cidr-overlaps-pod-cidr",
         "vSwitch CIDRs must not overlap the pod CIDRs of clusters in the same VPC.",
         rules.vswitch_overlaps_pod, _CIDR_FIX),
    Rule("vswitch-cidr-overlaps-service-cidr",
         "vSwitch CIDRs must not overlap the Service CIDRs of clusters in the same VPC.",
         rules.vswitch_overlaps_service, _CIDR_FIX),
    Rule("service-cidr-overlaps-service-cidr",
         "Service CIDRs of different clusters must not overlap (one VPC or several).",
         rules.service_overlaps_service, _CIDR_FIX),
    Rule("service-cidr-overlaps-vpc-cidr", "A Service CIDR must not overlap its VPC's CIDR.",
         rules.service_overlaps_vpc, _CIDR_FIX),
    Rule("vpc-cidr-overlaps-vpc-cidr", "VPC CIDRs must not overlap each other.",
         rules.vpc_overlaps_vpc, _CIDR_FIX),
    Rule("pod-cidr-overlaps-pod-cidr-across-vpcs",
         "Pod CIDRs of clusters in different VPCs must not overlap.",
         rules.pod_overlaps_pod_across_vpcs, _CIDR_FIX),
    Rule("terway-service-cidr-overlaps-mesh-vpc",
         "A Terway mesh member's Service CIDR must not overlap the ASM instance's VPC.",
         rules.terway_service_overlaps_mesh_vpc, _CIDR_FIX),
    Rule("member-vpc-overlaps-mesh-vpc",
         "A mesh member in another VPC must have a VPC CIDR disjoint from the ASM VPC.",
         rules.member_vpc_overlaps_mesh_vpc, _CIDR_FIX),
    Rule("vpc-cidr-invalid", "A VPC CIDR must be an IPv4 block with prefix /8 to /28.",
         limits.vpc_cidr_invalid, "Use a private block of prefix /8 to /28.", ACK_NET_URL,
         severity=Severity.MEDIUM),
    Rule("cidr-in-reserved-range",
         "No VPC, vSwitch, pod or Service CIDR may touch 100.64/10, 224/4, 127/8, 169.254/16 or "
         "7/8.", limits.cidr_in_reserved_range, "Choose a range outside the reserved ones.",
         ACK_NET_URL, severity=Severity.MEDIUM),
    Rule("vswitch-cidr-invalid", "A vSwitch CIDR must be an IPv4 block with prefix /16 to /29.",
         limits.vswitch_cidr_invalid, "Use a block of prefix /16 to /29.", ACK_NET_URL,
         severity=Severity.MEDIUM),
    Rule("vswitch-outside-vpc", "A vSwitch CIDR must lie inside its VPC's CIDR.",
         limits.vswitch_outside_vpc, "Choose a vSwitch block inside the VPC range.", ACK_NET_URL,
         severity=Severity.MEDIUM),
    Rule("service-cidr-invalid",
         "A Service CIDR must be a /16 to /24 inside 10/8, 172.16/12 or 192.168/16.",
         limits.service_cidr_invalid, "Use a private /16 to /24.", ACK_NET_URL,
         severity=Severity.MEDIUM),
    Rule("flannel-pod-cidr-invalid",
         "A Flannel pod CIDR must be private and larger than one node's block (nodeCidrMask).",
         limits.flannel_pod_cidr_invalid, "Use a private pod CIDR shorter than nodeCidrMask.",
         ACK_NET_URL, severity=Severity.MEDIUM),
    Rule("node-cidr-mask-invalid",
         "nodeCidrMask must be 24..28 and set explicitly for Flannel clusters.",
         limits.node_cidr_mask_invalid, "Set node_cidr_mask to a value from 24 to 28.",
         ACK_NET_URL, severity=Severity.MEDIUM),
    Rule("terway-pod-vswitch-zone-mismatch",
         "Terway pod vSwitches must be in the zones of the cluster's node vSwitches.",
         limits.terway_pod_vswitch_zones, "Give every node zone a pod vSwitch in the same zone.",
         ACK_NET_URL, severity=Severity.MEDIUM),
    Rule("fleet-cannot-reach-cluster",
         "Path (1): the Fleet's VPC must reach every member cluster's API server.",
         reach.fleet_cannot_reach_cluster,
         "Attach both VPCs to one CEN and peer their regions' transit routers, or make the "
         "cluster's API server public.", FLEET_NET_URL),
    Rule("cluster-cannot-reach-fleet",
         "Path (2): every member cluster's VPC must reach the Fleet's API server.",
         reach.cluster_cannot_reach_fleet,
         "Attach both VPCs to one CEN and peer their regions' transit routers, or enable the "
         "Fleet's public endpoint and declare it (fleetPublicEndpoint / FleetFeatures).",
         FLEET_NET_URL, schema={"fleetPublicEndpoint": FLEET_PUBLIC_SCHEMA}),
    Rule("mesh-cannot-reach-cluster",
         "Path (3): the ASM instance's VPC must reach every member cluster's API server.",
         reach.mesh_cannot_reach_cluster,
         "Attach both VPCs to one CEN and peer their regions' transit routers, or make the "
         "cluster's API server public."),
    Rule("cluster-not-in-fleet",
         "When the stack has a Fleet, every cluster must be attached to it.",
         reach.cluster_not_in_fleet,
         "Add an ackone.MembershipAttachment for the cluster, or set this policy to disabled.",
         FLEET_NET_URL, severity=Severity.MEDIUM),
    Rule("cluster-not-in-mesh",
         "When the stack has an ASM instance, every cluster must be in its clusterIds.",
         reach.cluster_not_in_mesh,
         "Add the cluster's id to the ServiceMesh cluster_ids, or set this policy to disabled.",
         severity=Severity.MEDIUM),
    Rule("cidr-overlaps-reserved-cidrs",
         "Nothing in the stack may overlap the configured reservedCidrs (other stacks, "
         "on-premises).", limits.reserved_cidrs, "Choose ranges outside every reserved range.",
         ACK_NET_URL, schema={"reservedCidrs": RESERVED_SCHEMA}),
    Rule("cluster-deletion-protection-disabled", "Clusters should have deletion protection.",
         reach.deletion_protection, "Set deletion_protection=True on the cluster.",
         ACK_NET_URL, ADVISORY, Severity.LOW, tags=("security",)),
    Rule("api-server-public",
         "API servers (clusters, ASM, the Fleet) should not be exposed to the Internet.",
         reach.api_server_public,
         "Keep API servers private and connect VPCs with CEN, or restrict access with ACLs.",
         SEED_URL, ADVISORY, Severity.MEDIUM, schema={"fleetPublicEndpoint": FLEET_PUBLIC_SCHEMA},
         tags=("security",)),
)


class _Request(threading.local):
    """State of the AnalyzeStack request running on this thread."""

    def __init__(self) -> None:
        self.position = -1
        self.resources: Any = None
        self.urns: list[str] = []
        self.index: StackIndex | None = None
        self.deferred: list[tuple[str, rules.Finding]] = []


_REQUEST = _Request()


def _state(position: int, resources: Sequence[Any]) -> _Request:
    """The current request's state; a new one when this policy starts a new request.

    Inside one request policies run in increasing position, so a position that does not increase
    means a new request; so does a different resource list (compared by identity when the pack's
    shared-deserialisation servicer passes the same list to every policy, else by URNs).
    """
    st = _REQUEST
    same = position > st.position and (
        resources is st.resources or [r.urn for r in resources] == st.urns)
    if not same:
        st.index = None
        st.deferred = []
        st.urns = [r.urn for r in resources]
    st.resources = resources
    st.position = position
    return st


def shared_index(position: int, resources: Sequence[Any]) -> StackIndex:
    """The request's index, built once."""
    st = _state(position, resources)
    if st.index is None:
        st.index = StackIndex(resources)
    return st.index


def _validator(rule: Rule, position: int) -> Callable[[StackValidationArgs, ReportViolation], None]:
    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        cfg = args.get_config()
        mode = cfg.get("unknowns", "advisory")
        try:
            index = shared_index(position, args.resources)
            seen: set[tuple[str, str]] = set()
            for f in rule.check(index, cfg):
                if (f.urn, f.message) in seen:
                    continue
                seen.add((f.urn, f.message))
                if not f.unverifiable:
                    report(f.message, f.urn or None)
                elif mode == "mandatory":
                    report("[not verifiable at preview] " + f.message, f.urn or None)
                elif mode == "advisory":
                    _REQUEST.deferred.append((rule.name, f))
        except Exception:  # noqa: BLE001 - a bug must not take the whole preview down
            _REQUEST.position = -1  # and must not leave a half-built index for the next request
            _REQUEST.index = None
            report(f"internal error in policy {rule.name} (please report it):\n"
                   f"{traceback.format_exc(limit=4)}", None)

    return validate


def _report_unknowns(position: int) -> Callable[[StackValidationArgs, ReportViolation], None]:
    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        st = _state(position, args.resources)
        for name, f in st.deferred:
            report(f"{name}: {f.message}", f.urn or None)
        st.deferred = []

    return validate


def build_policies() -> list[StackValidationPolicy]:
    """Every policy, in the order they run (value-unknown-at-preview last)."""
    policies = []
    for position, rule in enumerate(RULES):
        schema = {"unknowns": UNKNOWNS_SCHEMA, **rule.schema}
        policies.append(StackValidationPolicy(
            name=rule.name,
            description=rule.description,
            validate=_validator(rule, position),
            enforcement_level=rule.level,
            config_schema=PolicyConfigSchema(properties={k: dict(v) for k, v in schema.items()}),
            severity=rule.severity,
            tags=list(rule.tags),
            remediation_steps=rule.remediation,
            url=rule.url,
        ))
    policies.append(StackValidationPolicy(
        name=UNKNOWNS_NAME,
        description="Checks that could not run at preview because a value is unknown (reported "
                    "for policies whose 'unknowns' setting is 'advisory').",
        validate=_report_unknowns(len(RULES)),
        enforcement_level=ADVISORY,
        severity=Severity.LOW,
        tags=["preview"],
        remediation_steps="Re-run the check once the values are known (after the first update), "
                          "or pass known ids/CIDRs so the policy can verify them.",
        url=SEED_URL,
    ))
    return policies
