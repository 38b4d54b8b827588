"""The planner on IPAM pools (meshfleet.ipam): properties over random fleets and pools, and the
errors and reports of each rule."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from netaddr import IPNetwork

from meshfleet.errors import ExhaustedError, PinConflictError, PlanError, SpecError
from meshfleet.inventory import Inventory, IpamPool, PoolAllocation
from meshfleet.ipam import keys_to_release
from meshfleet.layout import Plan
from meshfleet.planner import plan
from meshfleet.spec import parse_spec
from tests.planner.checker import check_plan
from tests.planner.test_spec import BASE
from tests.strategies import fleet_specs

OWNER = "meshfleet/dev"
POD, SERVICE = "ipam-pool-pod", "ipam-pool-svc"


def vpc_pool(region: str) -> str:
    return "ipam-pool-" + region.replace("-", "")


def with_ipam(raw: dict[str, Any]) -> dict[str, Any]:
    raw = copy.deepcopy(raw)
    regions = sorted({v["region"] for v in raw["vpcs"].values()})
    raw["ipam"] = {
        "pools": {"vpc": {r: vpc_pool(r) for r in regions}, "pod": POD, "service": SERVICE}
    }
    return raw


@st.composite
def foreign(draw: st.DrawFn, cidr: str, lo: int, hi: int) -> list[PoolAllocation]:
    """Up to 6 disjoint allocations of other owners inside ``cidr``, prefixes ``lo``..``hi``."""
    net, out = IPNetwork(cidr), []
    for _ in range(draw(st.integers(0, 6))):
        prefix = draw(st.integers(max(lo, net.prefixlen), hi))
        blocks = 2 ** (prefix - net.prefixlen)
        block = IPNetwork(
            f"{net.network + draw(st.integers(0, blocks - 1)) * 2 ** (32 - prefix)}/{prefix}"
        )
        if all(block not in IPNetwork(a.cidr) and IPNetwork(a.cidr) not in block for a in out):
            kind = draw(st.sampled_from(["Custom", "VPC", "IpamPool"]))
            out.append(
                PoolAllocation(
                    str(block),
                    "pod:ack-0" if kind == "Custom" else "",
                    "team-x/prod",
                    kind,
                    f"res-{len(out)}",
                )
            )
    return out


@st.composite
def fleets_on_pools(draw: st.DrawFn) -> tuple[dict[str, Any], Inventory]:
    raw = with_ipam(draw(fleet_specs(max_regions=3, max_vpcs=4, max_clusters=6)))
    raw.pop("reserved", None)
    pools = {}
    for i, region in enumerate(sorted(raw["ipam"]["pools"]["vpc"])):
        cidr = f"10.{64 * i}.0.0/10"
        lo, hi = draw(st.integers(8, 16)), draw(st.integers(24, 28))
        pools[vpc_pool(region)] = IpamPool(
            vpc_pool(region), region, (cidr,), tuple(draw(foreign(cidr, 12, 20))), lo, hi
        )
    pools[POD] = IpamPool(
        POD, "cn-hangzhou", ("172.16.0.0/12",), tuple(draw(foreign("172.16.0.0/12", 14, 20)))
    )
    pools[SERVICE] = IpamPool(
        SERVICE,
        "cn-hangzhou",
        ("192.168.0.0/16", "172.31.0.0/16"),
        tuple(draw(foreign("192.168.0.0/16", 17, 22))),
        16,
        24,
    )
    return raw, Inventory(pools=pools, owner=OWNER)


def pool_of(p: Plan, key: str) -> IpamPool:
    kind, name = key.split(":", 1)
    assert p.spec.ipam is not None
    pool_id = p.spec.ipam.pool_of(kind, p.spec.vpcs[name].region if kind == "vpc" else "")  # type: ignore[arg-type]
    return p.inventory.pools[str(pool_id)]


def own_allocations(p: Plan) -> Inventory:
    """The inventory after ``p``'s update: its VPCs and reservations allocated in the pools,
    as IPAM records them (a VPC's carrying its VPC's description)."""
    pools = {i: list(pool.allocations) for i, pool in p.inventory.pools.items()}
    assert p.ipam is not None
    for name, pool_id in p.ipam.vpc_pools.items():
        pools[pool_id].append(PoolAllocation(p.vpcs[name].cidr, "", OWNER, "VPC", f"vpc-{name}"))
    for r in p.ipam.reservations:
        pools[r.pool_id].append(PoolAllocation(r.cidr, r.key, OWNER, "Custom"))
    return Inventory(
        pools={
            i: IpamPool(
                pool.id, pool.region, pool.cidrs, tuple(pools[i]), pool.min_mask, pool.max_mask
            )
            for i, pool in p.inventory.pools.items()
        },
        owner=OWNER,
    )


@given(fleets_on_pools())
def test_the_plan_stays_in_its_pools_and_off_foreign_allocations(
    case: tuple[dict[str, Any], Inventory],
) -> None:
    raw, inventory = case
    try:
        p = plan(parse_spec(raw), {}, inventory)
    except ExhaustedError as exc:  # a pool too full or too strict for a request: named
        assert all("IPAM pool" in pr.message for pr in exc.problems)
        return
    assert check_plan(p.to_dict(), raw) == []
    for key, cidr in p.allocations().items():
        if key.startswith("vswitch:"):
            continue
        pool, net = pool_of(p, key), IPNetwork(cidr)
        assert any(net in IPNetwork(c) for c in pool.cidrs), (key, cidr, pool.cidrs)
        assert (pool.min_mask or 0) <= net.prefixlen <= (pool.max_mask or 32), (key, cidr)
        for a in pool.allocations:
            other = IPNetwork(a.cidr)
            assert not (net in other or other in net), (key, cidr, a)
    # Re-run after the update: its own allocations are recognised, nothing moves, nothing is
    # reported taken.
    again = plan(parse_spec(raw), p.allocations(), own_allocations(p))
    assert again.allocations() == p.allocations()
    assert again.ipam is not None and again.ipam.taken == ()


def inventory(**allocations: tuple[PoolAllocation, ...]) -> Inventory:
    pools = {
        vpc_pool("cn-hangzhou"): IpamPool(
            vpc_pool("cn-hangzhou"),
            "cn-hangzhou",
            ("10.0.0.0/12",),
            allocations.get("vpc_hz", ()),
            16,
            24,
        ),
        vpc_pool("cn-shanghai"): IpamPool(
            vpc_pool("cn-shanghai"), "cn-shanghai", ("10.16.0.0/12",), (), 16, 24
        ),
        POD: IpamPool(POD, "cn-hangzhou", ("172.16.0.0/12",), allocations.get("pod", ())),
        SERVICE: IpamPool(
            SERVICE, "cn-beijing", ("192.168.0.0/16",), allocations.get("service", ()), 16, 24
        ),
    }
    return Inventory(pools=pools, owner=OWNER)


def test_reservations_go_to_the_pools_region_and_vpcs_to_their_regions_pool() -> None:
    p = plan(parse_spec(with_ipam(BASE)), {}, inventory())
    assert p.ipam is not None
    assert dict(p.ipam.vpc_pools) == {"hz": vpc_pool("cn-hangzhou"), "sh": vpc_pool("cn-shanghai")}
    assert {(r.key, r.pool_id, r.region) for r in p.ipam.reservations} == {
        ("pod:a", POD, "cn-hangzhou"),
        ("service:a", SERVICE, "cn-beijing"),
        ("service:b", SERVICE, "cn-beijing"),
    }
    assert p.supernets == ("10.0.0.0/12", "10.16.0.0/12", "172.16.0.0/12")  # pools, not RFC 1918


def test_a_foreign_allocation_is_never_allocated_and_own_ones_are_not_foreign() -> None:
    taken = PoolAllocation("172.16.0.0/13", "pod:a", "team-x/prod", "Custom")
    mine = PoolAllocation("172.24.0.0/19", "pod:a", OWNER, "Custom")
    p = plan(parse_spec(with_ipam(BASE)), {"pod:a": "172.24.0.0/19"}, inventory(pod=(taken, mine)))
    assert p.clusters["a"].pod_cidr == "172.24.0.0/19"
    assert p.ipam is not None and p.ipam.taken == ()
    fresh = plan(parse_spec(with_ipam(BASE)), {}, inventory(pod=(taken,)))
    assert IPNetwork(str(fresh.clusters["a"].pod_cidr)) not in IPNetwork("172.16.0.0/13")


def test_a_vpc_allocation_at_the_locked_cidr_is_ours_only_with_our_description() -> None:
    lock = {"vpc:hz": "10.1.0.0/22"}
    for description, taken in ((OWNER, ()), ("team-b/dev", ("vpc:hz",))):
        alloc = PoolAllocation("10.1.0.0/22", "", description, "VPC", "vpc-1")
        p = plan(parse_spec(with_ipam(BASE)), lock, inventory(vpc_hz=(alloc,)))
        assert p.ipam is not None
        assert tuple(t.key for t in p.ipam.taken) == taken
        assert p.vpcs["hz"].cidr == "10.1.0.0/22"  # kept either way: never renumbered


def test_a_locked_range_another_owner_took_is_reported_with_the_way_out() -> None:
    other = PoolAllocation("192.168.0.0/19", "service:x", "team-x/prod", "Custom")
    lock = {"service:a": "192.168.16.0/20", "pod:a": "172.16.0.0/19"}
    p = plan(parse_spec(with_ipam(BASE)), lock, inventory(service=(other,)))
    assert p.ipam is not None and [t.key for t in p.ipam.taken] == ["service:a"]
    (warning,) = [w for w in p.warnings if w.startswith("service:a:")]
    assert "192.168.0.0/19" in warning and "team-x/prod" in warning
    assert "delete the key from the lock" in warning
    assert keys_to_release(lock, p.ipam.taken) == ("service:a",)


@pytest.mark.parametrize(
    ("edit", "lock", "error", "path", "fragment"),
    [
        (
            lambda r: r["vpcs"]["hz"].update(cidr="10.1.0.0/22"),
            {},
            PinConflictError,
            "vpcs.hz.cidr",
            "pin a free range",
        ),
        (
            lambda r: None,
            {"vpc:hz": "10.128.0.0/22"},
            PinConflictError,
            "vpcs.hz.cidr",
            "lies outside IPAM pool",
        ),
        (
            lambda r: None,
            {"vpc:hz": "10.2.0.0/26"},
            PinConflictError,
            "vpcs.hz.cidr",
            "has a mask IPAM pool",
        ),
        (
            lambda r: r["vpcs"]["hz"].update(prefix=12),
            {},
            ExhaustedError,
            "vpcs.hz.cidr",
            "is larger than IPAM pool",
        ),
        (
            lambda r: r["ipam"]["pools"].update(pod="ipam-pool-gone"),
            {},
            PlanError,
            "ipam.pools.pod",
            "was not found",
        ),
        (
            lambda r: r["ipam"]["pools"]["vpc"].update({"cn-hangzhou": vpc_pool("cn-shanghai")}),
            {},
            PlanError,
            "ipam.pools.vpc.cn-hangzhou",
            "effective region cn-shanghai",
        ),
    ],
)
def test_each_rule_names_the_field_and_the_value(
    edit: Any, lock: dict[str, str], error: type[Exception], path: str, fragment: str
) -> None:
    raw = with_ipam(BASE)
    edit(raw)
    other = PoolAllocation("10.1.0.0/16", "", "team-x/prod", "VPC", "vpc-x")
    with pytest.raises(error) as exc:
        plan(parse_spec(raw), lock, inventory(vpc_hz=(other,)))
    problems = exc.value.problems  # type: ignore[attr-defined]
    assert any(pr.path == path and fragment in pr.message for pr in problems), problems


def test_an_inventory_without_its_reader_is_refused() -> None:
    with pytest.raises(PlanError, match="inventory.owner"):
        plan(parse_spec(with_ipam(BASE)), {}, Inventory(pools=inventory().pools))


@pytest.mark.parametrize(
    ("edit", "path", "fragment"),
    [
        (
            lambda r: r["ipam"]["pools"]["vpc"].pop("cn-shanghai"),
            "ipam.pools.vpc.cn-shanghai",
            "is missing: VPC(s) sh are in cn-shanghai",
        ),
        (
            lambda r: r["ipam"]["pools"]["vpc"].update({"cn-beijing": "ipam-pool-bj"}),
            "ipam.pools.vpc.cn-beijing",
            "names a region where the spec has no VPC",
        ),
        (
            lambda r: r["ipam"]["pools"].update(service="pool-1"),
            "ipam.pools.service",
            "is not an IPAM pool id",
        ),
        (
            lambda r: r["ipam"]["pools"].pop("pod"),
            "ipam.pools.pod",
            "Flannel cluster(s) a need a pod CIDR",
        ),
        (
            lambda r: r["ipam"]["pools"].update(node="ipam-pool-x"),
            "ipam.pools.node",
            "is not a known field",
        ),
        (lambda r: r.update(pools={"vpc": ["10.0.0.0/8"]}), "pools", "is replaced by ipam.pools"),
        (lambda r: r["ipam"].update(pools={}), "ipam.pools", "must name the pools"),
    ],
)
def test_spec_errors_name_path_and_value(edit: Any, path: str, fragment: str) -> None:
    raw = with_ipam(BASE)
    edit(raw)
    with pytest.raises(SpecError) as exc:
        parse_spec(raw)
    assert any(p.path == path and fragment in p.message for p in exc.value.problems), (
        exc.value.problems
    )


def test_a_terway_only_fleet_needs_no_pod_pool() -> None:
    raw = with_ipam(BASE)
    raw["clusters"]["a"]["cni"] = "terway"
    raw["ipam"]["pools"].pop("pod")
    spec = parse_spec(raw)
    assert spec.ipam is not None and spec.ipam.pod is None
    p = plan(spec, {}, inventory())
    assert p.ipam is not None and {r.key for r in p.ipam.reservations} == {"service:a", "service:b"}
