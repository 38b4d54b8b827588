"""fleetctl.deploytime: critical path and schedule over a dependency graph."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fleetctl.deploytime import CREATE_SECONDS, DEFAULT_SECONDS, create_seconds, estimate

VPC = "alicloud:vpc/network:Network"
SWITCH = "alicloud:vpc/switch:Switch"
ACK = "alicloud:cs/managedKubernetes:ManagedKubernetes"
POOL = "alicloud:cs/nodePool:NodePool"


def res(
    name: str,
    type_: str,
    deps: tuple[str, ...] = (),
    *,
    parent: str = "",
    custom: bool = True,
    prop_deps: dict[str, list[str]] | None = None,
    provider: str = "",
) -> dict[str, Any]:
    return {
        "type": type_,
        "name": name,
        "urn": f"urn:{name}",
        "parent": parent and f"urn:{parent}",
        "provider": provider and f"urn:{provider}",
        "custom": custom,
        "dependencies": [f"urn:{d}" for d in deps],
        "propertyDependencies": prop_deps or {},
    }


def sec(type_: str) -> float:
    return float(CREATE_SECONDS[type_][0])


def cluster(i: int) -> list[dict[str, Any]]:
    """A VPC -> vSwitch -> ACK -> node pool chain, independent of every other cluster."""
    return [
        res(f"vpc{i}", VPC),
        res(f"sw{i}", SWITCH, prop_deps={"vpcId": [f"urn:vpc{i}"]}),
        res(f"ack{i}", ACK, (f"sw{i}",)),
        res(f"pool{i}", POOL, (f"ack{i}",)),
    ]


def test_a_chain_takes_the_sum_and_independent_chains_run_in_parallel() -> None:
    chain = sec(VPC) + sec(SWITCH) + sec(ACK) + sec(POOL)
    one = estimate(cluster(0))
    assert one.total_s == chain == one.sum_s
    many = estimate([r for i in range(20) for r in cluster(i)])
    assert many.total_s == chain  # does not grow with independent clusters
    assert many.sum_s == 20 * chain
    assert [s.type for s in many.critical_path] == [VPC, SWITCH, ACK, POOL]


def test_property_dependencies_alone_order_creates() -> None:
    est = estimate(cluster(0)[:2])
    sw = next(s for s in est.steps if s.name == "sw0")
    assert sw.start == sec(VPC)


def test_custom_parents_are_waited_for_component_parents_and_components_cost_nothing() -> None:
    view = [
        res("comp", "meshfleet:network:Network", custom=False),
        res("vpc", VPC, parent="comp"),
        res("sw", SWITCH, parent="vpc"),  # no dependency, only a custom parent
        res("other", SWITCH, parent="comp"),
    ]
    steps = {s.name: s for s in estimate(view).steps}
    assert steps["vpc"].start == 0 and steps["other"].start == 0
    assert steps["sw"].start == sec(VPC)
    assert steps["comp"].seconds == 0


def test_limited_parallelism_serialises() -> None:
    view = [r for i in range(3) for r in cluster(i)]
    assert estimate(view, parallel=1).total_s == estimate(view).sum_s
    two = estimate(view, parallel=2).total_s
    assert estimate(view).total_s < two < estimate(view, parallel=1).total_s


def test_untabled_types_get_the_default_and_are_reported() -> None:
    view = [res("x", "alicloud:oss/bucket:Bucket"), res("p", "pulumi:providers:alicloud")]
    est = estimate(view)
    assert est.total_s == DEFAULT_SECONDS
    assert est.untabled_types == ("alicloud:oss/bucket:Bucket",)
    assert create_seconds("pulumi:providers:alicloud", True) == 0


def test_overrides_and_bad_input() -> None:
    assert estimate(cluster(0), seconds={ACK: 1}).total_s == sec(VPC) + sec(SWITCH) + 1 + sec(POOL)
    with pytest.raises(ValueError, match="cycle"):
        estimate([res("a", VPC, ("b",)), res("b", VPC, ("a",))])
    with pytest.raises(ValueError, match="parallel"):
        estimate(cluster(0), parallel=0)


TYPES = sorted(CREATE_SECONDS)


@st.composite
def dags(draw: st.DrawFn) -> list[dict[str, Any]]:
    n = draw(st.integers(1, 25))
    view = []
    for i in range(n):
        deps = draw(st.sets(st.integers(0, i - 1), max_size=3)) if i else set()
        view.append(res(f"r{i}", draw(st.sampled_from(TYPES)), tuple(f"r{d}" for d in deps)))
    return view


def longest_path(view: list[dict[str, Any]]) -> float:
    finish: dict[str, float] = {}
    for r in view:  # generated in topological order
        finish[r["urn"]] = create_seconds(r["type"], True) + max(
            (finish[d] for d in r["dependencies"]), default=0.0
        )
    return max(finish.values())


@given(dags(), st.integers(1, 4))
def test_schedule_properties(view: list[dict[str, Any]], parallel: int) -> None:
    free = estimate(view)
    assert free.total_s == pytest.approx(longest_path(view))
    assert free.total_s <= free.sum_s + 1e-9
    assert sum(s.seconds for s in free.critical_path) == pytest.approx(free.total_s)
    limited = estimate(view, parallel=parallel)
    assert limited.total_s >= free.total_s - 1e-9
    assert limited.total_s >= limited.sum_s / parallel - 1e-9
    for step in limited.steps:  # nobody starts before what it waits for has finished
        ends = {s.urn: s.finish for s in limited.steps}
        r = next(x for x in view if x["urn"] == step.urn)
        assert all(step.start >= ends[d] - 1e-9 for d in r["dependencies"])
    assert estimate(view, parallel=1).total_s == pytest.approx(free.sum_s)
