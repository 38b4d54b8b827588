"""Nothing that exists is ever renumbered: random edit walks with the lock in place, checked on
the CIDRs the program's registered resources actually get (see stability.py)."""

from __future__ import annotations

import random
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.reliability.harness import program_dir, scaled
from tests.reliability.stability import EDITS, WalkStats, walk
from tests.strategies import fleet_specs

STEPS = 12


@settings(max_examples=scaled(3))
@given(fleet_specs(max_regions=3, max_vpcs=4, max_clusters=6), st.randoms(use_true_random=False))
def test_edit_walks_with_the_lock_renumber_nothing(raw: dict[str, Any],
                                                   rng: random.Random) -> None:
    with tempfile.TemporaryDirectory(prefix="meshfleet-stability-") as tmp:
        stats = walk(raw, rng, STEPS, program_dir(Path(tmp)))
    assert sum(stats.edits.values()) + sum(stats.refused.values()) <= STEPS


def test_a_long_walk_exercises_every_kind_of_edit() -> None:
    """One fixed walk, long enough that every edit kind is applied and checked at least once."""
    raw = {
        "name": "walk", "connectivity": "cen",
        "regions": {"cn-hangzhou": {"zones": ["cn-hangzhou-h", "cn-hangzhou-i", "cn-hangzhou-j"]},
                    "cn-shanghai": {"zones": ["cn-shanghai-b", "cn-shanghai-e", "cn-shanghai-g"]}},
        "vpcs": {"hz": {"region": "cn-hangzhou", "zones": ["cn-hangzhou-h", "cn-hangzhou-i"]},
                 "sh": {"region": "cn-shanghai", "zones": ["cn-shanghai-b", "cn-shanghai-e"]}},
        "clusters": {"a": {"vpc": "hz", "cni": "flannel", "zones": ["cn-hangzhou-h"],
                           "maxNodes": 20},
                     "b": {"vpc": "sh", "cni": "terway", "zones": ["cn-shanghai-b"],
                           "maxNodes": 20, "podsPerNode": 32}},
        "fleet": {"vpc": "hz"}, "mesh": {"vpc": "hz"},
    }
    with tempfile.TemporaryDirectory(prefix="meshfleet-stability-") as tmp:
        stats = WalkStats()
        stats.add(walk(raw, random.Random(6), 3 * len(EDITS), program_dir(Path(tmp)),
                       round_robin=True))
    assert set(stats.edits) | set(stats.refused) == set(EDITS)
    assert stats.refused["grow-cluster"] >= 1  # a locked pod CIDR or vSwitch too small
    assert stats.allocations_checked > 100
