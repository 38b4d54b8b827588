"""Random edit walks over a fleet spec with the lock in place, checked through the program.

A walk starts from a valid spec, plans it, records the lock (as ``fleetctl plan --write`` does)
and then applies random user edits: add / remove / rename / reorder clusters, VPCs, regions and
zones, move a region, switch a CNI, shrink or grow a cluster. After every edit the real stack
program runs (preview, mocks) with the lock file next to it, and the CIDRs the registered VPC,
vSwitch and cluster resources actually get are compared with the lock: every allocation that
existed before the edit and still exists keeps its CIDR. An edit the planner must refuse (a
locked block is too small for a grown cluster, a locked VPC is full) has to be refused by the
program too, with nothing registered; the walk then continues from the previous spec.

Every accepted step is also diffed against the previous one as ``pulumi preview --diff`` would
(``fleetctl.diff``): nothing the edit did not touch is updated, replaced or deleted (no VPC,
vSwitch, CEN part or membership of another cluster; aggregates may come and go), and an edit that
changes nothing (reordering the YAML) plans no change at all (``tests/reliability/ownership.py``).
"""

from __future__ import annotations

import copy
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from netaddr import IPSet

from fleetctl.analyzer import PolicyPackRunner
from fleetctl.capture import ProgramError
from fleetctl.diff import diff
from fleetctl.diff_io import capture_view
from meshfleet.errors import PlanError
from meshfleet.planner import plan
from meshfleet.spec import FleetSpec, parse_spec
from tests.reliability.harness import (
    assert_compliant,
    registered_allocations,
    run_fleet,
    write_lock,
)
from tests.reliability.ownership import foreign_changes, touched
from tests.strategies import REGION_ZONES, pool_floor, tr_ok

EDITS = (
    "add-cluster",
    "remove-cluster",
    "rename-cluster",
    "reorder",
    "add-vpc",
    "remove-vpc",
    "rename-vpc",
    "add-zone",
    "remove-zone",
    "add-region",
    "move-region",
    "switch-cni",
    "shrink-cluster",
    "grow-cluster",
)


@dataclass
class WalkStats:
    """What a walk checked."""

    edits: Counter[str] = field(default_factory=Counter)
    """Edits applied (and checked through the program), by kind."""
    refused: Counter[str] = field(default_factory=Counter)
    """Edits the planner and the program refused (locked space too small), by kind."""
    refusals: Counter[str] = field(default_factory=Counter)
    """Why: the error types of the refusals."""
    messages: list[str] = field(default_factory=list)
    """The first problem of each refusal."""
    allocations_checked: int = 0
    """Allocations that existed before an edit and were compared after it."""
    program_runs: int = 0
    diffs_checked: int = 0
    """Accepted steps diffed against the previous step (nothing foreign changed)."""
    changes_checked: Counter[str] = field(default_factory=Counter)
    """The diffs' steps, by operation (create, update, replace, delete)."""

    def add(self, other: WalkStats) -> None:
        self.edits.update(other.edits)
        self.refused.update(other.refused)
        self.refusals.update(other.refusals)
        self.messages += other.messages
        self.allocations_checked += other.allocations_checked
        self.program_runs += other.program_runs
        self.diffs_checked += other.diffs_checked
        self.changes_checked.update(other.changes_checked)


class _Editor:
    """Applies one named edit to a raw spec in place, keeping it valid."""

    def __init__(self, raw: dict[str, Any], rng: random.Random, serial: int) -> None:
        self.raw, self.rng, self.serial = raw, rng, serial

    @property
    def cen(self) -> bool:
        return self.raw.get("connectivity", "cen") == "cen"

    def declared(self, region: str) -> list[str]:
        """The zones the spec declares for ``region``."""
        return list(self.raw["regions"][region]["zones"])

    def vpc_zones(self, region: str) -> list[str]:
        declared = self.declared(region)
        zones = tr_ok(region, declared) if self.cen else declared
        return self.rng.sample(zones, k=self.rng.randint(2, len(zones)))

    def new_cluster(self, vpc: str) -> dict[str, Any]:
        zones = self.raw["vpcs"][vpc]["zones"]
        return {
            "vpc": vpc,
            "cni": self.rng.choice(["flannel", "terway"]),
            "zones": self.rng.sample(zones, k=self.rng.randint(1, len(zones))),
            # mostly small enough to fit the room a locked VPC has left
            "maxNodes": self.rng.choice([2, 3, 5, 8, 60]),  # the system pool has 2
            "podsPerNode": self.rng.choice([8, 16, 32]),
        }

    @staticmethod
    def keep_pins(c: dict[str, Any]) -> None:
        """Drop vSwitch pins of zones the cluster no longer uses (the spec refuses them)."""
        for key in ("vswitches", "podVswitches"):
            if key in c:
                c[key] = {z: cidr for z, cidr in c[key].items() if z in c["zones"]}

    def pick(self, mapping: dict[str, Any], avoid: frozenset[str] = frozenset()) -> str | None:
        keys = [k for k in sorted(mapping) if k not in avoid]
        return self.rng.choice(keys) if keys else None

    def apply(self, edit: str) -> bool:
        """Apply ``edit``; False when it does not apply to this spec (nothing changed)."""
        return bool(getattr(self, edit.replace("-", "_"))())

    def add_cluster(self) -> bool:
        vpc = self.pick(self.raw["vpcs"])
        assert vpc is not None
        self.raw["clusters"][f"c{self.serial}"] = self.new_cluster(vpc)
        return True

    def remove_cluster(self) -> bool:
        if len(self.raw["clusters"]) < 2:
            return False
        del self.raw["clusters"][self.pick(self.raw["clusters"])]
        return True

    def rename_cluster(self) -> bool:
        old = self.pick(self.raw["clusters"])
        self.raw["clusters"][f"renamed-{self.serial}"] = self.raw["clusters"].pop(old)
        return True

    def reorder(self) -> bool:
        for key in ("clusters", "vpcs", "regions"):
            items = list(self.raw[key].items())
            self.rng.shuffle(items)
            self.raw[key] = dict(items)
        for body in [*self.raw["vpcs"].values(), *self.raw["clusters"].values()]:
            if "zones" in body:
                self.rng.shuffle(body["zones"])
        return True

    def add_vpc(self) -> bool:
        region = self.pick(self.raw["regions"])
        assert region is not None
        self.raw["vpcs"][f"v{self.serial}"] = {"region": region, "zones": self.vpc_zones(region)}
        return True

    def _placements(self) -> set[str]:
        return {self.raw["fleet"]["vpc"], self.raw["mesh"]["vpc"]}

    def remove_vpc(self) -> bool:
        victim = self.pick(self.raw["vpcs"], avoid=frozenset(self._placements()))
        if victim is None:
            return False
        del self.raw["vpcs"][victim]
        self.raw["clusters"] = {k: c for k, c in self.raw["clusters"].items() if c["vpc"] != victim}
        if not self.raw["clusters"]:
            self.raw["clusters"][f"c{self.serial}"] = self.new_cluster(self.raw["fleet"]["vpc"])
        return True

    def rename_vpc(self) -> bool:
        old = self.pick(self.raw["vpcs"])
        assert old is not None
        new = f"renamed-v{self.serial}"
        self.raw["vpcs"][new] = self.raw["vpcs"].pop(old)
        for body in [*self.raw["clusters"].values(), self.raw["fleet"], self.raw["mesh"]]:
            if body["vpc"] == old:
                body["vpc"] = new
        return True

    def add_zone(self) -> bool:
        """A zone for a VPC (one that sorts anywhere) or for a cluster of its VPC's zones."""
        if self.rng.random() < 0.5:
            name = self.pick(self.raw["vpcs"])
            assert name is not None
            vpc = self.raw["vpcs"][name]
            missing = [z for z in self.declared(vpc["region"]) if z not in vpc["zones"]]
            if not missing:
                return False
            vpc["zones"].insert(self.rng.randrange(len(vpc["zones"]) + 1), self.rng.choice(missing))
            return True
        cname = self.pick(self.raw["clusters"])
        assert cname is not None
        c = self.raw["clusters"][cname]
        missing = [z for z in self.raw["vpcs"][c["vpc"]]["zones"] if z not in c["zones"]]
        if not missing:
            return False
        c["zones"].append(self.rng.choice(missing))
        return True

    def remove_zone(self) -> bool:
        """A zone of a cluster, or of a VPC (and of its clusters) while CEN keeps two."""
        if self.rng.random() < 0.5:
            cname = self.pick(self.raw["clusters"])
            assert cname is not None
            c = self.raw["clusters"][cname]
            if len(c["zones"]) < 2:
                return False
            c["zones"].remove(self.rng.choice(c["zones"]))
            self.keep_pins(c)
            return True
        name = self.pick(self.raw["vpcs"])
        assert name is not None
        vpc = self.raw["vpcs"][name]
        zone = self.rng.choice(vpc["zones"])
        rest = [z for z in vpc["zones"] if z != zone]
        members = [c for c in self.raw["clusters"].values() if c["vpc"] == name]
        if (
            len(rest) < 2
            or (self.cen and len(tr_ok(vpc["region"], rest)) < 2)
            or any(c["zones"] == [zone] for c in members)
        ):
            return False
        vpc["zones"] = rest
        for c in members:
            c["zones"] = [z for z in c["zones"] if z != zone]
            self.keep_pins(c)
        return True

    def add_region(self) -> bool:
        spare = [r for r in sorted(REGION_ZONES) if r not in self.raw["regions"]]
        if not spare:
            return False
        region = self.rng.choice(spare)
        self.raw["regions"][region] = {"zones": list(REGION_ZONES[region])}
        self.raw["vpcs"][f"v{self.serial}"] = {"region": region, "zones": self.vpc_zones(region)}
        return True

    def move_region(self) -> bool:
        """Rename a region: its VPCs (and their clusters' zones) move to another one."""
        spare = [r for r in sorted(REGION_ZONES) if r not in self.raw["regions"]]
        old = self.pick(self.raw["regions"])
        if not spare or old is None:
            return False
        new = self.rng.choice(spare)
        regions = list(self.raw["regions"].items())
        self.raw["regions"] = {
            new if k == old else k: ({"zones": list(REGION_ZONES[new])} if k == old else v)
            for k, v in regions
        }
        for name, vpc in self.raw["vpcs"].items():
            if vpc["region"] == old:
                vpc["region"], vpc["zones"] = new, self.vpc_zones(new)
                for c in self.raw["clusters"].values():
                    if c["vpc"] == name:
                        c["zones"] = vpc["zones"][:1]
                        self.keep_pins(c)
        return True

    def switch_cni(self) -> bool:
        cname = self.pick(self.raw["clusters"])
        assert cname is not None
        c = self.raw["clusters"][cname]
        c["cni"] = "terway" if c.get("cni", "flannel") == "flannel" else "flannel"
        c.pop("podCidr", None)
        c.pop("podVswitches", None)
        if c["cni"] == "flannel":
            c["podsPerNode"] = min(int(c.get("podsPerNode", 64)), 255)
        return True

    def shrink_cluster(self) -> bool:
        cname = self.pick(self.raw["clusters"])
        assert cname is not None
        c = self.raw["clusters"][cname]
        c["maxNodes"] = max(pool_floor(c), int(c.get("maxNodes", 64)) // 2)
        return True

    def grow_cluster(self) -> bool:
        """Usually refused: its locked node vSwitches or pod CIDR are too small."""
        cname = self.pick(self.raw["clusters"])
        assert cname is not None
        c = self.raw["clusters"][cname]
        c["maxNodes"] = min(5000, int(c.get("maxNodes", 64)) * 4)
        return True


def _pins(spec: FleetSpec) -> set[str]:
    """Every CIDR the spec pins."""
    out = {v.cidr for v in spec.vpcs.values() if v.cidr}
    for c in spec.clusters.values():
        out |= {x for x in (c.pod_cidr, c.service_cidr) if x}
        out |= set(c.vswitches.values()) | set(c.pod_vswitches.values())
    return out


def walk(
    raw: dict[str, Any],
    rng: random.Random,
    steps: int,
    directory: Path,
    stack: str = "stability",
    round_robin: bool = False,
    pack: PolicyPackRunner | None = None,
) -> WalkStats:
    """Run ``steps`` random edits from ``raw`` through planner and program (see module doc).

    ``round_robin`` takes the edit kinds in turn (targets stay random) instead of at random.
    With ``pack``, every accepted step's stack (locked and new allocations) must also pass it.

    ``directory`` holds a copy of the program (``harness.program_dir``); its lock is rewritten
    after every accepted edit. Raises AssertionError naming the edit that renumbered something.
    """
    stats = WalkStats()
    raw = copy.deepcopy(raw)
    previous = plan(parse_spec(raw))
    lock = previous.allocations()
    write_lock(directory, stack, lock)
    view = capture_view(run_fleet(raw, stack=stack, directory=directory))
    stats.program_runs += 1
    for step in range(steps):
        edit = EDITS[step % len(EDITS)] if round_robin else rng.choice(EDITS)
        candidate = copy.deepcopy(raw)
        if not _Editor(candidate, rng, step).apply(edit):
            continue
        try:
            p = plan(parse_spec(candidate), lock)
        except PlanError as exc:
            # The program must refuse the same way, before registering anything.
            stats.program_runs += 1
            try:
                run_fleet(candidate, stack=stack, directory=directory)
            except ProgramError as perr:
                assert type(perr.__cause__) is type(exc), (edit, perr.message)
            else:
                raise AssertionError(f"{edit}: planner refused ({exc}) but the program ran")
            stats.refused[edit] += 1
            stats.refusals[type(exc).__name__] += 1
            stats.messages.append(f"{edit}: {exc.problems[0]}")
            continue
        cap = run_fleet(candidate, stack=stack, directory=directory)
        stats.program_runs += 1
        registered = registered_allocations(cap, p)
        assert registered == p.allocations(), f"{edit}: registered CIDRs differ from the plan"
        kept = sorted(registered.keys() & lock.keys())
        moved = {k: (lock[k], registered[k]) for k in kept if registered[k] != lock[k]}
        assert not moved, f"step {step} {edit}: renumbered (locked, registered) {moved}"
        # What this edit releases still exists during the update (deleted after the creates):
        # nothing new may take its addresses (a vSwitch those of a released vSwitch, a VPC, pod
        # or Service CIDR those of a released one), unless the user pinned it there.
        gone = {k: c for k, c in lock.items() if k not in registered}
        released = {
            kind: IPSet(c for k, c in gone.items() if k.startswith("vswitch:") == kind)
            for kind in (True, False)
        }
        pinned = _pins(p.spec)
        reused = {
            k: c
            for k, c in registered.items()
            if k not in lock
            and c not in pinned
            and (IPSet([c]) & released[k.startswith("vswitch:")]).size
        }
        assert not reused, f"step {step} {edit}: new allocations reuse released addresses {reused}"
        if pack is not None:
            assert_compliant(pack, cap, p)
        new_view = capture_view(cap)
        changes = diff(view, new_view)
        edit_touched = touched(previous.spec, p.spec)
        foreign = foreign_changes(changes, view, new_view, edit_touched, (previous, p))
        assert not foreign, f"step {step} {edit}: changes what the edit did not touch: {foreign}"
        if not edit_touched:
            moved = [f"{s.op} {s.name}" for s in changes.steps if s.op != "same"]
            assert not moved, f"step {step} {edit}: an edit that changes nothing plans {moved}"
        stats.diffs_checked += 1
        stats.changes_checked.update(s.op for s in changes.steps if s.op != "same")
        stats.edits[edit] += 1
        stats.allocations_checked += len(kept)
        view, previous = new_view, p
        raw, lock = candidate, p.allocations()  # `fleetctl plan --write`: released keys go
        write_lock(directory, stack, lock)
    return stats
