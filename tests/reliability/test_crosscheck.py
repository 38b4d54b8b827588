"""Planner, components and policy pack checking each other on fuzzed fleets.

Every valid fleet spec (fuzzed: 1-6 regions, up to 10 VPCs, up to 30 clusters, both CNIs, both
connectivity modes, reserved ranges, pinned CIDRs, the optional fields) is planned, run through
the real stack program offline (preview, strict invokes) and the resources it registers are
analysed by the policy pack over the real analyzer protocol, with the spec's reserved ranges as
the pack's ``reservedCidrs``.
Nothing may be mandatory-violated (with the default config, and again with every policy's
``unknowns`` set to ``mandatory``), and the resources must carry exactly the planned CIDRs.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from fleetctl.analyzer import PolicyPackRunner
from meshfleet.planner import plan
from meshfleet.spec import parse_spec
from tests.reliability.harness import (
    assert_compliant,
    registered_allocations,
    run_fleet,
    scaled,
)
from tests.strategies import fleet_specs, pinned_fleet_specs, rich_fleet_specs


def crosscheck(pack: PolicyPackRunner, raw: dict[str, Any]) -> dict[str, int]:
    """One spec through planner -> program -> pack; raises AssertionError naming the culprit.

    Returns figures for the report: resources registered, allocations compared, diagnostics.
    """
    p = plan(parse_spec(raw))
    cap = run_fleet(raw)
    got = registered_allocations(cap, p)
    want = p.allocations()
    wrong = {k: (v, got[k]) for k, v in want.items() if got[k] != v}
    assert not wrong, f"components register other CIDRs than planned (planned, registered): {wrong}"
    diags = assert_compliant(pack, cap, p)
    return {
        "resources": len(cap.registrations),
        "allocations": len(want),
        "diagnostics": len(diags),
    }


# ci: 10 fleets (about 35 s); dev 25, deep 500; bench/reliability_report.py runs 200.
@settings(max_examples=scaled(10))
@given(st.one_of(fleet_specs(), pinned_fleet_specs(), rich_fleet_specs()))
def test_any_valid_spec_planned_and_deployed_passes_the_pack(
    pack: PolicyPackRunner, raw: dict[str, Any]
) -> None:
    crosscheck(pack, raw)


def test_example_stack_passes_the_pack(pack: PolicyPackRunner) -> None:
    """The requirement document's topology, as Pulumi.example.yaml declares it."""
    import yaml

    from tests.reliability.harness import REPO

    raw = yaml.safe_load((REPO / "Pulumi.example.yaml").read_text())["config"]["meshfleet:fleet"]
    figures = crosscheck(pack, raw)
    # 2 VPCs + 16 vSwitches (see tests/components/test_stack_example.py) + 2 Flannel pod CIDRs
    # + 3 Service CIDRs; the compliant example gets no diagnostic at all.
    assert figures["allocations"] == 2 + 16 + 2 + 3 and figures["diagnostics"] == 0
