"""Random subsets of property values made unknown never crash a policy, never abort it for the
other resources, never invent a mandatory violation, and leave findings about resources whose
inputs stayed known word for word (guarantees and their precise scope: unknowns.py)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fleetctl.analyzer import Diagnostic, PolicyPackRunner
from tests.reliability.harness import scaled, show
from tests.reliability.mutations import (
    T_DYNAMIC,
    EngineStack,
    no_deletion_protection,
    not_in_mesh,
    public_mesh,
    service_service,
    vpc_invalid,
    vswitch_invalid,
)
from tests.reliability.test_mutation import example_view, raw_view
from tests.reliability.unknowns import judge, make_unknown, value_paths

Base = tuple[list[dict[str, Any]], list[Diagnostic]]


def violating(stack: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The stack with six violations on different resources and rules, so that guarantee 3 has
    findings to keep."""
    s = EngineStack(stack)
    for mutation in (
        no_deletion_protection,
        service_service,
        vswitch_invalid,
        public_mesh,
        not_in_mesh,
        vpc_invalid,
    ):
        mutation(s)
    return s.resources


@pytest.fixture(scope="module")
def bases(pack: PolicyPackRunner) -> dict[str, Base]:
    stacks = {
        "example": example_view(),
        "raw": raw_view(),
        "example-public": example_view("public"),
    }
    stacks.update(
        {f"{k}+violations": violating(v) for k, v in list(stacks.items()) if k != "example-public"}
    )
    return {k: (v, pack.analyze_stack(v)) for k, v in stacks.items()}


def test_violating_bases_report_what_they_should(bases: dict[str, Base]) -> None:
    for name in ("example+violations", "raw+violations"):
        said = {d.policy_name for d in bases[name][1]}
        assert said >= {
            "cluster-deletion-protection-disabled",
            "service-cidr-overlaps-service-cidr",
            "vswitch-cidr-invalid",
            "api-server-public",
            "cluster-not-in-mesh",
            "vpc-cidr-invalid",
        }, name


@settings(max_examples=scaled(100))
@given(st.data())
def test_unknown_values_never_break_the_pack(
    pack: PolicyPackRunner, bases: dict[str, Base], data: st.DataObject
) -> None:
    name = data.draw(st.sampled_from(sorted(bases)), label="base")
    stack, known = bases[name]
    picks = data.draw(
        st.lists(
            st.tuples(st.sampled_from(value_paths(stack)), st.booleans()), min_size=1, max_size=30
        ),
        label="unknown values",
    )
    unknown_stack, touched = make_unknown(stack, picks)
    diags = pack.analyze_stack(unknown_stack)  # an analyzer error raises PolicyPackError
    for urn in sorted(touched)[:3]:  # per-resource Analyze, as `fleetctl check` also sends it
        pack.analyze(next(r for r in unknown_stack if r["urn"] == urn), unknown_stack)
    problems = judge(known, diags, stack, touched)
    assert not problems, "\n".join(problems)


def test_everything_unknown_at_once(pack: PolicyPackRunner, bases: dict[str, Base]) -> None:
    """The extreme: every top-level property of every resource unknown."""
    for name, (stack, known) in bases.items():
        picks = [(p, True) for p in value_paths(stack) if len(p[1]) == 1]
        unknown_stack, touched = make_unknown(stack, picks)
        problems = judge(known, pack.analyze_stack(unknown_stack), stack, touched)
        assert not problems, name + ":\n" + "\n".join(problems)


def test_unknown_fleet_features_kind_is_not_a_definite_violation(pack: PolicyPackRunner) -> None:
    """Public connectivity: only the Fleet's public endpoint (declared by FleetFeatures) lets
    the Shanghai cluster reach the Fleet. With FleetFeatures' ``kind`` unknown the pack cannot
    tell whether the resource declares the endpoint public: at most an unverifiable finding."""
    stack = example_view("public")
    assert not [d for d in pack.analyze_stack(stack) if d.enforcement_level == "mandatory"]
    features = next(i for i, r in enumerate(stack) if r["type"] == T_DYNAMIC)
    unknown_stack, _ = make_unknown(stack, [((features, ("kind",)), True)])
    mandatory = [d for d in pack.analyze_stack(unknown_stack) if d.enforcement_level == "mandatory"]
    assert not mandatory, show(mandatory)


def test_every_single_value_unknown(pack: PolicyPackRunner, bases: dict[str, Base]) -> None:
    """Exhaustive: each value of each base stack made unknown on its own (typed sentinel)."""
    checked = 0
    for name, (stack, known) in bases.items():
        for path in value_paths(stack):
            unknown_stack, touched = make_unknown(stack, [(path, True)])
            problems = judge(known, pack.analyze_stack(unknown_stack), stack, touched)
            assert not problems, f"{name} {stack[path[0]]['name']} {path[1]}:\n" + "\n".join(
                problems
            )
            checked += 1
    assert checked > 500
