"""Every policy of the pack kills the mutations made for it, on two compliant stacks: the example
stack as the program registers it (ids unknown, references through property dependencies) and a
hand-built raw-resource stack (ids known). The policy list comes from the pack's own info()."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
import yaml

from fleetctl.analyzer import Diagnostic, PolicyPackRunner
from tests.policies.stackbuilder import two_region_fleet
from tests.reliability.harness import REPO, run_fleet, show
from tests.reliability.mutations import MUTATIONS, EngineStack, Mutation, NotApplicable


def example_view(connectivity: str = "cen") -> list[dict[str, Any]]:
    """The example stack's engine view, as the program registers it in preview (optionally in
    ``public`` connectivity instead of CEN)."""
    raw = yaml.safe_load((REPO / "Pulumi.example.yaml").read_text())["config"]["meshfleet:fleet"]
    raw["connectivity"] = connectivity
    return run_fleet(raw, stack="example").engine_view()


def raw_view() -> list[dict[str, Any]]:
    """The requirement document's topology built from raw pulumi_alicloud resources."""
    sb, _ = two_region_fleet(ids_known=True)
    return sb.resources


@dataclass(frozen=True)
class Result:
    base: str
    mutation: Mutation
    applicable: bool
    killed: bool
    detail: str


def run_mutation(
    pack: PolicyPackRunner, base: str, stack: Sequence[Mapping[str, Any]], m: Mutation
) -> Result:
    """Apply ``m`` to a copy of ``stack`` and judge the pack's answer (see mutations.py)."""
    s = EngineStack(stack)
    try:
        outcome = m.apply(s)
    except NotApplicable as exc:
        return Result(base, m, False, False, str(exc))
    # Only what the mutation (stack change and config) adds counts: a base may carry advisories
    # of its own.
    before = {(d.policy_name, d.urn, d.message) for d in pack.analyze_stack(stack)}
    pack.reconfigure(dict(outcome.config) or None)
    try:
        diags: list[Diagnostic] = [
            d
            for d in pack.analyze_stack(s.resources)
            if (d.policy_name, d.urn, d.message) not in before
        ]
    finally:
        pack.reconfigure(None)
    fired = {d.policy_name for d in diags}
    named = {d.urn for d in diags if d.policy_name == m.policy}
    want = {m.policy} | outcome.also
    killed = outcome.urn in named and fired == want
    detail = (
        f"{m.policy} / {m.name} on {base}: expected {sorted(want)} naming "
        f"{outcome.urn.rsplit('::', 1)[-1]}, got:\n{show(diags, 12)}"
    )
    return Result(base, m, True, killed, detail)


def kill_table(results: Sequence[Result], policies: Sequence[str]) -> dict[str, tuple[int, int]]:
    """(killed, tried) per policy, for every policy of the pack (0/0: no mutation)."""
    table: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in results:
        if r.applicable:
            table[r.mutation.policy][1] += 1
            table[r.mutation.policy][0] += r.killed
    return {p: (table[p][0], table[p][1]) for p in policies}


@pytest.fixture(scope="module")
def bases() -> dict[str, list[dict[str, Any]]]:
    return {"example": example_view(), "raw": raw_view()}


@pytest.mark.parametrize("base", ["example", "raw"])
def test_bases_are_compliant(pack: PolicyPackRunner, bases: dict[str, Any], base: str) -> None:
    assert pack.analyze_stack(bases[base]) == []


@pytest.mark.parametrize("base", ["example", "raw"])
@pytest.mark.parametrize("m", MUTATIONS, ids=[f"{m.policy}:{m.name}" for m in MUTATIONS])
def test_mutation_is_killed(
    configured: PolicyPackRunner, bases: dict[str, Any], base: str, m: Mutation
) -> None:
    result = run_mutation(configured, base, bases[base], m)
    assert result.applicable, result.detail
    assert result.killed, result.detail


def test_every_policy_of_the_pack_has_a_mutation(pack: PolicyPackRunner) -> None:
    policies = [p.name for p in pack.info().policies]
    assert set(policies) == {m.policy for m in MUTATIONS}
