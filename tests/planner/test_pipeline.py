"""The raw config -> spec -> lock -> plan pipeline (meshfleet.pipeline), the lock's path and the
plan notices: what the program, fleetctl and the tests all go through."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from meshfleet.errors import LockError, SpecError, StackNameError
from meshfleet.lock import dump_lock, lock_path
from meshfleet.notices import plan_notices
from meshfleet.pipeline import plan_stack
from meshfleet.planner import plan
from meshfleet.spec import parse_spec
from tests.planner.test_spec import BASE


def test_plan_stack_is_parse_then_lock_then_plan(tmp_path: Path) -> None:
    lock = tmp_path / "dev.json"
    fresh = plan_stack(BASE, lock)
    assert fresh.allocations() == plan(parse_spec(BASE)).allocations()
    assert fresh.new == tuple(fresh.allocations()) and fresh.released == ()
    lock.write_text(dump_lock(fresh.allocations()))
    again = plan_stack(BASE, lock, lock_must_exist=True)
    assert again.allocations() == fresh.allocations() and again.new == ()


def test_a_missing_lock_is_empty_unless_it_must_exist(tmp_path: Path) -> None:
    missing = tmp_path / "locks" / "prod.json"
    assert plan_stack(BASE, missing).new  # a stack not deployed yet
    with pytest.raises(LockError) as info:
        plan_stack(BASE, missing, lock_must_exist=True)
    (problem,) = info.value.problems
    assert problem.path == str(missing) and "does not exist" in problem.message


def test_plan_stack_raises_the_spec_error_before_reading_the_lock(tmp_path: Path) -> None:
    lock = tmp_path / "dev.json"
    lock.write_text("{not json")
    bad = copy.deepcopy(BASE)
    bad["clusters"] = {}
    with pytest.raises(SpecError) as info:
        plan_stack(bad, lock)
    assert not isinstance(info.value, LockError)
    assert [str(p) for p in info.value.problems] == [
        "clusters: {} must declare at least one cluster"
    ]


@pytest.mark.parametrize("stack", ["dev", "prod-eu.2", "A_b", "x" * 100])
def test_lock_path_of_a_pulumi_stack_name(stack: str) -> None:
    assert lock_path("/p", stack) == Path("/p/locks") / f"{stack}.json"


@pytest.mark.parametrize(
    "stack", ["", "a/b", "../x", "org/proj/dev", "dev stack", "x" * 101, "dév"]
)
def test_lock_path_refuses_what_pulumi_refuses(stack: str) -> None:
    with pytest.raises(StackNameError) as info:
        lock_path("/p", stack)
    (problem,) = info.value.problems
    assert (problem.path, problem.value) == ("stack", stack)
    assert isinstance(info.value, SpecError)  # bad input: exit 2


def test_lock_entries_are_held_to_the_rule_of_their_kind(tmp_path: Path) -> None:
    lock = tmp_path / "dev.json"
    lock.write_text(
        json.dumps(
            {
                "version": 1,
                "allocations": {
                    "vpc:hz": "100.64.0.0/16",
                    "service:a": "11.0.0.0/20",
                    "pod:a": "172.16.0.0/28",
                    "vswitch:hz:node:a:cn-hangzhou-h": "10.0.0.0/15",
                    "vpc:sh": "10.1.0.0/16",
                },
            }
        )
    )
    with pytest.raises(LockError) as info:
        plan_stack(BASE, lock)
    got = {p.path.rsplit(".allocations.", 1)[1]: p.message for p in info.value.problems}
    assert all(p.path.startswith(f"{lock}.allocations.") for p in info.value.problems)
    assert set(got) == {"vpc:hz", "service:a", "pod:a", "vswitch:hz:node:a:cn-hangzhou-h"}
    assert "CGNAT" in got["vpc:hz"] and "for a Service CIDR" in got["service:a"]
    assert "a Flannel pod CIDR must be /8 to /27" in got["pod:a"]
    assert "a vSwitch must be /16 to /29" in got["vswitch:hz:node:a:cn-hangzhou-h"]


def test_plan_notices_name_the_lock_command(tmp_path: Path) -> None:
    p = plan_stack(BASE, tmp_path / "none.json")
    notices = plan_notices(p, "prod")
    assert len(notices) == 1
    assert notices[0].startswith(
        f"{len(p.allocations())} allocations are not in the lock locks/prod.json yet"
    )
    assert "python -m fleetctl plan --stack prod --write" in notices[0]
    locked = dict(p.allocations(), **{"service:gone": "192.168.200.0/24"})
    lock = tmp_path / "prod.json"
    lock.write_text(dump_lock(locked))
    (released,) = plan_notices(plan_stack(BASE, lock), "prod")
    assert "1 lock entries are no longer in the spec (service:gone)" in released
