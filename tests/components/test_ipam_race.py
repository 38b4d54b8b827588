"""Two stacks planned concurrently against one set of IPAM pools (the fake in tests/ipam_fake.py).

Both plan from the same read, so they pick the same free ranges. Each then "applies" its
registrations: the program runs under the recording mocks (the real reader, planner and
components), and its IPAM calls (VPCs created from a pool, custom allocations) go to the fake in
an interleaved order; every other resource is created when everything it waits on (the engine's
dependency graph of the capture) was. The cloud arbitrates: exactly one stack wins each contested
range, the loser creates nothing that waits on its refused call (no cluster), and its next plan,
from a fresh read and a lock without the taken keys, succeeds with ranges disjoint from the
winner's while keeping every range it won. (The losers' next plans run one after the other, each
reading what the other allocated: two re-plans from one read would race again, and the cloud
would arbitrate again.)

``python -m tests.components.test_ipam_race`` prints the figures (who won what, what each loser
created) for the issue's closing note.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import yaml
from netaddr import IPNetwork

from fleetctl.answers.answerfile import load_answers
from fleetctl.capture import Capture, Registration, run_program
from meshfleet.components.meshfleet import MeshFleet, MeshFleetArgs
from meshfleet.components.reader import read_inventory
from meshfleet.ipam import keys_to_release
from meshfleet.layout import Plan
from meshfleet.lock import dump_lock
from meshfleet.pipeline import plan_stack
from tests.components.stacks import ACK, PROVIDER, VPC
from tests.ipam_fake import FakeIpam, IpamRefused

ALLOCATION = "alicloud:vpc/ipamIpamPoolAllocation:IpamIpamPoolAllocation"
POOLS = {
    "vpc-hz": "ipam-pool-hz0vpc",
    "vpc-sh": "ipam-pool-sh0vpc",
    "pod": "ipam-pool-hz0pod",
    "service": "ipam-pool-hz0svc",
}
STACKS = ("team-a", "team-b")
#: Which stack makes its next IPAM call: A, B, B, A, ... so that each wins some contested ranges.
SCHEDULE = "ABBAABBAABBA"


def organisation() -> FakeIpam:
    """The organisation's pools: one VPC pool per region, one pod and one Service pool, and an
    earlier team's allocations in each."""
    fake = FakeIpam()
    fake.add_pool(
        POOLS["vpc-hz"],
        scope="private",
        region="cn-hangzhou",
        cidrs=["10.0.0.0/12"],
        min_mask=16,
        max_mask=24,
    )
    fake.add_pool(
        POOLS["vpc-sh"],
        scope="private",
        region="cn-shanghai",
        cidrs=["10.16.0.0/12"],
        min_mask=16,
        max_mask=24,
    )
    fake.add_pool(
        POOLS["pod"],
        scope="private",
        region="cn-hangzhou",
        cidrs=["172.16.0.0/12"],
        min_mask=12,
        max_mask=24,
    )
    fake.add_pool(
        POOLS["service"],
        scope="private",
        region="cn-hangzhou",
        cidrs=["192.168.0.0/16"],
        min_mask=16,
        max_mask=24,
    )
    fake.create_vpc(
        POOLS["vpc-hz"], "10.0.0.0/16", region="cn-hangzhou", description="payments/prod"
    )
    fake.allocate(
        POOLS["pod"],
        "172.16.0.0/16",
        region="cn-hangzhou",
        name="pod:payments",
        description="payments/prod",
    )
    fake.allocate(
        POOLS["service"],
        "192.168.0.0/20",
        region="cn-hangzhou",
        name="service:payments",
        description="payments/prod",
    )
    return fake


def fleet(name: str) -> dict[str, Any]:
    """A small two-region fleet: one Flannel cluster per region, public connectivity."""
    return {
        "name": name,
        "connectivity": "public",
        "regions": {
            "cn-hangzhou": ["cn-hangzhou-h", "cn-hangzhou-i"],
            "cn-shanghai": ["cn-shanghai-b", "cn-shanghai-g"],
        },
        "vpcs": {
            "hz": {"region": "cn-hangzhou", "natGateway": False},
            "sh": {"region": "cn-shanghai", "natGateway": False},
        },
        "clusters": {
            "ack-hz": {"vpc": "hz", "maxNodes": 20},
            "ack-sh": {"vpc": "sh", "maxNodes": 20},
        },
        "fleet": {"vpc": "hz"},
        "mesh": {"vpc": "hz", "mode": "fleet"},
        "ipam": {
            "pools": {
                "vpc": {"cn-hangzhou": POOLS["vpc-hz"], "cn-shanghai": POOLS["vpc-sh"]},
                "pod": POOLS["pod"],
                "service": POOLS["service"],
            }
        },
    }


@dataclass
class Run:
    """One stack's program run: what it planned and registered."""

    stack: str
    plan: Plan
    cap: Capture
    lock: dict[str, str]


def run(stack: str, lock: Mapping[str, str], answers_file: Path, work: Path) -> Run:
    """The stack program (``__main__.py``'s pipeline: read, plan against the lock, MeshFleet)
    under the recording mocks, its reads answered from ``answers_file`` only."""
    lock_file = work / f"{stack}.json"
    lock_file.write_text(dump_lock(lock))
    plans: list[Plan] = []

    def program() -> None:
        p = plan_stack(
            pulumi.Config("meshfleet").require_object("fleet"), lock_file, read=read_inventory
        )
        plans.append(p)
        MeshFleet(p.spec.name, MeshFleetArgs(p))

    cap = run_program(
        program,
        project="meshfleet",
        stack=stack,
        config={"meshfleet:fleet": fleet(stack)},
        strict_invokes=True,
        answers=load_answers(answers_file),
    )
    return Run(stack, plans[0], cap, dict(lock))


def read(fake: FakeIpam, work: Path, name: str) -> Path:
    path = work / f"{name}.yaml"
    path.write_text(yaml.safe_dump(fake.answers()))
    return path


def key_of(reg: Registration, r: Run) -> str:
    """The allocation key an IPAM call of ``reg`` is for."""
    if reg.type == ALLOCATION:
        return str(reg.inputs["ipamPoolAllocationName"])
    return next(f"vpc:{v.name}" for v in r.plan.vpcs.values() if v.cidr == reg.inputs["cidrBlock"])


@dataclass
class Applied:
    """What one stack's apply did."""

    won: dict[str, str] = field(default_factory=dict)
    """Key -> CIDR of every IPAM call that succeeded."""
    lost: dict[str, str] = field(default_factory=dict)
    """Key -> refusal code of every IPAM call IPAM refused."""
    failed: set[str] = field(default_factory=set)
    """URNs of the refused calls."""
    created: set[str] = field(default_factory=set)
    """URNs of every custom resource created."""
    not_created: set[str] = field(default_factory=set)


def ipam_calls(r: Run) -> list[Registration]:
    """The registrations that call IPAM, in registration order."""
    return [
        g
        for g in r.cap.registrations
        if g.type == ALLOCATION or (g.type == VPC and g.inputs.get("ipv4IpamPoolId"))
    ]


def call(fake: FakeIpam, r: Run, reg: Registration) -> None:
    region = {p.urn: p.inputs.get("region") for p in r.cap.by_type(PROVIDER)}[reg.provider]
    if reg.type == VPC:
        fake.create_vpc(
            reg.inputs["ipv4IpamPoolId"],
            reg.inputs["cidrBlock"],
            region=region,
            description=reg.inputs.get("description", ""),
        )
    else:
        fake.allocate(
            reg.inputs["ipamPoolId"],
            reg.inputs["cidr"],
            region=region,
            name=reg.inputs["ipamPoolAllocationName"],
            description=reg.inputs["ipamPoolAllocationDescription"],
        )


def apply(
    fake: FakeIpam,
    runs: Mapping[str, Run],
    schedule: str,
    existing: Mapping[str, set[str]] | None = None,
) -> dict[str, Applied]:
    """Apply every run against ``fake``: IPAM calls in ``schedule``'s interleaving (a letter per
    call: A the first stack, B the second), skipping what ``existing`` (URNs per stack) already
    created; then every other resource whose waits were all created."""
    existing = existing or {}
    out = {s: Applied() for s in runs}
    queues = {
        s: [g for g in ipam_calls(r) if g.urn not in existing.get(s, set())]
        for s, r in runs.items()
    }
    order = [STACKS["AB".index(c)] for c in schedule if STACKS["AB".index(c)] in runs]
    order += [s for s in runs for _ in range(len(queues[s]))]  # whatever the schedule left
    for s in order:
        if not queues[s]:
            continue
        reg, r = queues[s].pop(0), runs[s]
        try:
            call(fake, r, reg)
            out[s].won[key_of(reg, r)] = reg.inputs.get("cidr") or reg.inputs["cidrBlock"]
        except IpamRefused as exc:
            out[s].lost[key_of(reg, r)] = exc.code
            out[s].failed.add(reg.urn)
    for s, r in runs.items():
        for reg in r.cap.registrations:
            if not reg.custom or reg.urn in out[s].failed:
                continue
            blocked = closure(r.cap, reg.urn) & out[s].failed
            (out[s].not_created if blocked else out[s].created).add(reg.urn)
    return out


def closure(cap: Capture, urn: str) -> set[str]:
    """Everything ``urn`` transitively waits on."""
    seen: set[str] = set()
    todo = [urn]
    while todo:
        for nxt in cap.waits_on(todo.pop()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def types(cap: Capture, urns: Iterable[str]) -> dict[str, int]:
    return dict(sorted(Counter(cap.resource(u).type.rsplit(":", 1)[-1] for u in urns).items()))


def top_ranges(p: Plan) -> dict[str, str]:
    return {k: c for k, c in p.allocations().items() if not k.startswith("vswitch:")}


def race(work: Path) -> dict[str, Any]:
    """The whole scenario; returns its figures."""
    fake = organisation()
    first = read(fake, work, "read-1")
    runs = {s: run(s, {}, first, work) for s in STACKS}
    plans = {s: top_ranges(r.plan) for s, r in runs.items()}
    round1 = apply(
        fake, {s: Run(s, r.plan, r.cap, r.plan.allocations()) for s, r in runs.items()}, SCHEDULE
    )
    # Each stack wrote its lock before applying (fleetctl plan --write): the whole first plan.
    locks = {s: r.plan.allocations() for s, r in runs.items()}
    second = read(fake, work, "read-2")
    again = {s: run(s, locks[s], second, work) for s in STACKS}
    taken = {
        s: sorted(t.key for t in (r.plan.ipam.taken if r.plan.ipam else ()))
        for s, r in again.items()
    }
    released = {
        s: keys_to_release(locks[s], r.plan.ipam.taken if r.plan.ipam else ())
        for s, r in again.items()
    }
    # Each loser's next plan, one after the other: a fresh read (the other's allocations
    # included), the lock without the taken keys; then its apply of what does not exist yet.
    replans: dict[str, Run] = {}
    round2: dict[str, Applied] = {}
    created_before: dict[str, set[str]] = {}
    for s in STACKS:
        fresh = read(fake, work, f"read-3-{s}")
        replans[s] = run(
            s, {k: c for k, c in locks[s].items() if k not in released[s]}, fresh, work
        )
        created_before[s] = {
            r.urn for r in replans[s].cap.registrations if r.urn in round1[s].created
        }
        round2[s] = apply(fake, {s: replans[s]}, "", created_before)[s]
    return {
        "first plans (identical)": plans,
        "round 1": {
            s: {
                "won": a.won,
                "lost": a.lost,
                "created": types(runs[s].cap, a.created),
                "not created": types(runs[s].cap, a.not_created),
                "clusters created": sorted(
                    runs[s].cap.resource(u).name
                    for u in a.created
                    if runs[s].cap.resource(u).type == ACK
                ),
            }
            for s, a in round1.items()
        },
        "refused": [list(x) for x in fake.refusals],
        "re-plan with the old lock: taken": taken,
        "keys released": {s: list(k) for s, k in released.items()},
        "re-plan": {s: top_ranges(r.plan) for s, r in replans.items()},
        "round 2": {
            s: {
                "won": a.won,
                "lost": a.lost,
                "created now": types(replans[s].cap, a.created - created_before[s]),
            }
            for s, a in round2.items()
        },
        "_internal": (runs, round1, replans, round2, fake, locks),
    }


def test_two_stacks_race_for_the_same_ranges(tmp_path: Path) -> None:
    fig = race(tmp_path)
    runs, round1, replans, round2, fake, locks = fig["_internal"]
    a, b = STACKS
    # Both planned from the same read: the same ranges, none over the earlier team's.
    assert fig["first plans (identical)"][a] == fig["first plans (identical)"][b]
    # Exactly one stack wins each contested range, and every range was contested.
    contested = set(top_ranges(runs[a].plan))
    assert set(round1[a].won) | set(round1[a].lost) == contested
    for key in contested:
        assert (key in round1[a].won) != (key in round1[b].won), key
    assert round1[a].won and round1[b].won  # the schedule lets each win some
    assert {code for _, _, code in fake.refusals} == {"Fake.CidrConflict"}
    for s in STACKS:
        ap, cap = round1[s], runs[s].cap
        # Nothing that waits on a refused call was created: no cluster over a lost range.
        for urn in ap.created:
            assert not closure(cap, urn) & ap.failed
        for c in runs[s].plan.clusters.values():
            mine = {f"pod:{c.name}", f"service:{c.name}", f"vpc:{c.vpc}"}
            ack = next(g.urn for g in cap.by_type(ACK) if g.name == c.name)
            assert (ack in ap.created) == (not mine & set(ap.lost)), (s, c.name)
        # The re-plan with the old lock reports exactly the lost ranges as taken.
        assert fig["re-plan with the old lock: taken"][s] == sorted(ap.lost)
        # The next plan keeps every range the stack won and moves every one it lost.
        replanned = top_ranges(replans[s].plan)
        assert {k: replanned[k] for k in ap.won} == ap.won
        assert all(replanned[k] != locks[s][k] for k in ap.lost)
        # ... and it applies: nothing refused, every cluster created at last.
        assert round2[s].lost == {}
        assert set(round2[s].won) == set(ap.lost)
        acks = {g.urn for g in replans[s].cap.by_type(ACK)}
        assert acks <= round2[s].created
    # The stacks' ranges are disjoint at the end (the fake enforces it per pool; across kinds
    # too, since the pools are disjoint).
    final = [IPNetwork(c) for s in STACKS for c in top_ranges(replans[s].plan).values()]
    assert all(not (x in y or y in x) for i, x in enumerate(final) for y in final[i + 1 :])


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        fig = race(Path(tmp))
    fig.pop("_internal")
    json.dump(fig, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
