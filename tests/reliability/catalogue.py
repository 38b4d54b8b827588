"""A catalogue of malformed and hostile inputs, each with the error it must produce.

Three kinds: fleet specs (the ``meshfleet:fleet`` config value), lock files
(``locks/<stack>.json``, next to a valid spec) and policy-pack configs (``--policy-pack-config``).
Every entry names the exception type and a fragment of its message that tells the user what is
wrong (the field path or the key, and what is allowed).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pulumi.config import ConfigMissingError, ConfigTypeError

from meshfleet.errors import ExhaustedError, LockError, PinConflictError, SpecError

#: A small valid spec every spec/lock entry starts from.
GOOD: dict[str, Any] = {
    "name": "bad-input",
    "regions": {"cn-hangzhou": {"zones": ["cn-hangzhou-h", "cn-hangzhou-i"]}},
    "vpcs": {"hz": {"region": "cn-hangzhou"}},
    "clusters": {
        "a": {"vpc": "hz", "cni": "flannel", "maxNodes": 10},
        "b": {"vpc": "hz", "cni": "terway", "maxNodes": 10},
    },
    "fleet": {"vpc": "hz"},
    "mesh": {"vpc": "hz"},
}

#: Marks a spec entry whose config key is absent altogether.
ABSENT = object()


@dataclass(frozen=True)
class BadInput:
    """One bad input and the error it must produce."""

    name: str
    kind: str
    """``spec``, ``lock`` or ``policy-config``."""
    value: Any
    """spec: the raw config value (or ABSENT); lock: the lock file's text; policy-config: the
    decoded ``--policy-pack-config`` document."""
    error: type[Exception]
    fragment: str
    spec: Any = None
    """lock entries: the spec the lock sits next to (default GOOD)."""
    cli: bool = False
    """Also run through the real ``python -m fleetctl check`` subprocess."""


def _spec(change: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
    raw = copy.deepcopy(GOOD)
    change(raw)
    return raw


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A change that sets ``raw[a][b]...`` for path ``a.b...``."""

    def change(raw: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node = raw
        for p in parents:
            node = node.setdefault(p, {})
        node[last] = value

    return change


def _nested(depth: int) -> Any:
    value: Any = "ecs.g7.xlarge"
    for _ in range(depth):
        value = [value]
    return value


def _lock(allocations: dict[str, Any], version: Any = 1) -> str:
    return json.dumps({"version": version, "allocations": allocations})


SPECS: tuple[BadInput, ...] = (
    BadInput(
        "spec is a list", "spec", ["regions", "vpcs"], SpecError, "must be a mapping", cli=True
    ),
    BadInput("spec is a plain string", "spec", "hello", ConfigTypeError, "meshfleet:fleet"),
    BadInput("spec key missing", "spec", ABSENT, ConfigMissingError, "meshfleet:fleet"),
    BadInput(
        "unknown top-level field (typo)",
        "spec",
        {**GOOD, "clustres": GOOD["clusters"]},
        SpecError,
        "clustres: ",
    ),
    BadInput(
        "unknown region",
        "spec",
        _spec(_set("regions.cn-atlantis", {"zones": ["x-a"]})),
        SpecError,
        "is not an Alibaba Cloud region",
    ),
    BadInput(
        "zone of another region",
        "spec",
        _spec(_set("regions.cn-hangzhou.zones", ["cn-hangzhou-h", "cn-shanghai-b"])),
        SpecError,
        "is not a zone of cn-hangzhou",
    ),
    BadInput(
        "VPC in an undeclared region",
        "spec",
        _spec(_set("vpcs.hz.region", "cn-beijing")),
        SpecError,
        "names no region of this spec",
    ),
    BadInput(
        "cluster in an unknown VPC",
        "spec",
        _spec(_set("clusters.a.vpc", "nope")),
        SpecError,
        "clusters.a.vpc: 'nope' names no VPC",
    ),
    BadInput(
        "unsupported CNI",
        "spec",
        _spec(_set("clusters.a.cni", "calico")),
        SpecError,
        "is not a CNI meshfleet supports",
    ),
    BadInput(
        "CIDR with host bits",
        "spec",
        _spec(_set("vpcs.hz.cidr", "10.0.0.1/16")),
        SpecError,
        "did you mean 10.0.0.0/16",
        cli=True,
    ),
    BadInput(
        "IPv6 CIDR",
        "spec",
        _spec(_set("vpcs.hz.cidr", "fd00::/8")),
        SpecError,
        "must be an IPv4 CIDR",
    ),
    BadInput(
        "CIDR without prefix",
        "spec",
        _spec(_set("vpcs.hz.cidr", "10.0.0.0")),
        SpecError,
        "with a prefix length",
    ),
    BadInput(
        "CIDR that is not an address",
        "spec",
        _spec(_set("vpcs.hz.cidr", "10.0.0.0/16; rm -rf /")),
        SpecError,
        "is not a valid IPv4 CIDR",
    ),
    BadInput(
        "CIDR as a number",
        "spec",
        _spec(_set("vpcs.hz.cidr", 167772160)),
        SpecError,
        "must be a concrete CIDR string",
    ),
    BadInput(
        "VPC in CGNAT space",
        "spec",
        _spec(_set("vpcs.hz.cidr", "100.64.0.0/16")),
        SpecError,
        "overlaps 100.64.0.0/10",
    ),
    BadInput(
        "VPC in 7.0.0.0/8 (managed ACK)",
        "spec",
        _spec(_set("vpcs.hz.cidr", "7.0.0.0/16")),
        SpecError,
        "reserved for managed ACK",
    ),
    BadInput(
        "public pod CIDR",
        "spec",
        _spec(_set("clusters.a.podCidr", "8.8.0.0/16")),
        SpecError,
        "must lie inside 10.0.0.0/8",
    ),
    BadInput(
        "pod CIDR on a Terway cluster",
        "spec",
        _spec(_set("clusters.b.podCidr", "172.20.0.0/16")),
        SpecError,
        "is only for Flannel",
    ),
    BadInput(
        "pod CIDR not larger than a node block",
        "spec",
        _spec(_set("clusters.a.podCidr", "172.20.0.0/26")),
        SpecError,
        "shorter than nodeCidrMask",
    ),
    BadInput(
        "Service CIDR too large",
        "spec",
        _spec(_set("clusters.a.serviceCidr", "10.0.0.0/12")),
        SpecError,
        "has prefix /12; a Service CIDR must be /16 to /24",
    ),
    BadInput(
        "Service CIDR too small",
        "spec",
        _spec(_set("clusters.a.serviceCidr", "192.168.0.0/25")),
        SpecError,
        "a Service CIDR must be /16 to /24",
    ),
    BadInput(
        "boolean where a number goes",
        "spec",
        _spec(_set("clusters.a.maxNodes", True)),
        SpecError,
        "must be a whole number from 1 to 5000",
    ),
    BadInput(
        "fractional number",
        "spec",
        _spec(_set("clusters.a.maxNodes", 2.5)),
        SpecError,
        "must be a whole number from 1 to 5000",
    ),
    BadInput(
        "number out of range",
        "spec",
        _spec(_set("clusters.a.podsPerNode", 0)),
        SpecError,
        "podsPerNode: 0 must be a whole number from 1 to 255",
    ),
    BadInput(
        "path traversal as a name",
        "spec",
        {**GOOD, "clusters": {"../../etc": {"vpc": "hz"}, **GOOD["clusters"]}},
        SpecError,
        "is not a valid name",
    ),
    BadInput(
        "10,000-character name",
        "spec",
        {**GOOD, "name": "a" * 10_000},
        SpecError,
        "at most 40 characters",
    ),
    BadInput(
        "upper-case and unicode name",
        "spec",
        {**GOOD, "name": "Flëet"},
        SpecError,
        "is not a valid name",
    ),
    BadInput(
        "deeply nested junk",
        "spec",
        _spec(_set("clusters.a.nodePools", {"w": {"instanceTypes": _nested(200)}})),
        SpecError,
        "must be a list of strings",
    ),
    BadInput(
        "CEN VPC with one transit-router zone",
        "spec",
        _spec(_set("regions.cn-hangzhou.zones", ["cn-hangzhou-h", "cn-hangzhou-a"])),
        SpecError,
        "regions.cn-hangzhou.zones: ['cn-hangzhou-h', 'cn-hangzhou-a'] must "
        "include at least two zones that support transit routers for VPC hz",
    ),
    BadInput(
        "transitRouterZones with one zone (the field written is blamed)",
        "spec",
        _spec(_set("vpcs.hz.transitRouterZones", ["cn-hangzhou-h"])),
        SpecError,
        "vpcs.hz.transitRouterZones: ['cn-hangzhou-h'] must name at least two zones",
        cli=True,
    ),
    BadInput(
        "no clusters at all",
        "spec",
        {**GOOD, "clusters": {}},
        SpecError,
        "clusters: {} must declare at least one cluster",
        cli=True,
    ),
    BadInput(
        "no VPCs at all",
        "spec",
        {**GOOD, "vpcs": {}, "clusters": {}},
        SpecError,
        "vpcs: {} must declare at least one VPC",
    ),
    BadInput(
        "no regions at all",
        "spec",
        {**GOOD, "regions": {}},
        SpecError,
        "regions: {} must name at least one region with its zones",
    ),
    BadInput(
        "pinned vSwitch outside its VPC",
        "spec",
        _spec(
            lambda raw: (
                _set("vpcs.hz.cidr", "10.1.0.0/16")(raw),
                _set("clusters.a.vswitches", {"cn-hangzhou-h": "10.2.0.0/24"})(raw),
            )
        ),
        SpecError,
        "a vSwitch must be inside its VPC",
    ),
    BadInput(
        "pinned vSwitch in an unpinned VPC",
        "spec",
        _spec(_set("clusters.a.vswitches", {"cn-hangzhou-h": "10.2.0.0/24"})),
        SpecError,
        "pin vpcs.hz.cidr too",
    ),
    BadInput(
        "two clusters pin one Service CIDR",
        "spec",
        _spec(
            lambda raw: (
                _set("clusters.a.serviceCidr", "192.168.0.0/20")(raw),
                _set("clusters.b.serviceCidr", "192.168.8.0/24")(raw),
            )
        ),
        SpecError,
        "a service CIDR must not overlap a service CIDR",
    ),
    BadInput(
        "pin inside a reserved range",
        "spec",
        _spec(
            lambda raw: (
                _set("reserved", ["10.0.0.0/8"])(raw),
                _set("vpcs.hz.cidr", "10.9.0.0/16")(raw),
            )
        ),
        SpecError,
        "reserved ranges are in use elsewhere",
    ),
    BadInput(
        "minSize above maxSize",
        "spec",
        _spec(_set("clusters.a.nodePools", {"w": {"minSize": 5, "maxSize": 2}})),
        SpecError,
        "and maxSize go together",
    ),
    BadInput(
        "desiredSize above maxNodes",
        "spec",
        _spec(_set("clusters.a.nodePools", {"w": {"desiredSize": 11}})),
        SpecError,
        "desiredSize: 11 must be a whole number from 0 to 10",
    ),
    BadInput(
        "pools beyond maxNodes with the system pool",
        "spec",
        _spec(_set("clusters.a.nodePools", {"w": {"desiredSize": 9}})),
        SpecError,
        "maxNodes: 10 is less than the most nodes its pools may have (11: system 2, w 9)",
    ),
    BadInput(
        "the old single nodePool",
        "spec",
        _spec(_set("clusters.a.nodePool", {"desiredSize": 2})),
        SpecError,
        "write `nodePools: {workers: {...}}`",
        cli=True,
    ),
    BadInput(
        "the old mesh edition",
        "spec",
        _spec(_set("mesh.edition", "Pro")),
        SpecError,
        "write `spec: enterprise`",
    ),
    BadInput(
        "Fleet placement missing",
        "spec",
        {k: v for k, v in GOOD.items() if k != "fleet"},
        SpecError,
        "fleet: must be a mapping with at least `vpc`",
    ),
    BadInput(
        "unknown connectivity mode",
        "spec",
        {**GOOD, "connectivity": "vpn"},
        SpecError,
        "is not a connectivity mode meshfleet supports",
    ),
    BadInput(
        "public pod pool",
        "spec",
        {**GOOD, "pools": {"pod": ["8.0.0.0/8"]}},
        SpecError,
        "for a pod pool",
    ),
    BadInput(
        "reserved entry that is not a CIDR",
        "spec",
        {**GOOD, "reserved": ["on-prem"]},
        SpecError,
        "reserved[0]: 'on-prem' is not a valid IPv4 CIDR",
    ),
    BadInput(
        "zone listed twice",
        "spec",
        _spec(_set("regions.cn-hangzhou.zones", ["cn-hangzhou-h", "cn-hangzhou-h"])),
        SpecError,
        "lists a value twice",
    ),
    BadInput(
        "Fleet and mesh share a kubeconfig context",
        "spec",
        {**GOOD, "fleet": {"vpc": "hz", "name": "same"}, "mesh": {"vpc": "hz", "name": "same"}},
        SpecError,
        "mesh.context: 'same' must differ from the Fleet's context",
    ),
    BadInput(
        "context name with a space",
        "spec",
        {**GOOD, "fleet": {"vpc": "hz", "context": "my fleet"}},
        SpecError,
        "fleet.context: 'my fleet' must be a kubeconfig context name",
    ),
    BadInput(
        "pools too small for the fleet",
        "spec",
        {**GOOD, "pools": {"vpc": ["192.168.0.0/28"]}},
        ExhaustedError,
        "does not fit in the vpc pools 192.168.0.0/28",
        cli=True,
    ),
)

GOOD_ALLOCATIONS = {
    "vpc:hz": "10.0.0.0/20",
    "pod:a": "172.16.0.0/20",
    "service:a": "192.168.0.0/20",
    "service:b": "192.168.16.0/20",
}

LOCKS: tuple[BadInput, ...] = (
    BadInput("lock is not JSON", "lock", "{version: 1,", LockError, "is not valid JSON", cli=True),
    BadInput("lock is empty", "lock", "", LockError, "is not valid JSON"),
    BadInput(
        "lock is a JSON list",
        "lock",
        "[1, 2]",
        LockError,
        "must be a JSON object with `version` and `allocations`",
    ),
    BadInput(
        "lock of a future version",
        "lock",
        _lock(GOOD_ALLOCATIONS, version=3),
        LockError,
        "is not a lock version meshfleet reads",
    ),
    BadInput(
        "allocations is a list",
        "lock",
        json.dumps({"version": 1, "allocations": []}),
        LockError,
        "must be an object of key -> CIDR",
    ),
    BadInput(
        "key meshfleet never writes",
        "lock",
        _lock({"vpc:HZ": "10.0.0.0/16"}),
        LockError,
        "is not an allocation key meshfleet writes",
    ),
    BadInput(
        "non-canonical CIDR",
        "lock",
        _lock({"vpc:hz": "10.0.0.1/16"}),
        LockError,
        "allocations.vpc:hz: '10.0.0.1/16' is not a canonical IPv4 CIDR: it has host bits "
        "set; did you mean 10.0.0.0/16?",
    ),
    BadInput(
        "IPv6 CIDR",
        "lock",
        _lock({"vpc:hz": "fd00::/8"}),
        LockError,
        "must be an IPv4 CIDR with a prefix length",
    ),
    BadInput(
        "CIDR as a number",
        "lock",
        _lock({"vpc:hz": 167772160}),
        LockError,
        "allocations.vpc:hz: 167772160 must be a concrete CIDR string",
    ),
    # Held to the rule of a pin of the same kind, naming the file and the key.
    BadInput(
        "locked VPC in CGNAT space",
        "lock",
        _lock({**GOOD_ALLOCATIONS, "vpc:hz": "100.64.0.0/16"}),
        LockError,
        "bad.json.allocations.vpc:hz: '100.64.0.0/16' overlaps 100.64.0.0/10 "
        "(shared address space (CGNAT))",
        cli=True,
    ),
    BadInput(
        "locked VPC in 7.0.0.0/8 (managed ACK)",
        "lock",
        _lock({**GOOD_ALLOCATIONS, "vpc:hz": "7.0.0.0/16"}),
        LockError,
        "allocations.vpc:hz: '7.0.0.0/16' overlaps 7.0.0.0/8 (reserved for managed ACK",
    ),
    BadInput(
        "locked VPC prefix too long",
        "lock",
        _lock({"vpc:hz": "10.0.0.0/29"}),
        LockError,
        "allocations.vpc:hz: '10.0.0.0/29' has prefix /29; a VPC CIDR must be /8 to /28",
    ),
    BadInput(
        "locked public Service CIDR",
        "lock",
        _lock({**GOOD_ALLOCATIONS, "service:a": "11.0.0.0/20"}),
        LockError,
        "allocations.service:a: '11.0.0.0/20' must lie inside 10.0.0.0/8, 172.16.0.0/12, "
        "192.168.0.0/16 for a Service CIDR",
    ),
    BadInput(
        "locked Service CIDR too small",
        "lock",
        _lock({**GOOD_ALLOCATIONS, "service:a": "192.168.0.0/25"}),
        LockError,
        "allocations.service:a: '192.168.0.0/25' has prefix /25; a Service CIDR must be /16 to /24",
    ),
    BadInput(
        "locked public pod CIDR",
        "lock",
        _lock({**GOOD_ALLOCATIONS, "pod:a": "8.8.0.0/16"}),
        LockError,
        "allocations.pod:a: '8.8.0.0/16' must lie inside 10.0.0.0/8, 172.16.0.0/12, "
        "192.168.0.0/16 for a Flannel pod CIDR",
    ),
    BadInput(
        "locked vSwitch /30",
        "lock",
        _lock({**GOOD_ALLOCATIONS, "vswitch:hz:node:a:cn-hangzhou-h": "10.0.0.0/30"}),
        LockError,
        "allocations.vswitch:hz:node:a:cn-hangzhou-h: '10.0.0.0/30' has prefix "
        "/30; a vSwitch must be /16 to /29",
    ),
    BadInput(
        "locked vSwitch in link-local space",
        "lock",
        _lock({**GOOD_ALLOCATIONS, "vswitch:hz:fleet:cn-hangzhou-h": "169.254.0.0/27"}),
        LockError,
        "'169.254.0.0/27' overlaps 169.254.0.0/16 (link-local)",
    ),
    BadInput(
        "lock contradicts a pin",
        "lock",
        _lock(GOOD_ALLOCATIONS),
        PinConflictError,
        "differs from the lock",
        spec=_spec(_set("clusters.a.serviceCidr", "192.168.64.0/20")),
        cli=True,
    ),
    BadInput(
        "two locked CIDRs overlap",
        "lock",
        _lock({**GOOD_ALLOCATIONS, "service:b": "192.168.0.0/24"}),
        PinConflictError,
        "fixed CIDRs must be pairwise disjoint",
    ),
    BadInput(
        "locked CIDR smaller than the sizing",
        "lock",
        _lock({**GOOD_ALLOCATIONS, "pod:a": "172.16.0.0/24"}),
        PinConflictError,
        "is smaller than the /",
    ),
    BadInput(
        "locked vSwitch outside its locked VPC",
        "lock",
        _lock({**GOOD_ALLOCATIONS, "vswitch:hz:node:a:cn-hangzhou-h": "10.9.0.0/26"}),
        PinConflictError,
        "lies outside VPC hz",
    ),
    BadInput(
        "locked CIDR inside a reserved range",
        "lock",
        _lock(GOOD_ALLOCATIONS),
        PinConflictError,
        "overlaps reserved[0] (10.0.0.0/16",
        spec={**GOOD, "reserved": ["10.0.0.0/16"]},
    ),
    BadInput(
        "locked VPC too small for what it must hold",
        "lock",
        _lock({"vpc:hz": "10.0.0.0/28"}),
        ExhaustedError,
        "does not fit in VPC hz",
    ),
)

POLICY_CONFIGS: tuple[BadInput, ...] = (
    BadInput(
        "unknown policy name (typo)",
        "policy-config",
        {"pod-cidr-overlap": "advisory"},
        ValueError,
        "unknown policy 'pod-cidr-overlap'",
        cli=True,
    ),
    BadInput(
        "unknown enforcement level",
        "policy-config",
        {"all": "warn"},
        ValueError,
        "enforcement level must be one of advisory, mandatory, remediate, disabled",
    ),
    BadInput(
        "level as a number",
        "policy-config",
        {"vpc-cidr-invalid": 1},
        ValueError,
        "expected an enforcement level or an object",
    ),
    BadInput(
        "'all' with properties",
        "policy-config",
        {"all": {"reservedCidrs": []}},
        ValueError,
        "'all' accepts only an enforcement level",
    ),
    BadInput(
        "unknown property of a policy",
        "policy-config",
        {"api-server-public": {"fleetPublic": True}},
        ValueError,
        "has no config key 'fleetPublic'",
    ),
    BadInput(
        "reservedCidrs as a string",
        "policy-config",
        {"cidr-overlaps-reserved-cidrs": {"reservedCidrs": "10.0.0.0/8"}},
        ValueError,
        "cidr-overlaps-reserved-cidrs.reservedCidrs: expected array",
    ),
    BadInput(
        "reservedCidrs item not a string",
        "policy-config",
        {"cidr-overlaps-reserved-cidrs": {"reservedCidrs": [10]}},
        ValueError,
        "reservedCidrs[0]: expected string",
    ),
    BadInput(
        "unknowns mode outside its enum",
        "policy-config",
        {"vpc-cidr-overlaps-vpc-cidr": {"unknowns": "ignore"}},
        ValueError,
        "expected one of ['skip', 'advisory', 'mandatory']",
    ),
    BadInput(
        "fleetPublicEndpoint not a boolean",
        "policy-config",
        {"cluster-cannot-reach-fleet": {"fleetPublicEndpoint": "yes"}},
        ValueError,
        "fleetPublicEndpoint: expected boolean",
    ),
    BadInput(
        "config is a list",
        "policy-config",
        ["all", "mandatory"],
        ValueError,
        "expected a JSON object keyed by policy name",
    ),
)

ALL: tuple[BadInput, ...] = SPECS + LOCKS + POLICY_CONFIGS
