"""``fleetctl check``: the offline ``pulumi preview --policy-pack``.

    python -m fleetctl check                                   # this project, stack example
    python -m fleetctl check --program DIR --stack dev         # any Python alicloud program
    python -m fleetctl check --policy-pack-config policies/config.example.json --json

Runs the program under recording mocks as ``pulumi preview`` runs it (fleetctl.capture), hands
the engine's view of the registrations to the policy pack over the real analyzer protocol
(fleetctl.analyzer: Analyze per resource, then AnalyzeStack), and estimates how long
``pulumi up`` would take (fleetctl.deploytime).

Exit codes: 0 no mandatory violation; 1 at least one; 2 bad input (stack file, policy pack,
policy pack config) or a failing program, with its error and no fleetctl traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from fleetctl import deploytime
from fleetctl.capture import (
    STACK_TYPE,
    Capture,
    CaptureError,
    ProgramError,
    UnexpectedInvokeError,
    run_program_dir,
)
from fleetctl.stackconfig import PROJECT_DIR, add_stack_options

DEFAULT_PACK = PROJECT_DIR / "policies"


class CheckInputError(Exception):
    """Bad command-line input (a policy pack config that is not JSON, a missing directory)."""


def _pack_version(pack_dir: Path, reported: str) -> str:
    """The version in ``PulumiPolicy.yaml`` (what `pulumi policy publish` uses); the SDK itself
    reports a placeholder when the pack runs unpublished."""
    try:
        doc = yaml.safe_load((Path(pack_dir) / "PulumiPolicy.yaml").read_text())
    except (OSError, yaml.YAMLError):
        return reported
    return str(doc.get("version", reported)) if isinstance(doc, dict) else reported


def register(sub: Any) -> None:
    """Add the ``check`` sub-command."""
    p = sub.add_parser(
        "check",
        help="offline preview: run the program under mocks and the policy pack over it",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_stack_options(p, "Pulumi program directory (default: this meshfleet checkout)")
    p.add_argument(
        "--policy-pack",
        type=Path,
        default=DEFAULT_PACK,
        help="policy pack directory (default: this checkout's policies/)",
    )
    p.add_argument(
        "--policy-pack-config",
        type=Path,
        default=None,
        help="JSON file keyed by policy name (and 'all'), as pulumi's --policy-pack-config",
    )
    p.add_argument(
        "--parallel",
        type=int,
        default=None,
        help="model `pulumi up --parallel N` in the deployment-time estimate "
        "(default: unbounded, Pulumi's default)",
    )
    p.add_argument("--json", action="store_true", help="print resources, diagnostics, summary")
    p.set_defaults(func=run)


def _load_pack_config(path: Path | None) -> dict[str, Any] | None:
    if path is None:
        return None
    try:
        data = json.loads(path.read_text())
    except OSError as exc:
        raise CheckInputError(f"--policy-pack-config {path}: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise CheckInputError(f"--policy-pack-config {path}: not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise CheckInputError(
            f"--policy-pack-config {path}: expected a JSON object keyed by policy name"
        )
    return data


def _config_strings(config: Mapping[str, Any]) -> dict[str, str]:
    # PULUMI_CONFIG carries every value as a string, objects as JSON (as the CLI sends it).
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in config.items()}


def analyze(
    cap: Capture,
    pack_dir: Path,
    pack_config: Mapping[str, Any] | None,
) -> tuple[list[Any], Any]:
    """Run the pack over the capture as the engine does: Analyze each resource, then
    AnalyzeStack. Returns (diagnostics, analyzer info)."""
    from fleetctl.analyzer import PolicyPackRunner

    view = cap.engine_view()
    with PolicyPackRunner(
        pack_dir,
        config=pack_config,
        project=cap.project,
        stack=cap.stack,
        stack_config=_config_strings(cap.config),
    ) as pack:
        diags: list[Any] = []
        # Analyze needs only the provider resources to resolve each resource's provider;
        # passing the whole view would make this loop quadratic in the stack size.
        providers = [r for r in view if str(r["type"]).startswith("pulumi:providers:")]
        for res in view:
            diags.extend(pack.analyze(res, providers))
        diags.extend(pack.analyze_stack(view))
        return diags, pack.info()


def run(args: argparse.Namespace) -> int:
    """Entry point of ``fleetctl check``; returns the exit code."""
    started = time.monotonic()
    try:
        if not args.program.is_dir():
            raise CheckInputError(f"--program {args.program}: not a directory")
        if args.parallel is not None and args.parallel < 1:
            raise CheckInputError(f"--parallel must be >= 1, got {args.parallel}")
        pack_config = _load_pack_config(args.policy_pack_config)
        cap = run_program_dir(args.program, stack=args.stack)
        program_s = time.monotonic() - started
    except (CheckInputError, CaptureError) as exc:
        return _fail(args, "input", str(exc))
    except UnexpectedInvokeError as exc:
        return _fail(args, "program", str(exc))
    except ProgramError as exc:
        return _fail(args, "program", f"the program failed: {exc.message}", exc.details)

    try:
        policy_start = time.monotonic()
        diags, info = analyze(cap, args.policy_pack, pack_config)
        policy_s = time.monotonic() - policy_start
    except ValueError as exc:  # resolve_config: bad --policy-pack-config content
        return _fail(args, "input", f"--policy-pack-config: {exc}")
    except Exception as exc:  # noqa: BLE001 - PolicyPackError and gRPC failures: exit 2
        return _fail(args, "policy-pack", f"policy pack {args.policy_pack}: {exc}")

    try:
        estimate = deploytime.estimate(cap.engine_view(), parallel=args.parallel)
    except ValueError as exc:
        return _fail(args, "program", f"deployment graph: {exc}")
    mandatory = [d for d in diags if d.enforcement_level == "mandatory"]
    code = 1 if mandatory else 0
    timings = {
        "program": round(program_s, 3),
        "policies": round(policy_s, 3),
        "total": round(time.monotonic() - started, 3),
    }
    if args.json:
        print(json.dumps(_json_report(cap, diags, info, estimate, code, timings), indent=2))
    else:
        print("\n".join(_text_report(cap, diags, info, estimate, args, timings)))
    return code


def _fail(args: argparse.Namespace, kind: str, message: str, details: str = "") -> int:
    if getattr(args, "json", False):
        print(json.dumps({"error": {"kind": kind, "message": message, "details": details}}))
    print(f"error: {message}", file=sys.stderr)
    if details:
        print("program traceback (most recent call last):", file=sys.stderr)
        print(details.rstrip(), file=sys.stderr)
    return 2


def _created(cap: Capture) -> dict[str, int]:
    """Steps a preview shows as creates, by type: every registration (Stack first)."""
    counts = cap.counts_by_type()
    return {STACK_TYPE: 1, **counts} if cap.by_type(STACK_TYPE) else counts


def _grouped(diags: Sequence[Any]) -> dict[tuple[str, str, str], list[Any]]:
    groups: dict[tuple[str, str, str], list[Any]] = defaultdict(list)
    for d in diags:
        groups[(d.policy_pack_name, d.policy_name, d.enforcement_level)].append(d)
    order = {"mandatory": 0, "remediate": 1, "advisory": 2, "disabled": 3}
    return dict(sorted(groups.items(), key=lambda kv: (order.get(kv[0][2], 9), kv[0][1])))


def _short(urn: str, cap: Capture) -> str:
    if not urn:
        return "(stack)"
    parts = urn.split("::")
    return f"{parts[2].split('$')[-1]}::{parts[3]}" if len(parts) >= 4 else urn


def _text_report(
    cap: Capture,
    diags: Sequence[Any],
    info: Any,
    est: deploytime.DeployEstimate,
    args: argparse.Namespace,
    timings: Mapping[str, float],
) -> list[str]:
    created = _created(cap)
    total = sum(created.values())
    width = max(len(t) for t in created) if created else 10
    out = [
        f"Previewing update (stack {cap.stack!r}, project {cap.project!r}) offline: "
        "program under mocks, policy pack over the analyzer protocol",
        "",
        f"     {'Type'.ljust(width)}  Count",
    ]
    for type_, n in created.items():
        out.append(f" +   {type_.ljust(width)}  {n}")
    if cap.logs:
        out += ["", "Diagnostics:"]
        for entry in cap.logs:
            out.append(f"    {entry['severity']}: {entry['message']}")
    out += ["", "Resources:", f"    + {total} to create", ""]
    out.append(f"Policies: {info.name}@v{_pack_version(args.policy_pack, info.version)} "
               f"({args.policy_pack})")
    groups = _grouped(diags)
    if not groups:
        out.append(f"    no violations ({len(info.policies)} policies)")
    for (_pack, policy, level), items in groups.items():
        out.append(f"    [{level}] {policy}  ({len(items)})")
        for d in items:
            out.append(f"        {_short(d.urn, cap)}")
            for line in d.message.strip().splitlines():
                out.append(f"            {line}")
    out.append("")
    out += deploytime.render(est)
    out.append("")
    mandatory = sum(1 for d in diags if d.enforcement_level == "mandatory")
    advisory = sum(1 for d in diags if d.enforcement_level == "advisory")
    verdict = (
        f"FAILED: {mandatory} mandatory policy violation(s); `pulumi preview` would fail"
        if mandatory
        else "OK: no mandatory policy violation"
    )
    out.append(
        f"{verdict}; {advisory} advisory. Checked in {timings['total']:.1f}s "
        f"(program {timings['program']:.1f}s, policies {timings['policies']:.1f}s)."
    )
    return out


def _json_report(
    cap: Capture,
    diags: Sequence[Any],
    info: Any,
    est: deploytime.DeployEstimate,
    code: int,
    timings: Mapping[str, float],
) -> dict[str, Any]:
    created = _created(cap)
    return {
        "project": cap.project,
        "stack": cap.stack,
        "resources": cap.engine_view(),
        "diagnostics": [
            {
                "policyName": d.policy_name,
                "policyPackName": d.policy_pack_name,
                "enforcementLevel": d.enforcement_level,
                "severity": d.severity,
                "urn": d.urn,
                "message": d.message,
                "description": d.description,
            }
            for d in diags
        ],
        "logs": cap.logs,
        "summary": {
            "create": sum(created.values()),
            "byType": created,
            "mandatory": sum(1 for d in diags if d.enforcement_level == "mandatory"),
            "advisory": sum(1 for d in diags if d.enforcement_level == "advisory"),
            "policyPack": {"name": info.name, "version": info.version},
            "deployment": est.to_json(),
            "invokes": [{"token": i.token, "known": i.known} for i in cap.invokes],
            "exitCode": code,
            "elapsedSeconds": timings["total"],
            "timingsSeconds": dict(timings),
        },
    }
