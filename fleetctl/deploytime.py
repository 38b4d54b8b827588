"""Estimate how long ``pulumi up`` of a fresh stack takes, from its dependency graph.

Pulumi creates a resource as soon as everything it waits for exists, so a stack's wall time is
the longest chain of waits (the critical path), not the sum of all create times. The graph is
the engine view of a capture (:func:`fleetctl.capture.engine.engine_view`); the create times are
the table below.

What a resource waits for before its create starts is :func:`fleetctl.capture.engine.waits_on`
(dependencies, property dependencies, provider, a custom parent); providers and components take
no time.

Parallelism: ``pulumi up --parallel`` is unbounded by default in the Python host (pulumi/pulumi
#11116: "parallelism is unbounded by default"; the Python executor honours ``--parallel`` since
that fix), so the default estimate assumes every ready resource starts at once. ``parallel=N``
models ``--parallel N`` by list scheduling (longest remaining chain first).

Example::

    >>> view = [
    ...     {"type": "alicloud:vpc/network:Network", "name": "v", "urn": "u:v", "parent": "",
    ...      "provider": "", "custom": True, "dependencies": [], "propertyDependencies": {}},
    ...     {"type": "alicloud:vpc/switch:Switch", "name": "s", "urn": "u:s", "parent": "",
    ...      "provider": "", "custom": True, "dependencies": ["u:v"],
    ...      "propertyDependencies": {}}]
    >>> est = estimate(view)
    >>> est.total_s == CREATE_SECONDS["alicloud:vpc/network:Network"][0] + \\
    ...     CREATE_SECONDS["alicloud:vpc/switch:Switch"][0]
    True
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fleetctl.capture.engine import graph

# Typical create times in seconds, with the reasoning. None of these is a measurement of
# meshfleet itself (there is no cloud account here); they are engineering estimates from the
# vendor documentation's own statements where one exists and from how the provider waits
# (terraform-provider-alicloud, which pulumi_alicloud wraps, polls each resource until its
# status is Available/Active/running before reporting the create done).
CREATE_SECONDS: dict[str, tuple[float, str]] = {
    "alicloud:vpc/network:Network": (
        15,
        "CreateVpc is asynchronous; the VPC turns Available within seconds and the provider "
        "polls for it",
    ),
    "alicloud:vpc/switch:Switch": (10, "CreateVSwitch, polled until Available: seconds"),
    "alicloud:vpc/ipamIpamPoolAllocation:IpamIpamPoolAllocation": (
        3,
        "CreateIpamPoolAllocation is one synchronous call (the provider reads the allocation "
        "back once, no status polling): seconds",
    ),
    "alicloud:vpc/routeEntry:RouteEntry": (10, "route entry create, polled until Available"),
    "alicloud:cs/managedKubernetes:ManagedKubernetes": (
        600,
        "ACK Pro control plane: the console estimates about 10 minutes for a new cluster; "
        "the provider waits for state running",
    ),
    "alicloud:cs/kubernetes:Kubernetes": (
        900,
        "dedicated ACK: also boots the master ECS instances, longer than managed",
    ),
    "alicloud:cs/nodePool:NodePool": (
        300,
        "ECS instances are created, booted and joined; the provider waits for the scaling "
        "group to reach the desired size: minutes",
    ),
    "alicloud:ackone/cluster:Cluster": (
        300,
        "ACK One Fleet instance: a managed hub control plane, comparable to an ACK control "
        "plane but without add-ons",
    ),
    "alicloud:ackone/membershipAttachment:MembershipAttachment": (
        60,
        "attaching a running cluster to the Fleet: an asynchronous task, polled",
    ),
    "alicloud:servicemesh/serviceMesh:ServiceMesh": (
        600,
        "ASM instance (control plane + its CLBs) and adding the member clusters listed in "
        "cluster_ids: several minutes",
    ),
    "alicloud:cen/instance:Instance": (10, "CEN instance: a global metadata object"),
    "alicloud:cen/transitRouter:TransitRouter": (
        60,
        "Enterprise Edition transit router, polled until Active: about a minute",
    ),
    "alicloud:cen/transitRouterVpcAttachment:TransitRouterVpcAttachment": (
        180,
        "creates ENIs in every mapped zone, polled until Attached: a few minutes",
    ),
    "alicloud:cen/transitRouterPeerAttachment:TransitRouterPeerAttachment": (
        180,
        "cross-region connection between two transit routers, polled until Attached",
    ),
    "alicloud:cen/transitRouterRouteTable:TransitRouterRouteTable": (30, "route table create"),
    "alicloud:cen/transitRouterRouteTableAssociation:TransitRouterRouteTableAssociation": (
        30,
        "asynchronous association, polled until Active",
    ),
    "alicloud:cen/transitRouterRouteTablePropagation:TransitRouterRouteTablePropagation": (
        30,
        "asynchronous propagation, polled until Active",
    ),
    "alicloud:cen/transitRouterRouteEntry:TransitRouterRouteEntry": (
        30,
        "static TR route, polled until Active",
    ),
    "alicloud:cen/instanceAttachment:InstanceAttachment": (60, "legacy CEN VPC attachment"),
    "alicloud:ecs/securityGroup:SecurityGroup": (5, "synchronous API call"),
    "alicloud:ecs/securityGroupRule:SecurityGroupRule": (3, "synchronous API call"),
    "alicloud:vpc/natGateway:NatGateway": (
        60,
        "Enhanced NAT gateway: CreateNatGateway is asynchronous, polled until Available",
    ),
    "alicloud:ecs/eipAddress:EipAddress": (10, "AllocateEipAddress, polled until Available"),
    "alicloud:ecs/eipAssociation:EipAssociation": (
        15,
        "AssociateEipAddress with the NAT gateway, polled until InUse",
    ),
    "alicloud:vpc/snatEntry:SnatEntry": (
        30,
        "CreateSnatEntry, polled until Available; the NAT gateway takes one change at a time "
        "(the provider retries a conflict)",
    ),
    "alicloud:cs/autoscalingConfig:AutoscalingConfig": (
        10,
        "CreateAutoscalingConfig: one synchronous call on the cluster",
    ),
    # meshfleet's dynamic resources, by their `kind` input (they share one type token).
    "meshfleet:ackone:FleetFeatures": (
        120,
        "UpdateHubClusterFeature (the mesh, the public endpoint, deletion protection) waits "
        "for the Fleet to finish updating, then DescribeHubClusterKubeconfig",
    ),
    "meshfleet:servicemesh:MeshMembership": (
        180,
        "AddClusterIntoServiceMesh installs the mesh's components into the cluster; the "
        "membership waits until the member and the mesh run again: a few minutes",
    ),
    "pulumi-python:dynamic:Resource": (
        60,
        "another dynamic resource: one API call polled to completion",
    ),
}
DYNAMIC_TYPE = "pulumi-python:dynamic:Resource"
DEFAULT_SECONDS = 30.0
"""Any other custom resource: one asynchronous API call polled to completion."""


def table_key(res: Mapping[str, Any]) -> str:
    """A resource's row in the table: its type, or for a dynamic resource its ``kind``."""
    kind = (res.get("properties") or {}).get("kind")
    if res["type"] == DYNAMIC_TYPE and isinstance(kind, str) and kind in CREATE_SECONDS:
        return kind
    return str(res["type"])


def create_seconds(type_: str, custom: bool) -> float:
    """The table's create time for a resource type or dynamic kind (0 for components and
    providers)."""
    if not custom or type_ == "pulumi:pulumi:Stack" or type_.startswith("pulumi:providers:"):
        return 0.0
    entry = CREATE_SECONDS.get(type_)
    return float(entry[0]) if entry else DEFAULT_SECONDS


@dataclass(frozen=True)
class Step:
    """One resource on the schedule: when its create starts and ends (seconds from start)."""

    urn: str
    name: str
    type: str
    seconds: float
    start: float
    finish: float


@dataclass(frozen=True)
class DeployEstimate:
    """The estimate: wall time, the sum of all creates, the critical path and the schedule."""

    total_s: float
    sum_s: float
    critical_path: tuple[Step, ...]
    steps: tuple[Step, ...]
    untabled_types: tuple[str, ...]
    parallel: int | None

    @property
    def speedup(self) -> float:
        """How much parallelism saves: sum of all steps / wall time."""
        return self.sum_s / self.total_s if self.total_s else 1.0

    def to_json(self) -> dict[str, Any]:
        """Summary figures and the critical path, for ``fleetctl check --json``."""
        return {
            "estimatedSeconds": self.total_s,
            "sumOfStepsSeconds": self.sum_s,
            "parallel": self.parallel if self.parallel is not None else "unbounded",
            "criticalPath": [
                {"name": s.name, "type": s.type, "seconds": s.seconds, "start": s.start}
                for s in self.critical_path
            ],
            "defaultedTypes": list(self.untabled_types),
        }


def estimate(
    view: Sequence[Mapping[str, Any]],
    *,
    parallel: int | None = None,
    seconds: Mapping[str, float] | None = None,
) -> DeployEstimate:
    """Schedule the creates of ``view`` (engine-view dicts) and return the estimate.

    ``seconds`` overrides the table per type; ``parallel`` limits concurrent creates (None =
    unbounded, Pulumi's default). Raises ValueError on a dependency cycle (the engine would
    refuse it too) or ``parallel < 1``.
    """
    if parallel is not None and parallel < 1:
        raise ValueError(f"parallel must be >= 1 (or None for unbounded), got {parallel}")
    by_urn = {r["urn"]: r for r in view}
    overrides = dict(seconds or {})

    def dur(r: Mapping[str, Any]) -> float:
        key = table_key(r)
        if key in overrides and r.get("custom"):
            return float(overrides[key])
        return create_seconds(key, bool(r.get("custom")))

    preds = graph(view)
    succs: dict[str, list[str]] = {u: [] for u in by_urn}
    for u, ps in preds.items():
        for p in ps:
            succs[p].append(u)
    order = _topological(by_urn, preds, succs)
    durations = {u: dur(by_urn[u]) for u in by_urn}
    # Longest remaining chain from each node: the list-scheduling priority.
    tail: dict[str, float] = {}
    for u in reversed(order):
        tail[u] = durations[u] + max((tail[s] for s in succs[u]), default=0.0)

    start, finish = _schedule(order, preds, succs, durations, tail, parallel)
    total = max(finish.values(), default=0.0)
    # Walk back from the last finisher along the predecessor that finished last.
    path: list[str] = []
    if by_urn:
        cur: str | None = max(finish, key=lambda u: (finish[u], tail[u]))
        while cur is not None:
            path.append(cur)
            before = [p for p in preds[cur] if finish[p] <= start[cur] + 1e-9]
            cur = max(before, key=lambda p: finish[p]) if before else None
        path.reverse()

    def step(u: str) -> Step:
        r = by_urn[u]
        return Step(u, r["name"], r["type"], durations[u], start[u], finish[u])

    untabled = sorted(
        {
            r["type"]
            for r in view
            if r.get("custom")
            and not r["type"].startswith("pulumi:providers:")
            and r["type"] not in CREATE_SECONDS
            and r["type"] not in overrides
        }
    )
    return DeployEstimate(
        total_s=total,
        sum_s=sum(durations.values()),
        critical_path=tuple(step(u) for u in path if durations[u] > 0),
        steps=tuple(step(u) for u in sorted(by_urn, key=lambda u: (start[u], u))),
        untabled_types=tuple(untabled),
        parallel=parallel,
    )


def _topological(
    by_urn: Mapping[str, Any], preds: Mapping[str, set[str]], succs: Mapping[str, list[str]]
) -> list[str]:
    indeg = {u: len(preds[u]) for u in by_urn}
    ready = sorted(u for u, d in indeg.items() if d == 0)
    order: list[str] = []
    while ready:
        u = ready.pop()
        order.append(u)
        for s in succs[u]:
            indeg[s] -= 1
            if indeg[s] == 0:
                ready.append(s)
    if len(order) != len(by_urn):
        stuck = sorted(u for u, d in indeg.items() if d > 0)[:5]
        raise ValueError(f"dependency cycle among {stuck}")
    return order


def _schedule(
    order: Sequence[str],
    preds: Mapping[str, set[str]],
    succs: Mapping[str, list[str]],
    durations: Mapping[str, float],
    tail: Mapping[str, float],
    parallel: int | None,
) -> tuple[dict[str, float], dict[str, float]]:
    start: dict[str, float] = {}
    finish: dict[str, float] = {}
    if parallel is None:
        for u in order:
            start[u] = max((finish[p] for p in preds[u]), default=0.0)
            finish[u] = start[u] + durations[u]
        return start, finish
    # Event simulation: at most `parallel` creates with a non-zero duration at once.
    remaining = {u: len(preds[u]) for u in order}
    ready_at = {u: 0.0 for u in order}
    ready: list[tuple[float, str]] = [(-tail[u], u) for u in order if remaining[u] == 0]
    heapq.heapify(ready)
    running: list[tuple[float, str]] = []
    now = 0.0
    while ready or running:
        while ready and (len(running) < parallel or durations[ready[0][1]] == 0):
            _, u = heapq.heappop(ready)
            start[u] = max(now, ready_at[u])
            finish[u] = start[u] + durations[u]
            if durations[u] == 0:
                _release(u, succs, remaining, ready_at, finish, ready, tail)
            else:
                heapq.heappush(running, (finish[u], u))
        if running:
            now, u = heapq.heappop(running)
            _release(u, succs, remaining, ready_at, finish, ready, tail)
    return start, finish


def _release(
    u: str,
    succs: Mapping[str, list[str]],
    remaining: dict[str, int],
    ready_at: dict[str, float],
    finish: Mapping[str, float],
    ready: list[tuple[float, str]],
    tail: Mapping[str, float],
) -> None:
    for s in succs[u]:
        remaining[s] -= 1
        ready_at[s] = max(ready_at[s], finish[u])
        if remaining[s] == 0:
            heapq.heappush(ready, (-tail[s], s))


def format_duration(seconds: float) -> str:
    """``3723`` -> ``"1h 02m 03s"``; ``75`` -> ``"1m 15s"``."""
    s = int(round(seconds))
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    if h:
        return f"{h}h {m:02d}m {sec:02d}s"
    if m:
        return f"{m}m {sec:02d}s"
    return f"{sec}s"


def render(est: DeployEstimate) -> list[str]:
    """Human-readable lines: the estimate, the sum of steps and the critical path."""
    par = (
        "unbounded parallelism (Pulumi's default)"
        if est.parallel is None
        else (f"--parallel {est.parallel}")
    )
    lines = [
        f"Estimated `pulumi up` duration: {format_duration(est.total_s)} with {par}; "
        f"sum of all steps {format_duration(est.sum_s)} ({est.speedup:.1f}x saved by parallelism)",
        "Critical path:",
    ]
    for s in est.critical_path:
        lines.append(
            f"  {format_duration(s.start):>10} +{format_duration(s.seconds):<8} {s.type}  {s.name}"
        )
    if est.untabled_types:
        lines.append(
            f"  (no table entry, {format_duration(DEFAULT_SECONDS)} assumed: "
            + ", ".join(est.untabled_types)
            + ")"
        )
    return lines
