"""Lock format v2 (allocations, versions, held) and held releases in the planner: a removed
cluster's CIDRs stay reserved in every later plan until the removal is confirmed."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from netaddr import IPNetwork

from meshfleet.errors import LockError, PinConflictError
from meshfleet.layout import Plan
from meshfleet.lock import Lock, dump_lock, load_lock, parse_lock
from meshfleet.planner import plan
from meshfleet.spec import parse_spec
from tests.planner.test_spec import BASE


def written(p: Plan) -> Lock:
    """The lock ``fleetctl plan --write`` records for ``p``, read back."""
    return parse_lock(json.loads(dump_lock(p.allocations(), p.versions.entries(), p.held)))


def without(raw: dict[str, Any], cluster: str) -> dict[str, Any]:
    out = copy.deepcopy(raw)
    del out["clusters"][cluster]
    return out


def test_v1_reads_as_a_lock_without_versions_or_held(tmp_path: Path) -> None:
    allocations = plan(parse_spec(BASE)).allocations()
    path = tmp_path / "v1.json"
    path.write_text(json.dumps({"version": 1, "allocations": allocations}))
    lock = load_lock(path)
    assert isinstance(lock, Lock) and lock.read_as == 1
    assert dict(lock) == allocations and lock == allocations  # a Mapping of the allocations
    assert "vpc:hz" in lock and lock.get("vpc:hz") == allocations["vpc:hz"]
    assert dict(lock.versions) == {} and dict(lock.held) == {}
    # Planned against it, nothing moves.
    assert plan(parse_spec(BASE), lock).allocations() == allocations


def test_v2_round_trip_keeps_versions_and_held(tmp_path: Path) -> None:
    allocations = plan(parse_spec(BASE)).allocations()
    versions = {"kubernetes:a": "1.30.7-aliyun.1", "mesh": "v1.22.6.36-g3b5d3c9e-aliyun"}
    held = {"service:gone": "192.168.240.0/20"}
    path = tmp_path / "v2.json"
    path.write_text(dump_lock(allocations, versions, held))
    lock = load_lock(path)
    assert (lock.read_as, dict(lock), dict(lock.versions), dict(lock.held)) == (
        2,
        allocations,
        versions,
        held,
    )
    assert json.loads(path.read_text())["version"] == 2
    assert dict(lock.free(["service:gone"]).held) == {} and dict(lock.free([])) == allocations


@pytest.mark.parametrize(
    ("doc", "paths"),
    [
        (
            {"version": 2, "allocations": {}, "held": {"service:x": "10.0.0.0/8"}},
            {"f.json.held.service:x"},
        ),
        (
            {"version": 2, "allocations": {}, "held": {"bogus": "192.168.0.0/20"}},
            {"f.json.held.bogus"},
        ),
        (
            {
                "version": 2,
                "allocations": {},
                "versions": {"kubernetes:a": "latest", "k8s": "1.30.1"},
            },
            {"f.json.versions.kubernetes:a", "f.json.versions.k8s"},
        ),
        (
            {
                "version": 2,
                "allocations": {"service:a": "192.168.0.0/20"},
                "held": {"service:a": "192.168.16.0/20"},
            },
            {"f.json.held.service:a"},
        ),
        ({"version": 1, "allocations": {}, "versions": {}}, {"f.json.versions"}),
        ({"version": 2, "allocations": {}, "extra": 1}, {"f.json.extra"}),
        ({"version": 2, "allocations": {}, "held": []}, {"f.json.held"}),
    ],
)
def test_every_bad_entry_is_named_with_file_and_key(doc: dict[str, Any], paths: set[str]) -> None:
    with pytest.raises(LockError) as info:
        parse_lock(doc, "f.json")
    assert {p.path for p in info.value.problems} == paths


def test_write_moves_released_entries_to_held_and_later_plans_keep_them_reserved() -> None:
    first = plan(parse_spec(BASE))
    removed = plan(parse_spec(without(BASE, "b")), written(first))
    gone = {k: c for k, c in first.allocations().items() if k not in removed.allocations()}
    assert set(removed.released) == set(gone) and dict(removed.held) == gone
    lock = written(removed)
    assert dict(lock.held) == gone and not set(lock) & set(gone)
    # A later plan without any edit still holds them; it releases nothing new.
    again = plan(parse_spec(without(BASE, "b")), lock)
    assert dict(again.held) == gone and again.released == ()
    # Freed (the removal was applied): nothing is held any more.
    assert dict(plan(parse_spec(without(BASE, "b")), lock.free(gone)).held) == {}


def test_a_re_added_key_takes_back_exactly_its_own_cidr() -> None:
    first = plan(parse_spec(BASE))
    lock = written(plan(parse_spec(without(BASE, "b")), written(first)))
    back = plan(parse_spec(BASE), lock)
    assert back.allocations() == first.allocations()  # the same resources, nothing replaced
    assert set(back.reclaimed) == set(lock.held) and dict(back.held) == {}
    # Sized larger, it cannot take its CIDR back while the old one may exist: a clear error.
    bigger = copy.deepcopy(BASE)
    bigger["clusters"]["b"]["serviceIps"] = 65536
    with pytest.raises(PinConflictError, match="held in the lock") as info:
        plan(parse_spec(bigger), lock)
    assert any(
        "service:b" in p.message and "--removal-applied" in p.message for p in info.value.problems
    )


def test_a_pin_on_a_held_range_is_refused() -> None:
    first = plan(parse_spec(BASE))
    lock = written(plan(parse_spec(without(BASE, "b")), written(first)))
    raw = copy.deepcopy(without(BASE, "b"))
    raw["clusters"]["c"] = {
        "vpc": "sh",
        "cni": "flannel",
        "serviceCidr": first.allocations()["service:b"],
    }
    with pytest.raises(PinConflictError, match="reserved for service:b"):
        plan(parse_spec(raw), lock)


NEW_CLUSTERS = st.lists(
    st.fixed_dictionaries(
        {
            "vpc": st.sampled_from(["hz", "sh"]),
            "cni": st.sampled_from(["flannel", "terway"]),
            "maxNodes": st.sampled_from([3, 10, 50, 100]),
            "serviceIps": st.sampled_from([256, 4096, 16384]),
        }
    ),
    min_size=1,
    max_size=3,
)


@given(removed=st.sampled_from(["a", "b"]), added=NEW_CLUSTERS, renamed=st.booleans())
def test_additions_never_get_a_held_cidr_until_the_removal_is_confirmed(
    removed: str, added: list[dict[str, Any]], renamed: bool
) -> None:
    """Remove a cluster and `--write`; whatever is added afterwards (over any number of later
    writes) never overlaps a held CIDR, unless it is the same key taking its own back; after
    `--applied` nothing is held."""
    roomy = copy.deepcopy(BASE)  # VPCs with room for what is added beside what is held
    for vpc in roomy["vpcs"].values():
        vpc["prefix"] = 16
    first = plan(parse_spec(roomy))
    lock = written(plan(parse_spec(without(roomy, removed)), written(first)))
    held = dict(lock.held)
    assert held and all(k not in lock for k in held)
    raw = without(roomy, removed)
    for i, body in enumerate(added):
        name = f"{removed}-new-{i}"
        if not renamed and i == 0:  # the old cluster comes back as it was: its own CIDRs
            name, body = removed, roomy["clusters"][removed]
        raw["clusters"][name] = copy.deepcopy(body)
        later = plan(parse_spec(raw), lock)
        for key, cidr in later.allocations().items():
            if key in held and later.allocations()[key] == held[key]:
                assert key in later.reclaimed  # its own CIDR, the same resource
                continue
            space = key.startswith("vswitch:")
            assert not any(
                IPNetwork(cidr) in IPNetwork(h) or IPNetwork(h) in IPNetwork(cidr)
                for hk, h in held.items()
                if hk.startswith("vswitch:") == space and hk not in later.reclaimed
            ), (key, cidr, held)
        lock = written(later)
        held = {k: c for k, c in held.items() if k not in later.reclaimed}
        assert dict(lock.held) == held
    assert dict(plan(parse_spec(raw), lock.free(lock.held)).held) == {}
