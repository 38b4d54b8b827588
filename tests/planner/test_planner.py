"""The planner: rules, sizing, errors, lock, pins; properties judged by tests/planner/checker."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from netaddr import IPNetwork

from meshfleet import routes
from meshfleet.buddy import Space
from meshfleet.errors import (
    ExhaustedError,
    LockError,
    MeshfleetError,
    PinConflictError,
    PlanError,
    SpecError,
)
from meshfleet.lock import dump_lock, load_lock, parse_lock
from meshfleet.planner import plan
from meshfleet.spec import parse_spec
from tests.planner.checker import check_plan
from tests.planner.test_spec import BASE
from tests.strategies import fleet_specs, pool_floor


def planned(raw: dict[str, Any], lock: dict[str, str] | None = None) -> dict[str, Any]:
    return plan(parse_spec(raw), lock).to_dict()


def test_base_plan_meets_every_rule() -> None:
    p = planned(BASE)
    assert check_plan(p, BASE) == []
    assert {c["name"]: c["cni"] for c in p["clusters"]} == {"a": "flannel", "b": "terway"}


def test_flannel_pod_cidr_sized_from_max_nodes_and_mask() -> None:
    raw = copy.deepcopy(BASE)
    raw["clusters"]["a"].update(maxNodes=100, podsPerNode=60)  # mask 26, 128 blocks -> /19
    c = next(c for c in planned(raw)["clusters"] if c["name"] == "a")
    assert c["nodeCidrMask"] == 26 and IPNetwork(c["podCidr"]).prefixlen == 19
    assert c["maxNodes"] >= 100 and c["podsPerNode"] == 63


def test_terway_pod_vswitches_follow_node_zones() -> None:
    raw = copy.deepcopy(BASE)
    raw["clusters"]["b"].update(maxNodes=40, podsPerNode=30, zones=["cn-shanghai-g"])
    c = next(c for c in planned(raw)["clusters"] if c["name"] == "b")
    assert [v["zone"] for v in c["podVswitches"]] == ["cn-shanghai-g"]
    assert c["podVswitches"][0]["usable"] >= 40 * 30 and c["podCidr"] is None


def test_service_cidr_clamped_to_alibaba_limits() -> None:
    raw = copy.deepcopy(BASE)
    raw["clusters"]["a"]["serviceIps"] = 10
    raw["clusters"]["b"]["serviceIps"] = 65536
    got = {c["name"]: IPNetwork(c["serviceCidr"]).prefixlen for c in planned(raw)["clusters"]}
    assert got == {"a": 24, "b": 16}


def test_transit_router_vswitches_only_with_cen_in_supported_zones() -> None:
    p = planned(BASE)
    hz = next(v for v in p["vpcs"] if v["name"] == "hz")
    tr = [s for s in hz["vswitches"] if s["role"] == "transit-router"]
    assert sorted(s["zone"] for s in tr) == ["cn-hangzhou-h", "cn-hangzhou-i"]  # not -a
    public = copy.deepcopy(BASE)
    public["connectivity"] = "public"
    assert not [
        s for v in planned(public)["vpcs"] for s in v["vswitches"] if s["role"] == "transit-router"
    ]


def test_deterministic_and_order_independent() -> None:
    raw = copy.deepcopy(BASE)
    again = copy.deepcopy(BASE)
    again["clusters"] = dict(reversed(list(again["clusters"].items())))
    again["regions"]["cn-hangzhou"]["zones"].reverse()
    assert planned(raw)["vpcs"] == planned(raw)["vpcs"]
    assert plan(parse_spec(raw)).allocations() == plan(parse_spec(again)).allocations()


def test_reserved_ranges_are_never_allocated() -> None:
    raw = copy.deepcopy(BASE)
    raw["reserved"] = ["10.0.0.0/9", "172.16.0.0/13", "192.168.0.0/17"]
    p = planned(raw)
    assert check_plan(p, raw) == []


def test_pins_are_honoured() -> None:
    raw = copy.deepcopy(BASE)
    raw["vpcs"]["hz"]["cidr"] = "10.20.0.0/16"
    raw["clusters"]["a"].update(
        podCidr="172.20.0.0/16",
        serviceCidr="192.168.100.0/24",
        serviceIps=256,
        vswitches={"cn-hangzhou-h": "10.20.5.0/24"},
    )
    p = plan(parse_spec(raw))
    assert p.vpcs["hz"].cidr == "10.20.0.0/16"
    assert (p.clusters["a"].pod_cidr, p.clusters["a"].service_cidr) == (
        "172.20.0.0/16",
        "192.168.100.0/24",
    )
    assert {v.zone: v.cidr for v in p.clusters["a"].node_vswitches}[
        "cn-hangzhou-h"
    ] == "10.20.5.0/24"
    assert check_plan(p.to_dict(), raw) == []


def test_pin_that_contradicts_the_lock_is_rejected_naming_the_rule() -> None:
    lock = plan(parse_spec(BASE)).allocations()
    raw = copy.deepcopy(BASE)
    raw["clusters"]["a"]["podCidr"] = "172.30.0.0/16"
    with pytest.raises(PinConflictError, match="immutable after creation") as info:
        plan(parse_spec(raw), lock)
    assert info.value.problems[0].path == "clusters.a.podCidr"


def test_pin_overlapping_a_locked_allocation_is_rejected() -> None:
    lock = plan(parse_spec(BASE)).allocations()
    raw = copy.deepcopy(BASE)
    raw["clusters"]["c"] = {"vpc": "hz", "serviceCidr": lock["service:a"]}
    with pytest.raises(PinConflictError, match="pairwise disjoint"):
        plan(parse_spec(raw), lock)


def test_exhaustion_says_what_did_not_fit_and_what_is_left() -> None:
    raw = copy.deepcopy(BASE)
    raw["pools"] = {"pod": ["172.16.0.0/20"]}
    raw["clusters"]["a"]["maxNodes"] = 500  # mask 25 -> /16 wanted
    with pytest.raises(ExhaustedError) as info:
        plan(parse_spec(raw))
    text = str(info.value)
    assert "clusters.a.podCidr" in text and "/16" in text and "4,096 addresses free" in text


def test_vpc_exhaustion_when_locked_vpc_is_full() -> None:
    lock = plan(parse_spec(BASE)).allocations()
    raw = copy.deepcopy(BASE)
    raw["clusters"]["big"] = {"vpc": "sh", "maxNodes": 5000, "cni": "terway"}
    with pytest.raises(ExhaustedError, match="does not fit in VPC sh"):
        plan(parse_spec(raw), lock)


def test_each_vpc_gets_one_nat_vswitch_that_a_lock_without_it_only_gains() -> None:
    p = plan(parse_spec(BASE))
    for v in p.vpcs.values():
        (nat,) = v.by_role("nat")
        assert (nat.key, IPNetwork(nat.cidr).prefixlen) == (f"vswitch:{v.name}:nat:{nat.zone}", 28)
        assert nat.zone == sorted(v.zones)[0]
    # A lock written before NAT vSwitches existed: they are new keys, nothing else moves.
    old = {k: c for k, c in p.allocations().items() if ":nat:" not in k}
    again = plan(parse_spec(BASE), old)
    assert {k: again.allocations()[k] for k in old} == old
    assert sorted(again.new) == sorted(k for k in p.allocations() if ":nat:" in k)
    off = copy.deepcopy(BASE)
    off["vpcs"]["sh"]["natGateway"] = False
    assert not plan(parse_spec(off)).vpcs["sh"].by_role("nat")


def test_a_full_vpc_gaining_a_nat_vswitch_names_the_way_out() -> None:
    raw = copy.deepcopy(BASE)  # hz: one zone, one cluster whose node vSwitch fills the /24
    raw.update(connectivity="public", fleet={"vpc": "sh"}, mesh={"vpc": "sh"})
    raw["vpcs"]["hz"].update(zones=["cn-hangzhou-h"], cidr="10.9.0.0/24", natGateway=False)
    raw["clusters"]["a"]["maxNodes"] = 240
    lock = plan(parse_spec(raw)).allocations()
    assert lock["vswitch:hz:node:a:cn-hangzhou-h"] == "10.9.0.0/24"
    raw["vpcs"]["hz"]["natGateway"] = True
    with pytest.raises(ExhaustedError) as info:
        plan(parse_spec(raw), lock)
    assert info.value.problems[0].path == "vpcs.hz.natGateway"
    assert "set vpcs.hz.natGateway: false" in str(info.value)


def test_nested_pools_share_addresses() -> None:
    raw = copy.deepcopy(BASE)
    raw["pools"] = {
        "vpc": ["10.0.0.0/8"],
        "pod": ["10.1.0.0/16", "10.0.0.0/8"],
        "service": ["10.2.0.0/16"],
    }
    p = plan(parse_spec(raw))
    assert p.clusters["a"].pod_cidr is not None
    assert IPNetwork(p.clusters["a"].pod_cidr) in IPNetwork("10.1.0.0/16")
    assert check_plan(p.to_dict(), raw) == []


def test_flannel_route_quota_warning() -> None:
    raw = copy.deepcopy(BASE)
    raw["clusters"]["a"]["maxNodes"] = 150
    raw["clusters"]["c"] = {"vpc": "hz", "maxNodes": 100}
    p = plan(parse_spec(raw))
    assert any(
        "route table quota is 200" in w and "250 nodes" in w and "adds 1 routes" in w
        for w in p.warnings
    )


def test_lock_keeps_allocations_and_reports_new_and_released() -> None:
    first = plan(parse_spec(BASE))
    lock = first.allocations()
    raw = copy.deepcopy(BASE)
    del raw["clusters"]["b"]
    raw["clusters"]["c"] = {"vpc": "sh", "maxNodes": 200, "cni": "flannel"}
    second = plan(parse_spec(raw), lock)
    for key, cidr in second.allocations().items():
        if key in lock:
            assert lock[key] == cidr, key
    assert "service:c" in second.new and "pod:c" in second.new
    assert "service:b" in second.released and "service:a" not in second.new


def test_lock_file_round_trip_and_errors(tmp_path: Any) -> None:
    lock = plan(parse_spec(BASE)).allocations()
    path = tmp_path / "example.json"
    path.write_text(dump_lock(lock))
    assert load_lock(path) == lock
    assert load_lock(tmp_path / "missing.json") == {}
    path.write_text("{not json")
    with pytest.raises(LockError, match="not valid JSON"):
        load_lock(path)
    with pytest.raises(LockError) as info:
        parse_lock({"version": 3, "allocations": {"vpc:x": "10.0.0.1/8", "bogus": "10.0.0.0/8"}})
    assert {p.path for p in info.value.problems} == {
        "lock.version",
        "lock.allocations.vpc:x",
        "lock.allocations.bogus",
    }
    assert isinstance(info.value, SpecError)  # a bad lock is bad input, exit 2


def test_buddy_space_best_fit_prefers_the_smallest_hole() -> None:
    from netaddr import IPSet

    space = Space(IPSet(["10.0.0.0/16"]) - IPSet(["10.0.0.0/24", "10.0.2.0/23", "10.0.4.0/22"]))
    # free: 10.0.1.0/24 (small hole), 10.0.8.0/21, 10.0.16.0/20 ...: a /26 goes in the hole.
    assert space.take(26) == "10.0.1.0/26"
    assert space.take(21) == "10.0.8.0/21"
    assert space.take(25) == "10.0.1.128/25"  # the rest of the hole, before any larger block
    assert space.take(8) is None


# ---- properties -------------------------------------------------------------------------------


@given(fleet_specs())
def test_property_any_valid_spec_plans_to_a_compliant_plan(raw: dict[str, Any]) -> None:
    p = plan(parse_spec(raw))
    assert check_plan(p.to_dict(), raw) == []


EDITS = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "add-cluster",
                "remove-cluster",
                "reorder",
                "add-vpc",
                "remove-vpc",
                "rename-cluster",
                "add-zone",
                "add-region",
                "resize-cluster",
            ]
        ),
        st.integers(0, 10_000),
    ),
    min_size=1,
    max_size=12,
)


def apply_edit(raw: dict[str, Any], edit: str, n: int) -> None:
    """One user edit of a spec; keeps it valid."""
    from tests.strategies import REGION_ZONES, tr_ok

    clusters, vpcs = raw["clusters"], raw["vpcs"]
    if edit == "add-cluster" or (
        edit in ("remove-cluster", "rename-cluster") and len(clusters) < 2
    ):
        vpc = sorted(vpcs)[n % len(vpcs)]
        clusters[f"new-{n}-{len(clusters)}"] = {
            "vpc": vpc,
            "cni": ["flannel", "terway"][n % 2],
            "zones": vpcs[vpc]["zones"][:1],
            "maxNodes": 2 + n % 40,
        }
    elif edit == "remove-cluster":
        del clusters[sorted(clusters)[n % len(clusters)]]
    elif edit == "rename-cluster":
        old = sorted(clusters)[n % len(clusters)]
        new = f"renamed-{n}"
        while new in clusters:
            new += "-x"
        clusters[new] = clusters.pop(old)
    elif edit == "reorder":
        raw["clusters"] = dict(reversed(list(clusters.items())))
        raw["vpcs"] = dict(reversed(list(vpcs.items())))
        raw["regions"] = dict(reversed(list(raw["regions"].items())))
    elif edit == "add-vpc":
        region = sorted(raw["regions"])[n % len(raw["regions"])]
        vpcs.setdefault(
            f"vpc-new-{n}", {"region": region, "zones": tr_ok(region, REGION_ZONES[region])}
        )
    elif edit == "remove-vpc":
        used = {raw["fleet"]["vpc"], raw["mesh"]["vpc"]}
        spare = [v for v in sorted(vpcs) if v not in used]
        if spare:
            victim = spare[n % len(spare)]
            del vpcs[victim]
            raw["clusters"] = {k: c for k, c in clusters.items() if c["vpc"] != victim}
            if not raw["clusters"]:
                raw["clusters"] = {f"new-{n}": {"vpc": raw["fleet"]["vpc"]}}
    elif edit == "add-zone":
        vpc = vpcs[sorted(vpcs)[n % len(vpcs)]]
        missing = [z for z in REGION_ZONES[vpc["region"]] if z not in vpc["zones"]]
        if missing:
            vpc["zones"] = [missing[0]] + vpc["zones"]  # a zone that sorts anywhere
    elif edit == "add-region":
        spare = [r for r in sorted(REGION_ZONES) if r not in raw["regions"]]
        if spare:
            region = spare[n % len(spare)]
            raw["regions"][region] = {"zones": REGION_ZONES[region]}
            vpcs.setdefault(
                f"vpc-r-{n}", {"region": region, "zones": tr_ok(region, REGION_ZONES[region])}
            )
    elif edit == "resize-cluster":  # shrinking never renumbers (growing past the lock is an error)
        c = clusters[sorted(clusters)[n % len(clusters)]]
        c["maxNodes"] = pool_floor(c)


@given(fleet_specs(max_regions=3, max_vpcs=4, max_clusters=8), EDITS)
def test_property_edits_with_the_lock_renumber_nothing(
    raw: dict[str, Any], edits: list[tuple[str, int]]
) -> None:
    lock = plan(parse_spec(raw)).allocations()
    for edit, n in edits:
        apply_edit(raw, edit, n)
        try:
            p = plan(parse_spec(raw), lock)
        except ExhaustedError:
            continue  # a locked VPC that is full is reported, never renumbered

        now = p.allocations()
        moved = {k: (lock[k], now[k]) for k in now.keys() & lock.keys() if lock[k] != now[k]}
        assert not moved, f"{edit}: renumbered {moved}"
        assert check_plan(p.to_dict(), raw) == []
        lock = now  # what `fleetctl plan --write` records: released keys leave the lock


JSONISH = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 70_000)
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
    | st.sampled_from(
        ["10.0.0.0/8", "10.0.0.0/33", "cn-hangzhou", "cn-hangzhou-h", "flannel", "terway", "hz"]
    ),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                ["vpc", "cni", "zones", "cidr", "region", "maxNodes", "podCidr", "hz", "a"]
            )
            | st.text(max_size=8),
            inner,
            max_size=5,
        )
    ),
    max_leaves=30,
)


@given(
    st.one_of(
        JSONISH,
        fleet_specs(max_regions=2, max_vpcs=3, max_clusters=4).flatmap(
            lambda raw: st.tuples(
                st.just(raw),
                st.sampled_from(
                    ["regions", "vpcs", "clusters", "fleet", "mesh", "pools", "reserved"]
                ),
                JSONISH,
            ).map(lambda t: {**t[0], t[1]: t[2]})
        ),
    )
)
def test_property_any_input_plans_or_raises_spec_or_plan_error(raw: Any) -> None:
    try:
        p = plan(parse_spec(raw))
    except (SpecError, PlanError) as exc:
        assert isinstance(exc, MeshfleetError) and exc.problems
        return
    assert check_plan(p.to_dict(), raw) == []


def test_plan_json_has_the_documented_keys() -> None:
    doc = json.loads(json.dumps(planned(BASE)))
    assert set(doc["vpcs"][0]) >= {"name", "region", "cidr", "vswitches"}
    assert set(doc["vpcs"][0]["vswitches"][0]) >= {"name", "zone", "cidr", "role"}
    assert set(doc["clusters"][0]) >= {
        "name",
        "region",
        "vpc",
        "cni",
        "podCidr",
        "podVswitches",
        "serviceCidr",
        "nodeCidrMask",
        "maxNodes",
    }


def _home(p: Any) -> dict[str, list[str]]:
    home = {v.name: [v.cidr] for v in p.vpcs.values()}
    for c in p.clusters.values():
        if c.pod_cidr:
            home[c.vpc].append(c.pod_cidr)
    return home


@given(fleet_specs(max_regions=4, max_vpcs=8, max_clusters=20))
def test_property_summary_routes_cover_the_rest_of_the_fleet_and_never_the_vpc(
    raw: dict[str, Any],
) -> None:
    p = plan(parse_spec(raw))
    pools = [c for k in ("vpc", "pod") for c in p.spec.pools[k]]
    # The plan carries exactly what the pure functions give for its CIDRs (none without CEN).
    summary = routes.summary_routes(_home(p), pools)
    supernets_of = routes.fleet_supernets([r for rs in _home(p).values() for r in rs], pools)
    cen = p.spec.connectivity == "cen"
    assert dict(p.routes) == (summary if cen else {})
    assert p.supernets == (supernets_of if cen else ())
    supernets = [IPNetwork(s) for s in supernets_of]
    for c in p.clusters.values():
        for r in [IPNetwork(v.cidr) for v in p.vpcs.values()] + (
            [IPNetwork(c.pod_cidr)] if c.pod_cidr else []
        ):
            assert sum(r in s for s in supernets) == 1
    for v in p.vpcs.values():
        got = [IPNetwork(d) for d in summary[v.name]]
        local = [IPNetwork(v.cidr)] + [
            IPNetwork(c.pod_cidr) for c in p.clusters.values() if c.vpc == v.name and c.pod_cidr
        ]
        remote = [IPNetwork(o.cidr) for o in p.vpcs.values() if o.name != v.name] + [
            IPNetwork(c.pod_cidr) for c in p.clusters.values() if c.vpc != v.name and c.pod_cidr
        ]
        for r in remote:
            assert sum(r in d for d in got) == 1, (v.name, r)
        for d in got:
            assert not any(d.first <= x.last and x.first <= d.last for x in local), (v.name, d)
        assert len(got) <= len(set(pools)) * 32  # bounded by pools, not by VPCs x clusters


def test_summary_routes_match_the_set_difference_they_stand_for() -> None:
    """The integer descent gives what netaddr's set algebra gives: each pool minus the VPC's own
    ranges as aligned blocks, kept where a remote range starts inside."""
    from netaddr import IPSet

    home = {
        "a": ["10.0.0.0/22", "172.16.0.0/19"],
        "b": ["10.0.8.0/21", "172.16.64.0/18"],
        "c": ["192.168.4.0/24"],
        "d": ["10.200.0.0/16", "172.20.0.0/16"],
    }
    pools = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]
    every = [IPNetwork(r) for rs in home.values() for r in rs]
    for vpc, own in home.items():
        expected = []
        for pool in map(IPNetwork, pools):
            for block in (IPSet([pool]) - IPSet(own)).iter_cidrs():
                if any(r in block for r in every if str(r) not in own):
                    expected.append(str(block))
        assert routes.summary_routes(home, pools)[vpc] == tuple(
            str(n) for n in sorted(map(IPNetwork, expected))
        ), vpc
