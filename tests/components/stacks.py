"""Shared helpers of the stack tests: run the real program under recording mocks, and read the
capture back in terms of the plan (which region a resource belongs to, which URN is which).

The program runs in preview mode with strict invokes (an invoke the mocks do not know fails the
run), exactly as ``pulumi preview`` would run ``__main__.py`` for the stack.
"""

from __future__ import annotations

import copy
import runpy
from collections.abc import Callable, Mapping
from itertools import combinations
from pathlib import Path
from typing import Any

import pulumi
import yaml
from pulumi.runtime.mocks import MockMonitor

from fleetctl.capture import Capture, Registration, run_program
from meshfleet.layout import Plan
from meshfleet.lock import lock_path
from meshfleet.pipeline import plan_stack
from meshfleet.versions import read_regions
from tests.programs import copy_program

REPO = Path(__file__).resolve().parents[2]
PROJECT = "meshfleet"

# Type tokens of pulumi_alicloud 4.0.0 (each class's ``__init__`` registers under one).
PROVIDER = "pulumi:providers:alicloud"
VPC = "alicloud:vpc/network:Network"
VSWITCH = "alicloud:vpc/switch:Switch"
ACK = "alicloud:cs/managedKubernetes:ManagedKubernetes"
NODE_POOL = "alicloud:cs/nodePool:NodePool"
SG_RULE = "alicloud:ecs/securityGroupRule:SecurityGroupRule"
FLEET = "alicloud:ackone/cluster:Cluster"
MEMBERSHIP = "alicloud:ackone/membershipAttachment:MembershipAttachment"
MESH = "alicloud:servicemesh/serviceMesh:ServiceMesh"
EIP = "alicloud:ecs/eipAddress:EipAddress"
CEN = "alicloud:cen/instance:Instance"
TR = "alicloud:cen/transitRouter:TransitRouter"
TR_TABLE = "alicloud:cen/transitRouterRouteTable:TransitRouterRouteTable"
TR_VPC = "alicloud:cen/transitRouterVpcAttachment:TransitRouterVpcAttachment"
TR_PEER = "alicloud:cen/transitRouterPeerAttachment:TransitRouterPeerAttachment"
TR_ASSOC = "alicloud:cen/transitRouterRouteTableAssociation:TransitRouterRouteTableAssociation"
TR_PROP = "alicloud:cen/transitRouterRouteTablePropagation:TransitRouterRouteTablePropagation"
TR_ROUTE = "alicloud:cen/transitRouterRouteEntry:TransitRouterRouteEntry"
VPC_ROUTE = "alicloud:vpc/routeEntry:RouteEntry"
NAT = "alicloud:vpc/natGateway:NatGateway"
SNAT = "alicloud:vpc/snatEntry:SnatEntry"
EIP_ASSOC = "alicloud:ecs/eipAssociation:EipAssociation"
AUTOSCALER = "alicloud:cs/autoscalingConfig:AutoscalingConfig"
DYNAMIC = "pulumi-python:dynamic:Resource"
MESH_MEMBERSHIP_KIND = "meshfleet:servicemesh:MeshMembership"
COMPONENTS = {
    "meshfleet:index:MeshFleet",
    "meshfleet:network:Network",
    "meshfleet:cluster:AckCluster",
    "meshfleet:fleet:Fleet",
    "meshfleet:mesh:Mesh",
    "meshfleet:cen:CenBackbone",
}
CEN_TYPES = {CEN, TR, TR_TABLE, TR_VPC, TR_PEER, TR_ASSOC, TR_PROP, TR_ROUTE, VPC_ROUTE}


class RecordingMonitor(MockMonitor):
    """MockMonitor that keeps every raw RegisterResourceRequest (aliases, options and all)."""

    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.requests: list[Any] = []

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        self.requests.append(request)
        return super().RegisterResource(request)


def edited_program_dir(tmp: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    """A copy of this project's program whose example fleet ``change`` edited (the same lock):
    run it with ``fleetctl.capture.run_program_dir(<it>, stack="example")``."""
    prog = copy_program(tmp / "prog", locks=True)
    doc = yaml.safe_load((REPO / "Pulumi.example.yaml").read_text())
    change(doc["config"]["meshfleet:fleet"])
    (prog / "Pulumi.example.yaml").write_text(yaml.safe_dump(doc))
    return prog


def example_config() -> dict[str, Any]:
    """The example stack's config, as ``Pulumi.example.yaml`` declares it (full keys)."""
    raw = yaml.safe_load((REPO / "Pulumi.example.yaml").read_text())["config"]
    return {k if ":" in k else f"{PROJECT}:{k}": v for k, v in raw.items()}


def with_fleet(config: Mapping[str, Any], **changes: Any) -> dict[str, Any]:
    """A copy of ``config`` whose fleet spec has these top-level keys replaced."""
    out = copy.deepcopy(dict(config))
    out["meshfleet:fleet"] = {**out["meshfleet:fleet"], **changes}
    return out


def run_stack(config: Mapping[str, Any], stack: str) -> Capture:
    """Run the repository's ``__main__.py`` for ``stack`` in preview, strict invokes."""
    return run_program(
        lambda: runpy.run_path(str(REPO / "__main__.py"), run_name="__main__"),
        project=PROJECT,
        stack=stack,
        config=config,
        strict_invokes=True,
    )


def plan_of(config: Mapping[str, Any], stack: str) -> Plan:
    """The plan the program makes for ``stack``: same spec, same lock file."""
    return plan_stack(config["meshfleet:fleet"], lock_path(REPO, stack))


def expected_counts(p: Plan) -> dict[str, int]:
    """Resources by type that the design declares for plan ``p`` (see meshfleet/components/*.py)."""
    public = p.spec.connectivity == "public"
    standalone = p.spec.mesh.mode == "standalone"
    vpcs, clusters = list(p.vpcs.values()), list(p.clusters.values())
    regions = p.regions
    flannel = [c for c in clusters if c.cni == "flannel"]
    pairs = len(list(combinations(regions, 2)))
    nat = [v for v in vpcs if v.by_role("nat")]  # one NAT gateway, EIP and association each
    counts = {
        # one provider per region, and a reading provider per region versions are read in
        PROVIDER: len(regions) + len(read_regions(p.spec, p.versions.chosen)),
        VPC: len(vpcs),
        VSWITCH: sum(len(v.vswitches) for v in vpcs),
        ACK: len(clusters),
        NODE_POOL: sum(len(c.spec.pools) for c in clusters),
        AUTOSCALER: sum(c.spec.auto_scaling for c in clusters),
        FLEET: 1,
        MEMBERSHIP: len(clusters),
        MESH: int(standalone),
        DYNAMIC: 1 + len(clusters),  # FleetFeatures + mesh memberships
        NAT: len(nat),
        EIP: len(nat),
        EIP_ASSOC: len(nat),
        SNAT: sum(len(v.by_role("node")) + len(v.by_role("pod")) for v in nat),
        "meshfleet:index:MeshFleet": 1,
        "meshfleet:network:Network": len(vpcs),
        "meshfleet:cluster:AckCluster": len(clusters),
        "meshfleet:fleet:Fleet": 1,
        "meshfleet:mesh:Mesh": int(standalone),
    }
    if public:
        if standalone:
            counts[EIP] += 1  # Pilot's
        return {k: v for k, v in counts.items() if v}
    counts.update(
        {
            "meshfleet:cen:CenBackbone": 1,
            CEN: 1,
            TR: len(regions),
            TR_TABLE: len(regions),
            TR_VPC: len(vpcs),
            TR_PEER: pairs,
            TR_ASSOC: len(vpcs) + 2 * pairs,
            TR_PROP: len(vpcs) + 2 * pairs,
            TR_ROUTE: len(flannel) * len(regions),
            # aggregates (what they cover is checked in test_stack_example), never per remote range
            VPC_ROUTE: sum(len(p.routes[v.name]) for v in vpcs),
            # per aggregate: each cluster (all traffic), the Fleet (API server), the mesh (API
            # server and istiod)
            SG_RULE: (len(clusters) + 1 + 2 * standalone) * len(p.supernets),
        }
    )
    if not pairs:
        del counts[TR_PEER]
    return {k: v for k, v in counts.items() if v}


class View:
    """A capture read in the plan's terms."""

    def __init__(self, cap: Capture, p: Plan) -> None:
        self.cap, self.plan = cap, p
        self.by_urn = {r.urn: r for r in cap.registrations}
        self.provider_region = {r.urn: r.inputs.get("region") for r in cap.by_type(PROVIDER)}

    def one(self, type_: str, name: str) -> Registration:
        found = [r for r in self.cap.by_type(type_) if r.name == name]
        assert len(found) == 1, f"{len(found)} {type_} named {name}"
        return found[0]

    def component_name(self, urn: str) -> str:
        return self.by_urn[urn].name

    def ancestor(self, reg: Registration, type_: str) -> Registration | None:
        cur: Registration | None = reg
        while cur is not None and cur.parent:
            cur = self.by_urn.get(cur.parent)
            if cur is not None and cur.type == type_:
                return cur
        return None

    def deps(self, reg: Registration, key: str) -> set[str]:
        return set(reg.property_dependencies.get(key, []))

    def vswitch(self, key: str) -> Registration:
        """The vSwitch registration of a planned vSwitch key."""
        sw = next(s for v in self.plan.vpcs.values() for s in v.vswitches if s.key == key)
        return self.one(VSWITCH, sw.name)

    def region_of_table(self, table_urn: str) -> str:
        return str(self.provider_region[self.by_urn[table_urn].provider])

    def expected_region(self, reg: Registration) -> str:
        """The region a regional resource belongs to, from the plan (not from its provider)."""
        p, t = self.plan, reg.type
        net = self.ancestor(reg, "meshfleet:network:Network")
        ack = self.ancestor(reg, "meshfleet:cluster:AckCluster")
        if ack is not None and t in (ACK, NODE_POOL, SG_RULE, AUTOSCALER):
            return p.clusters[ack.name].region
        if net is not None and t in (VPC, VSWITCH, NAT, EIP, EIP_ASSOC, SNAT):
            return p.vpcs[net.name].region
        if t in (FLEET, MEMBERSHIP) or self.ancestor(reg, "meshfleet:fleet:Fleet"):
            return p.fleet.region
        if t in (MESH, EIP) or self.ancestor(reg, "meshfleet:mesh:Mesh"):
            return p.mesh.region
        if t == CEN:
            return p.fleet.region  # global; served by the Fleet's (home) region
        if t == TR:
            return next(r for r in p.regions if reg.name.endswith(f"-{r}"))
        if t == TR_TABLE:
            (tr,) = self.deps(reg, "transitRouterId")
            return self.expected_region(self.by_urn[tr])
        if t in (TR_VPC, VPC_ROUTE):
            key = "vpcId" if t == TR_VPC else "routeTableId"
            (vpc,) = self.deps(reg, key)
            return self.expected_region(self.by_urn[vpc])
        if t == TR_PEER:
            (tr,) = self.deps(reg, "transitRouterId")
            return self.expected_region(self.by_urn[tr])
        if t in (TR_ASSOC, TR_PROP, TR_ROUTE):
            (table,) = self.deps(reg, "transitRouterRouteTableId")
            return self.expected_region(self.by_urn[table])
        raise AssertionError(f"no region rule for {t}")

    def mesh_memberships(self) -> list[Registration]:
        """The MeshMembership dynamic resources, in registration order."""
        return [
            r for r in self.cap.by_type(DYNAMIC) if r.inputs.get("kind") == MESH_MEMBERSHIP_KIND
        ]

    def closure(self, urn: str) -> set[str]:
        """Every URN ``urn`` transitively waits on (dependencies + property dependencies)."""
        seen: set[str] = set()
        todo = [urn]
        while todo:
            for nxt in self.cap.waits_on(todo.pop()):
                if nxt not in seen and nxt in self.by_urn:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen


def big_fleet() -> dict[str, Any]:
    """3 regions, 6 VPCs, 20 clusters, both CNIs: the scale test's spec."""
    regions = {
        "cn-hangzhou": ["cn-hangzhou-h", "cn-hangzhou-i", "cn-hangzhou-j"],
        "cn-shanghai": ["cn-shanghai-b", "cn-shanghai-g", "cn-shanghai-l"],
        "cn-beijing": ["cn-beijing-a", "cn-beijing-c", "cn-beijing-h"],
    }
    vpcs = {
        f"{short}-{i}": {"region": region}
        for short, region in (("hz", "cn-hangzhou"), ("sh", "cn-shanghai"), ("bj", "cn-beijing"))
        for i in (1, 2)
    }
    clusters: dict[str, Any] = {}
    names = sorted(vpcs)
    for n in range(20):
        vpc = names[n % len(names)]
        cni = "terway" if n % 3 == 0 else "flannel"
        clusters[f"c{n:02d}"] = {
            "vpc": vpc,
            "cni": cni,
            "maxNodes": 20 + 10 * (n % 4),
            "podsPerNode": 32 if cni == "terway" else 64,
            "nodePools": {
                "workers": {"minSize": 1, "maxSize": 10} if n % 2 else {"desiredSize": 2}
            },
            "deletionProtection": n % 5 != 0,
        }
    return {
        "name": "big",
        "connectivity": "cen",
        "cenBandwidth": 50,
        "regions": {r: {"zones": z} for r, z in regions.items()},
        "vpcs": vpcs,
        "clusters": clusters,
        "fleet": {"vpc": "hz-1", "context": "fleet"},
        "mesh": {"vpc": "sh-1", "context": "mesh", "spec": "enterprise"},
    }
