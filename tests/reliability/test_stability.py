"""Nothing that exists is ever renumbered: random edit walks with the lock in place, checked on
the CIDRs the program's registered resources actually get (see stability.py)."""

from __future__ import annotations

import random
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from fleetctl.analyzer import PolicyPackRunner
from tests.reliability.harness import program_dir, scaled
from tests.reliability.stability import EDITS, WalkStats, walk
from tests.strategies import fleet_specs, pinned_fleet_specs

STEPS = 12


# ci: 2 walks of 12 edits; dev 5, deep 100 (bench/reliability_report.py: --walks).
@settings(max_examples=scaled(2))
@given(
    st.one_of(
        fleet_specs(max_regions=3, max_vpcs=4, max_clusters=6),
        pinned_fleet_specs(max_regions=3, max_vpcs=4, max_clusters=6),
    ),
    st.randoms(use_true_random=False),
)
def test_edit_walks_with_the_lock_renumber_nothing(
    pack: PolicyPackRunner, raw: dict[str, Any], rng: random.Random
) -> None:
    with tempfile.TemporaryDirectory(prefix="meshfleet-stability-") as tmp:
        stats = walk(raw, rng, STEPS, program_dir(Path(tmp)), pack=pack)
    assert sum(stats.edits.values()) + sum(stats.refused.values()) <= STEPS


def test_a_long_walk_exercises_every_kind_of_edit(pack: PolicyPackRunner) -> None:
    """One fixed walk, long enough that every edit kind is applied and checked at least once."""
    raw = {
        "name": "walk",
        "connectivity": "cen",
        "regions": {
            "cn-hangzhou": {"zones": ["cn-hangzhou-h", "cn-hangzhou-i", "cn-hangzhou-j"]},
            "cn-shanghai": {"zones": ["cn-shanghai-b", "cn-shanghai-e", "cn-shanghai-g"]},
        },
        "vpcs": {
            "hz": {"region": "cn-hangzhou", "zones": ["cn-hangzhou-h", "cn-hangzhou-i"]},
            "sh": {"region": "cn-shanghai", "zones": ["cn-shanghai-b", "cn-shanghai-e"]},
        },
        "clusters": {
            "a": {"vpc": "hz", "cni": "flannel", "zones": ["cn-hangzhou-h"], "maxNodes": 20},
            "b": {
                "vpc": "sh",
                "cni": "terway",
                "zones": ["cn-shanghai-b"],
                "maxNodes": 20,
                "podsPerNode": 32,
            },
        },
        "fleet": {"vpc": "hz"},
        "mesh": {"vpc": "hz"},
    }
    with tempfile.TemporaryDirectory(prefix="meshfleet-stability-") as tmp:
        stats = WalkStats()
        stats.add(
            walk(
                raw,
                random.Random(6),
                3 * len(EDITS),
                program_dir(Path(tmp)),
                round_robin=True,
                pack=pack,
            )
        )
    assert set(stats.edits) | set(stats.refused) == set(EDITS)
    assert stats.refused["grow-cluster"] >= 1  # a locked pod CIDR or vSwitch too small
    assert stats.allocations_checked > 100


def test_renamed_cluster_does_not_take_the_addresses_it_releases(tmp_path: Path) -> None:
    """Renaming a cluster is a new cluster plus a deleted one, and Pulumi deletes after it
    creates: the new cluster's vSwitches, pod and Service CIDRs must not be the old ones
    (the VPC API refuses an overlapping vSwitch while the old one still exists)."""
    from meshfleet.planner import plan
    from meshfleet.spec import parse_spec
    from tests.reliability.catalogue import GOOD
    from tests.reliability.harness import registered_allocations, run_fleet, write_lock

    directory = program_dir(tmp_path)
    lock = plan(parse_spec(GOOD)).allocations()
    write_lock(directory, "rename", lock)
    raw = {
        **GOOD,
        "clusters": {("renamed" if k == "a" else k): v for k, v in GOOD["clusters"].items()},
    }
    p = plan(parse_spec(raw), lock)
    got = registered_allocations(run_fleet(raw, stack="rename", directory=directory), p)
    released = {k: c for k, c in lock.items() if k not in got}
    assert {k.split(":")[0] for k in released} == {"pod", "service", "vswitch"}
    new = {k: c for k, c in got.items() if k not in lock}
    from netaddr import IPSet

    assert not (IPSet(new.values()) & IPSet(released.values())).size, (new, released)
