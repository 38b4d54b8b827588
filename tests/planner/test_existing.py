"""Brownfield spec and planning: ``vpcs.<name>.id``, ``clusters.<name>.id``, ``cen.id``.

The planner plans around an ``Inventory`` built by hand here (what the reader would have read):
existing ranges are fixed, new vSwitches are carved in an existing VPC's free space, and a pin or
a lock entry on an existing range is refused naming both.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from netaddr import IPNetwork, IPSet

from meshfleet.errors import ExhaustedError, PinConflictError, PlanError, SpecError
from meshfleet.inventory import ExistingCluster, ExistingVpc, ExistingVSwitch, Inventory
from meshfleet.planner import plan
from meshfleet.spec import parse_spec

VPC = "vpc-bp1prod000000000001"
OLD1, OLD2 = "c" + "0123456789abcdef" * 2, "c" + "fedcba9876543210" * 2
ZONES = ["cn-hangzhou-h", "cn-hangzhou-i"]


def raw(**changes: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "name": "bf",
        "regions": {
            "cn-hangzhou": {"zones": ZONES},
            "cn-shanghai": {"zones": ["cn-shanghai-b", "cn-shanghai-g"]},
        },
        "vpcs": {"hz": {"region": "cn-hangzhou", "id": VPC}, "sh": {"region": "cn-shanghai"}},
        "clusters": {
            "ack-old-1": {"vpc": "hz", "id": OLD1, "cni": "flannel"},
            "ack-old-2": {"vpc": "hz", "id": OLD2},
            "ack-new": {"vpc": "sh"},
        },
        "fleet": {"vpc": "hz"},
        "mesh": {"vpc": "hz"},
    }
    spec.update(changes)
    return spec


def inventory(*, secondary: tuple[str, ...] = ("10.21.0.0/16",)) -> Inventory:
    switches = (
        ExistingVSwitch("vsw-a1", "10.20.0.0/20", ZONES[0]),
        ExistingVSwitch("vsw-a2", "10.20.16.0/20", ZONES[1]),
        ExistingVSwitch("vsw-b1", "10.20.32.0/20", ZONES[0]),
        ExistingVSwitch("vsw-p1", "10.21.0.0/18", ZONES[0]),
    )
    return Inventory(
        vpcs={
            VPC: ExistingVpc(
                VPC, "cn-hangzhou", ("10.20.0.0/16", *secondary), switches, "prod", "vtb-1"
            )
        },
        clusters={
            OLD1: ExistingCluster(
                OLD1,
                "cn-hangzhou",
                VPC,
                ("vsw-a1", "vsw-a2"),
                "172.20.0.0/16",
                "192.168.0.0/20",
                26,
                "flannel",
            ),
            OLD2: ExistingCluster(
                OLD2, "cn-hangzhou", VPC, ("vsw-b1",), None, "192.168.16.0/20", None, "terway"
            ),
        },
    )


# -- spec ----------------------------------------------------------------------------------------
def test_ids_are_parsed_and_an_existing_vpc_has_no_nat_by_default() -> None:
    spec = parse_spec(raw(cen={"id": "cen-brownfield0001"}))
    assert spec.vpcs["hz"].id == VPC and spec.vpcs["sh"].id is None
    assert spec.clusters["ack-old-1"].id == OLD1 and spec.clusters["ack-new"].id is None
    assert spec.clusters["ack-old-1"].declared_cni == "flannel"
    assert spec.clusters["ack-old-2"].declared_cni is None
    assert spec.cen_id == "cen-brownfield0001"
    assert (spec.vpcs["hz"].nat_gateway, spec.vpcs["sh"].nat_gateway) == (False, True)
    assert (
        spec.reads_existing
        and not parse_spec(
            raw(
                vpcs={"hz": {"region": "cn-hangzhou"}, "sh": {"region": "cn-shanghai"}},
                clusters={"ack-new": {"vpc": "sh"}},
            )
        ).reads_existing
    )


def test_bad_ids_and_fields_the_cloud_decides_are_refused_with_their_paths() -> None:
    spec = raw(connectivity="public", cen={"id": "cen-brownfield0001"})
    spec["vpcs"]["hz"] = {
        "region": "cn-hangzhou",
        "id": "vpc-X",
        "cidr": "10.20.0.0/16",
        "growthBits": 1,
    }
    spec["clusters"]["ack-old-1"] = {
        "vpc": "hz",
        "id": "c123",
        "maxNodes": 10,
        "serviceCidr": "192.168.0.0/20",
    }
    spec["clusters"]["ack-old-2"] = {"vpc": "sh", "id": OLD2}
    with pytest.raises(SpecError) as err:
        parse_spec(spec)
    got = {p.path: str(p) for p in err.value.problems}
    assert "must be a VPC id" in got["vpcs.hz.id"] and "'vpc-X'" in got["vpcs.hz.id"]
    assert "is read from the cloud for an existing VPC" in got["vpcs.hz.cidr"]
    assert "vpcs.hz.growthBits" in got
    assert "must be an ACK cluster id: `c` and 32 hex digits" in got["clusters.ack-old-1.id"]
    for key in ("maxNodes", "serviceCidr"):
        assert "is read from the cloud for an existing cluster" in got[f"clusters.ack-old-1.{key}"]
    assert "set vpcs.sh.id" in got["clusters.ack-old-2.vpc"]
    assert "needs connectivity cen" in got["cen.id"]


# -- planner -------------------------------------------------------------------------------------
def test_existing_ranges_are_fixed_and_new_vswitches_fill_the_existing_vpcs_free_space() -> None:
    p = plan(parse_spec(raw()), {}, inventory())
    hz = p.vpcs["hz"]
    assert hz.existing is not None and hz.cidrs == ("10.20.0.0/16", "10.21.0.0/16")
    existing = IPSet(s.cidr for s in hz.existing.vswitches)
    blocks = IPSet(hz.cidrs)
    for s in hz.vswitches:  # the Fleet's, the mesh's, two transit-router vSwitches: all new
        assert IPSet([s.cidr]).issubset(blocks) and not IPSet([s.cidr]) & existing, s
    assert {s.role for s in hz.vswitches} == {"fleet", "mesh", "transit-router"}  # no NAT
    old1, old2 = p.clusters["ack-old-1"], p.clusters["ack-old-2"]
    assert (old1.pod_cidr, old1.service_cidr, old1.node_cidr_mask) == (
        "172.20.0.0/16",
        "192.168.0.0/20",
        26,
    )
    assert [s.key for s in old1.node_vswitches] == ["existing:vsw-a1", "existing:vsw-a2"]
    assert (old2.cni, old2.pod_cidr) == ("terway", None)
    new = p.clusters["ack-new"]
    taken = IPSet(
        ["10.20.0.0/16", "10.21.0.0/16", "172.20.0.0/16", "192.168.0.0/20", "192.168.16.0/20"]
    )
    for cidr in (p.vpcs["sh"].cidr, new.pod_cidr, new.service_cidr):
        assert not IPSet([cidr]) & taken, cidr
    allocations = p.allocations()
    assert "vpc:hz" not in allocations and not any("ack-old" in k for k in allocations)
    assert not any("ack-old" in k or k == "vpc:hz" for k in p.new)


def test_a_pin_on_an_existing_range_is_refused_naming_both() -> None:
    spec = raw()
    spec["clusters"]["ack-new"] = {
        "vpc": "sh",
        "serviceCidr": "192.168.0.0/20",
        "podCidr": "10.21.0.0/16",
    }
    with pytest.raises(PinConflictError) as err:
        plan(parse_spec(spec), {}, inventory())
    text = str(err.value)
    assert (
        "clusters.ack-new.serviceCidr: '192.168.0.0/20' (key service:ack-new) overlaps "
        f"existing cluster ack-old-1's Service CIDR ({OLD1}), 192.168.0.0/20"
    ) in text
    assert (
        "clusters.ack-new.podCidr: '10.21.0.0/16' (key pod:ack-new) overlaps existing VPC "
        f"hz secondary block ({VPC}), 10.21.0.0/16"
    ) in text


def test_lock_entries_on_existing_ranges() -> None:
    spec = parse_spec(raw())
    # A lock entry of another key on an existing range: refused, naming both.
    with pytest.raises(PinConflictError, match=r"vpc:sh\) overlaps existing VPC hz \("):
        plan(spec, {"vpc:sh": "10.20.0.0/22"}, inventory())
    # The key an existing resource would have: must agree with the cloud...
    with pytest.raises(
        PinConflictError, match="lock service:ack-old-1: '192.168.64.0/20' differs from the cloud"
    ):
        plan(spec, {"service:ack-old-1": "192.168.64.0/20"}, inventory())
    # ... and when it does, it is neither released nor new.
    p = plan(spec, {"service:ack-old-1": "192.168.0.0/20"}, inventory())
    assert "service:ack-old-1" not in p.released + p.new
    # A pinned new vSwitch on an existing vSwitch of the VPC.
    with pytest.raises(PinConflictError, match="existing vSwitch vsw-a1 of VPC hz"):
        plan(spec, {"vswitch:hz:fleet:cn-hangzhou-h": "10.20.1.0/27"}, inventory())


def test_an_existing_vpc_without_room_says_where() -> None:
    full = Inventory(
        vpcs={
            VPC: ExistingVpc(
                VPC,
                "cn-hangzhou",
                ("10.20.0.0/24",),
                (
                    ExistingVSwitch("vsw-a1", "10.20.0.0/25", ZONES[0]),
                    ExistingVSwitch("vsw-a2", "10.20.0.128/26", ZONES[1]),
                ),
            )
        },
        clusters=inventory().clusters,
    )
    with pytest.raises(ExhaustedError, match=r"does not fit in VPC hz \(10.20.0.0/24\)"):
        plan(parse_spec(raw()), {}, full)


def test_ids_the_inventory_lacks_or_a_cluster_in_another_vpc() -> None:
    with pytest.raises(PlanError, match=f"vpcs.hz.id: '{VPC}' was not read"):
        plan(parse_spec(raw()))
    inv = inventory()
    moved = Inventory(
        vpcs=inv.vpcs,
        clusters={
            **inv.clusters,
            OLD2: ExistingCluster(
                OLD2,
                "cn-hangzhou",
                "vpc-bp1other00000000001",
                ("vsw-b1",),
                None,
                "192.168.16.0/20",
                None,
                "terway",
            ),
        },
    )
    with pytest.raises(PlanError, match="is in VPC vpc-bp1other00000000001"):
        plan(parse_spec(raw()), {}, moved)


# -- property ------------------------------------------------------------------------------------
@st.composite
def brownfields(draw: st.DrawFn) -> tuple[dict[str, Any], Inventory]:
    """An existing VPC (random blocks and vSwitches) with 1-2 existing clusters of random
    CIDRs, and 1-3 new clusters, in the existing VPC or a new one."""
    second = draw(st.integers(0, 255))
    prefix = draw(st.integers(16, 20))
    primary = IPNetwork(f"10.{second}.0.0/{prefix}")
    blocks = [str(primary.cidr)]
    if draw(st.booleans()):
        blocks.append(str(IPNetwork(f"172.{draw(st.integers(16, 31))}.0.0/20").cidr))
    subnets = list(IPNetwork(blocks[0]).subnet(prefix + 3))
    used = draw(st.lists(st.sampled_from(subnets), min_size=1, max_size=5, unique=True))
    switches = tuple(ExistingVSwitch(f"vsw-{i}", str(n), ZONES[i % 2]) for i, n in enumerate(used))
    services = list(IPNetwork("192.168.0.0/16").subnet(20))
    pods = list(IPNetwork("172.16.0.0/12").subnet(16))
    n_old = draw(st.integers(1, 2))
    svc = draw(st.lists(st.sampled_from(services), min_size=n_old, max_size=n_old, unique=True))
    pod = draw(st.lists(st.sampled_from(pods), min_size=n_old, max_size=n_old, unique=True))
    assume(not IPSet(str(p) for p in pod) & IPSet(blocks))
    ids = [OLD1, OLD2][:n_old]
    clusters = {
        ids[i]: ExistingCluster(
            ids[i], "cn-hangzhou", VPC, (switches[0].id,), str(pod[i]), str(svc[i]), 26, "flannel"
        )
        for i in range(n_old)
    }
    spec = raw()
    spec["clusters"] = {f"ack-old-{i}": {"vpc": "hz", "id": ids[i]} for i in range(n_old)}
    for i in range(draw(st.integers(1, 3))):
        spec["clusters"][f"ack-new-{i}"] = {
            "vpc": draw(st.sampled_from(["hz", "sh"])),
            "maxNodes": draw(st.sampled_from([2, 10, 30])),
            "cni": draw(st.sampled_from(["flannel", "terway"])),
        }
    return spec, Inventory(
        vpcs={VPC: ExistingVpc(VPC, "cn-hangzhou", tuple(blocks), switches)}, clusters=clusters
    )


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(brownfields())
def test_new_allocations_never_overlap_what_exists(case: tuple[dict[str, Any], Inventory]) -> None:
    spec, inv = case
    try:
        p = plan(parse_spec(spec), {}, inv)
    except ExhaustedError:
        assume(False)  # a small existing VPC full of vSwitches: refused, and said so
        return
    vpc = inv.vpcs[VPC]
    blocks, switches = IPSet(vpc.cidrs), IPSet(s.cidr for s in vpc.vswitches)
    ranges = [c for x in inv.clusters.values() for c in (x.pod_cidr, x.service_cidr) if c]
    inside = {s.key for s in p.vpcs["hz"].vswitches}
    for key, cidr in p.allocations().items():
        net = IPSet([cidr])
        assert not net & IPSet(ranges), (key, cidr)
        if key in inside:  # carved in the existing VPC, clear of its vSwitches
            assert net.issubset(blocks) and not net & switches, (key, cidr)
        else:
            assert not net & blocks, (key, cidr)
