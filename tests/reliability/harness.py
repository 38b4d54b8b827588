"""Shared machinery of the reliability suite: run the real stack program offline for a raw fleet
spec (optionally with a lock file in place), read back the CIDRs the resources actually got, and
talk to the policy pack.

The program is the repository's ``__main__.py``, run in process under fleetctl's recording mocks
in preview mode with strict invokes, exactly as ``pulumi preview`` would run it for a stack whose
config holds the spec under ``meshfleet:fleet``. For runs that need a lock file the program file
is copied into a scratch directory (the program reads ``locks/<stack>.json`` next to itself), so
the repository's own ``locks/`` is never touched.
"""

from __future__ import annotations

import os
import runpy
import shutil
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from hypothesis import settings

from fleetctl.analyzer import Diagnostic, PolicyPackRunner
from fleetctl.capture import Capture, run_program
from meshfleet.lock import dump_lock, lock_path
from meshfleet.planner import Plan

REPO = Path(__file__).resolve().parents[2]
PACK_DIR = REPO / "policies"
PROJECT = "meshfleet"

T_STACK = "pulumi:pulumi:Stack"
T_VPC = "alicloud:vpc/network:Network"
T_VSWITCH = "alicloud:vpc/switch:Switch"
T_ACK = "alicloud:cs/managedKubernetes:ManagedKubernetes"
T_FLEET = "alicloud:ackone/cluster:Cluster"
T_MESH = "alicloud:servicemesh/serviceMesh:ServiceMesh"


def scaled(ci: int) -> int:
    """An example count that follows the Hypothesis profile: ``ci`` under the ci profile (40
    examples by default), proportionally more under dev (100) and deep (2000)."""
    current = settings.default
    return max(1, ci * (current.max_examples if current is not None else 40) // 40)


def program_dir(scratch: Path) -> Path:
    """A copy of the stack program in ``scratch`` (its lock lives in ``scratch/locks``)."""
    scratch.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "__main__.py", scratch / "__main__.py")
    return scratch


def write_lock(directory: Path, stack: str, allocations: Mapping[str, str] | None) -> None:
    """Write (or, for None, delete) the lock of ``stack`` as ``fleetctl plan --write`` would."""
    path = lock_path(directory, stack)
    if allocations is None:
        path.unlink(missing_ok=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dump_lock(allocations))


def write_raw_lock(directory: Path, stack: str, text: str) -> None:
    """Write arbitrary text as the lock of ``stack`` (bad-input tests)."""
    path = lock_path(directory, stack)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def run_fleet(
    raw: Any,
    *,
    stack: str = "reliability",
    directory: Path | None = None,
    extra_config: Mapping[str, Any] | None = None,
) -> Capture:
    """Run the stack program for fleet spec ``raw`` (config ``meshfleet:fleet``) in preview.

    ``directory`` holds the program (see :func:`program_dir`); default: the repository's (with
    a stack name that has no lock there). Raises ``fleetctl.capture.ProgramError`` when the
    program fails; the original exception is its ``__cause__``.
    """
    config = {"alicloud:region": "cn-hangzhou", "meshfleet:fleet": raw, **(extra_config or {})}
    return run_config(config, stack=stack, directory=directory)


def run_config(config: Mapping[str, Any], *, stack: str, directory: Path | None = None) -> Capture:
    """Run the stack program with this full stack config (keys such as ``meshfleet:fleet``)."""
    main = (directory or REPO) / "__main__.py"
    return run_program(
        lambda: runpy.run_path(str(main), run_name="__main__"),
        project=PROJECT,
        stack=stack,
        config=config,
        strict_invokes=True,
    )


def registered_allocations(cap: Capture, p: Plan) -> dict[str, str]:
    """Every allocation key of plan ``p`` mapped to the CIDR the registered resource got.

    VPC ``vpc:<name>`` -> the Network named <name>; vSwitch keys -> the Switch named by the plan's
    stable child name; ``pod:`` / ``service:`` -> the cluster's podCidr / serviceCidr input.
    A key whose resource is missing maps to ``"<missing>"``.
    """
    by_name: dict[tuple[str, str], dict[str, Any]] = {}
    for r in cap.registrations:
        by_name[(r.type, r.name)] = r.inputs
    out: dict[str, str] = {}

    def get(type_: str, name: str, key: str) -> str:
        inputs = by_name.get((type_, name))
        return str(inputs.get(key, "<missing>")) if inputs is not None else "<missing>"

    for v in p.vpcs.values():
        out[f"vpc:{v.name}"] = get(T_VPC, v.name, "cidrBlock")
        for s in v.vswitches:
            out[s.key] = get(T_VSWITCH, s.name, "cidrBlock")
    for c in p.clusters.values():
        if c.pod_cidr is not None:
            out[f"pod:{c.name}"] = get(T_ACK, c.name, "podCidr")
        out[f"service:{c.name}"] = get(T_ACK, c.name, "serviceCidr")
    return dict(sorted(out.items()))


def mandatory(diags: Iterable[Diagnostic]) -> list[Diagnostic]:
    """The diagnostics that would fail a preview."""
    return [d for d in diags if d.enforcement_level == "mandatory"]


def show(diags: Sequence[Diagnostic], limit: int = 8) -> str:
    """Diagnostics as short lines for assertion messages."""
    lines = [
        f"{d.enforcement_level} {d.policy_name} @ {d.urn.rsplit('::', 1)[-1]}: "
        f"{d.message.splitlines()[-1][:300]}"
        for d in diags[:limit]
    ]
    more = f"\n... and {len(diags) - limit} more" if len(diags) > limit else ""
    return "\n".join(lines) + more


def ci() -> bool:
    """True under CI (the suite then keeps to its time budget)."""
    return bool(os.environ.get("CI"))


def assert_compliant(
    pack: PolicyPackRunner, cap: Capture, p: Plan, strict: bool = True
) -> list[Diagnostic]:
    """The pack over a planned fleet's capture, with the spec's reserved ranges as its
    ``reservedCidrs``: cen mode gets no diagnostic at all; public mode is compliant but its API
    servers are public by design, which the advisory api-server-public says for every cluster,
    the mesh and the Fleet; clusters the spec leaves unprotected get the advisory
    cluster-deletion-protection-disabled; nothing else may be said.

    With ``strict`` the same holds again with every policy's ``unknowns`` set to ``mandatory``
    (an organisation that refuses unverifiable checks): although every id is unknown in the
    preview of a new fleet, nothing meshfleet declares is left unverifiable.
    """
    reserved = {"reservedCidrs": list(p.spec.reserved)}
    configs: list[dict[str, Any]] = [{"cidr-overlaps-reserved-cidrs": reserved}]
    if strict:
        configs.append(
            {
                q.name: {"unknowns": "mandatory"}
                for q in pack.info().policies
                if "unknowns" in q.config_schema
            }
        )
        configs[-1]["cidr-overlaps-reserved-cidrs"].update(reserved)
    expected: set[tuple[str, str]] = set()
    if p.spec.connectivity == "public":
        public = [r.urn for r in cap.registrations if r.type in (T_ACK, T_FLEET, T_MESH)]
        expected = {("api-server-public", urn) for urn in public}
    unprotected = {c.name for c in p.clusters.values() if not c.spec.deletion_protection}
    expected |= {
        ("cluster-deletion-protection-disabled", r.urn)
        for r in cap.registrations
        if r.type == T_ACK and r.name in unprotected
    }
    view = cap.engine_view()
    diags: list[Diagnostic] = []
    for config in configs:
        pack.reconfigure(config)
        try:
            diags = pack.analyze_stack(view)
        finally:
            pack.reconfigure(None)
        said = {(d.policy_name, d.urn) for d in diags}
        assert said == expected and all(d.enforcement_level == "advisory" for d in diags), (
            f"pack ({config}) on a planned {p.spec.connectivity} fleet of {len(p.clusters)} "
            f"clusters:\n{show(diags)}"
        )
    return diags


def nothing_but_the_stack(registrations: Iterable[Any]) -> bool:
    """What a refused spec or lock may leave registered: the Stack, and the reading providers
    (no cloud object) through which what exists was read before planning (e.g. the versions a
    lock lacks)."""
    return [
        r.type
        for r in registrations
        if not (r.type == "pulumi:providers:alicloud" and "-read-" in r.name)
    ] == ["pulumi:pulumi:Stack"]
