"""ipam-pool-allocations through the real analyzer path: a stack's ranges against the pools and
allocations given in the pack config (``ipamPools``)."""

from __future__ import annotations

from typing import Any

import pytest

from fleetctl.analyzer import PolicyPackRunner
from tests.policies.stackbuilder import UNKNOWN, StackBuilder
from tests.policies.test_policy_rules import found

ALLOCATION = "alicloud:vpc/ipamIpamPoolAllocation:IpamIpamPoolAllocation"
POOLS = {
    "ipam-pool-vpc": {"cidrs": ["10.0.0.0/12"], "allocations": ["10.0.0.0/16 payments/prod"]},
    "ipam-pool-pod": {"cidrs": ["172.16.0.0/12"], "allocations": ["172.16.0.0/16 payments/prod"]},
    "ipam-pool-svc": {"cidrs": ["192.168.0.0/16"]},
}


def config(pools: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"ipam-pool-allocations": {"ipamPools": pools or POOLS}}


def stack(
    vpc_cidr: str | None = "10.4.0.0/20",
    pod: str = "172.20.0.0/16",
    service: str = "192.168.16.0/20",
    reserve: tuple[str, ...] = ("pod", "service"),
    owner: str = "checkout/dev",
    vpc_pool: str | None = "ipam-pool-vpc",
) -> StackBuilder:
    """A VPC from the VPC pool, one Flannel cluster, custom allocations for ``reserve``."""
    sb = StackBuilder()
    hz = sb.provider("hz", "cn-hangzhou")
    v = sb.vpc("checkout", vpc_cidr, hz, **({"ipv4IpamPoolId": vpc_pool} if vpc_pool else {}))
    n = sb.vswitch("node-h", v, "10.4.0.0/24" if vpc_cidr else UNKNOWN, "cn-hangzhou-h")
    sb.cluster("ack", [n], pod_cidr=pod, service_cidr=service)
    ranges = {"pod": ("ipam-pool-pod", pod), "service": ("ipam-pool-svc", service)}
    for kind in reserve:
        pool, cidr = ranges[kind]
        sb.add(
            ALLOCATION,
            f"{kind}-ack",
            {
                "ipamPoolId": pool,
                "cidr": cidr,
                "ipamPoolAllocationName": f"{kind}:ack",
                "ipamPoolAllocationDescription": owner,
            },
            hz,
        )
    return sb


def test_every_range_allocated_reports_nothing(configured: PolicyPackRunner) -> None:
    configured.reconfigure(config())
    assert configured.analyze_stack(stack().resources) == []


def test_without_config_the_policy_is_silent(configured: PolicyPackRunner) -> None:
    sb = stack(pod="172.16.0.0/16", reserve=())
    assert "ipam-pool-allocations" not in {
        p for p, _ in found(configured.analyze_stack(sb.resources))
    }


def test_overlap_with_another_owner_blames_the_range_and_names_the_holder(
    configured: PolicyPackRunner,
) -> None:
    configured.reconfigure(config())
    diags = configured.analyze_stack(stack(pod="172.16.0.0/17").resources)
    assert found(diags) == {("ipam-pool-allocations", "ack")}
    assert (
        "overlaps allocation 172.16.0.0/16 of payments/prod in IPAM pool ipam-pool-pod"
        in diags[0].message
    )


def test_a_range_in_a_pool_without_allocation(configured: PolicyPackRunner) -> None:
    configured.reconfigure(config())
    diags = configured.analyze_stack(stack(reserve=("pod",)).resources)
    assert found(diags) == {("ipam-pool-allocations", "ack")}
    assert "Service CIDR 192.168.16.0/20" in diags[0].message
    assert "has no allocation" in diags[0].message


def test_a_vpc_in_a_pool_not_created_from_it(configured: PolicyPackRunner) -> None:
    configured.reconfigure(config())
    sb = stack()
    sb.vpc("legacy", "10.8.0.0/16", None)
    assert found(configured.analyze_stack(sb.resources)) == {("ipam-pool-allocations", "legacy")}


@pytest.mark.parametrize(
    ("label", "reported"), [("", False), ("checkout/dev", False), ("payments/prod", True)]
)
def test_a_snapshot_of_the_stacks_own_allocation(
    configured: PolicyPackRunner, label: str, reported: bool
) -> None:
    """The config lists an allocation at exactly the stack's own reserved range: the stack's
    own, unless it names another owner (a range copied from another stack)."""
    pools = {
        **POOLS,
        "ipam-pool-svc": {
            "cidrs": ["192.168.0.0/16"],
            "allocations": [f"192.168.16.0/20 {label}".strip()],
        },
    }
    configured.reconfigure(config(pools))
    got = found(configured.analyze_stack(stack().resources))
    assert (("ipam-pool-allocations", "ack") in got) is reported


@pytest.mark.parametrize("from_pool", [True, False])
def test_a_vpc_sized_by_its_pool_is_not_pending(
    configured: PolicyPackRunner, from_pool: bool
) -> None:
    """A VPC created from a pool with only a mask has no CIDR at preview, but IPAM allocates it
    in the pool by construction: nothing to wait for. Any other unknown VPC CIDR waits."""
    configured.reconfigure(config())
    sb = stack(vpc_cidr=UNKNOWN, vpc_pool="ipam-pool-vpc" if from_pool else None)
    waiting = [
        d.message
        for d in configured.analyze_stack(sb.resources)
        if d.policy_name == "value-unknown-at-preview"
    ]
    assert (
        waiting
        and any('ipam-pool-allocations (on "checkout")' in m for m in waiting) is not from_pool
    )


def test_config_schema_refuses_a_malformed_pool(configured: PolicyPackRunner) -> None:
    with pytest.raises(Exception, match="ipam"):
        configured.reconfigure(config({"not-a-pool": {"cidrs": ["10.0.0.0/8"]}}))
