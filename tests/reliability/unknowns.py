"""Replace property values of an engine-view stack (docs/contracts.md) with the engine's unknown
sentinels, and say precisely what must survive.

The engine sends a value it cannot know at preview as a typed sentinel string (string, bool,
number, array, object: ``pulumi_policy/proxy.py``), or as the plain string sentinel when it does
not know the type. Property dependencies stay: the engine knows which resource a reference names
even when its id is unknown.

What the pack must guarantee under unknowns (checked by :func:`judge`):

1. it never fails: no analyzer error, no "can't run policy" advisory (an UnknownValueError that
   escaped a policy and aborted it for every resource), no "internal error in policy";
2. unknowns never invent a definite violation: every mandatory diagnostic was already there with
   all values known (the default ``unknowns: advisory`` routes undecidable checks to the advisory
   ``value-unknown-at-preview`` policy);
3. findings about resources whose inputs stayed known are unchanged: a diagnostic of the
   all-known stack is still reported, word for word, if no property of any resource it involves
   was made unknown. The resources a diagnostic involves: the one it is reported on, the ones its
   message names, everything those reference through property dependencies (transitively: a
   cluster's vSwitches and their VPC ...), their providers (regions), the node pools of involved
   clusters, and for rules about the Fleet, the mesh or reachability, every Fleet, mesh,
   membership, FleetFeatures and CEN resource (a path can run through any attachment).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from fleetctl.analyzer import Diagnostic

UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
UNKNOWN_BOOL = "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7"
UNKNOWN_NUMBER = "3eeb2bf0-c639-47a8-9e75-3b44932eb421"
UNKNOWN_ARRAY = "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2"
UNKNOWN_OBJECT = "dd056dcd-154b-4c76-9bd3-c8f88648b5ff"
SENTINELS = {UNKNOWN_STRING, UNKNOWN_BOOL, UNKNOWN_NUMBER, UNKNOWN_ARRAY, UNKNOWN_OBJECT}

#: Policies whose verdict on one resource can depend on any Fleet, mesh, membership or CEN
#: resource of the stack.
GLOBAL_POLICIES = {
    "fleet-cannot-reach-cluster",
    "cluster-cannot-reach-fleet",
    "mesh-cannot-reach-cluster",
    "cluster-not-in-fleet",
    "cluster-not-in-mesh",
    "member-vpc-overlaps-mesh-vpc",
    "terway-service-cidr-overlaps-mesh-vpc",
    "api-server-public",
    "value-unknown-at-preview",
    # scoped to the clusters managed together (Fleet/mesh groups) or to a CEN:
    "cluster-cannot-reach-cluster",
    "cluster-not-managed",
    "pod-cidr-overlaps-pod-cidr",
    "pod-cidr-overlaps-pod-cidr-across-vpcs",
    "pod-cidr-overlaps-vpc-cidr",
    "pod-cidr-overlaps-service-cidr",
    "service-cidr-overlaps-service-cidr",
    "service-cidr-overlaps-vpc-cidr",
    "vpc-cidr-overlaps-vpc-cidr",
    "policy-exemptions",
}
GLOBAL_TYPES = (
    "alicloud:ackone/",
    "alicloud:servicemesh/",
    "alicloud:cen/",
    "pulumi-python:dynamic:",
)
NODE_POOL = "alicloud:cs/nodePool:NodePool"

Path = tuple[int, tuple[Any, ...]]  # (resource index, path inside its properties)

#: Values the engine always knows and the random picks leave alone: the ``kind`` discriminator of
#: a dynamic resource is a literal of the component. (An unknown FleetFeatures ``kind`` makes the
#: pack ignore the resource, so a Fleet it declares public counts as private: a definite path-(2)
#: violation; see test_unknowns.test_unknown_fleet_features_kind_is_not_a_definite_violation.)
LITERALS = {("pulumi-python:dynamic:Resource", ("kind",))}


def typed_sentinel(value: Any) -> str:
    """The sentinel the engine uses for an unknown value of ``value``'s type."""
    if isinstance(value, bool):
        return UNKNOWN_BOOL
    if isinstance(value, int | float):
        return UNKNOWN_NUMBER
    if isinstance(value, list):
        return UNKNOWN_ARRAY
    if isinstance(value, dict):
        return UNKNOWN_OBJECT
    return UNKNOWN_STRING


def value_paths(stack: Sequence[Mapping[str, Any]]) -> list[Path]:
    """Every property value of every resource, nested ones included (dict values, list items),
    that is not already unknown."""
    out: list[Path] = []

    def walk(i: int, prefix: tuple[Any, ...], value: Any) -> None:
        if isinstance(value, str) and value in SENTINELS:
            return
        out.append((i, prefix))
        if isinstance(value, dict):
            for k, v in value.items():
                walk(i, (*prefix, k), v)
        elif isinstance(value, list):
            for j, v in enumerate(value):
                walk(i, (*prefix, j), v)

    for i, r in enumerate(stack):
        for key, value in (r.get("properties") or {}).items():
            if (r["type"], (key,)) not in LITERALS:
                walk(i, (key,), value)
    return out


def make_unknown(
    stack: Sequence[Mapping[str, Any]], picks: Iterable[tuple[Path, bool]]
) -> tuple[list[dict[str, Any]], set[str]]:
    """A copy of ``stack`` with the picked values unknown (typed sentinel, or the plain string
    sentinel when the flag is False), and the URNs of the resources touched. A pick inside a
    value that an earlier pick already made unknown is skipped."""
    out = copy.deepcopy([dict(r) for r in stack])
    touched: set[str] = set()
    for (i, path), typed in sorted(picks, key=lambda p: (p[0][0], len(p[0][1]))):
        node: Any = out[i]["properties"]
        for step in path[:-1]:
            if not isinstance(node, dict | list):
                break
            node = node[step]
        else:
            if isinstance(node, dict | list):
                node[path[-1]] = typed_sentinel(node[path[-1]]) if typed else UNKNOWN_STRING
                touched.add(out[i]["urn"])
    return out, touched


def involved(d: Diagnostic, stack: Sequence[Mapping[str, Any]]) -> set[str]:
    """The URNs a diagnostic's verdict may depend on (see the module docstring)."""
    by_urn = {r["urn"]: r for r in stack}
    names = set(re.findall(r'"([^"]+)"', d.message))
    start = {d.urn} if d.urn else set()
    start |= {r["urn"] for r in stack if r.get("name") in names}
    if d.policy_name in GLOBAL_POLICIES or not d.urn:
        start |= {r["urn"] for r in stack if str(r["type"]).startswith(GLOBAL_TYPES)}
    seen: set[str] = set()
    todo = list(start)
    while todo:
        urn = todo.pop()
        if urn in seen or urn not in by_urn:
            continue
        seen.add(urn)
        r = by_urn[urn]
        todo += [u for us in (r.get("propertyDependencies") or {}).values() for u in us]
        if r.get("provider"):
            todo.append(str(r["provider"]))
    pools = {
        r["urn"]
        for r in stack
        if r["type"] == NODE_POOL
        and any(u in seen for u in (r.get("propertyDependencies") or {}).get("clusterId", []))
    }
    return seen | pools


def judge(
    known: Sequence[Diagnostic],
    unknown: Sequence[Diagnostic],
    stack: Sequence[Mapping[str, Any]],
    touched: set[str],
) -> list[str]:
    """Violations of guarantees 1-3 (empty: all hold). ``stack`` is the all-known stack."""
    problems = []
    for d in unknown:
        if "can't run policy" in d.message or "internal error in policy" in d.message:
            problems.append(f"policy {d.policy_name} failed: {d.message[:400]}")
    before = {
        (d.policy_name, d.urn, d.message) for d in known if d.enforcement_level == "mandatory"
    }
    for d in unknown:
        if d.enforcement_level == "mandatory" and (d.policy_name, d.urn, d.message) not in before:
            problems.append(f"new mandatory {d.policy_name} @ {d.urn}: {d.message[:300]}")
    after = {(d.policy_name, d.urn, d.message, d.enforcement_level) for d in unknown}
    for d in known:
        if (
            not involved(d, stack) & touched
            and (d.policy_name, d.urn, d.message, d.enforcement_level) not in after
        ):
            problems.append(
                f"lost {d.policy_name} @ {d.urn} although nothing it involves was "
                f"made unknown: {d.message[:300]}"
            )
    return problems
