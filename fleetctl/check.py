"""``fleetctl check``: the offline ``pulumi preview --policy-pack``.

Runs the program under recording mocks as ``pulumi preview`` runs it (fleetctl.capture), with
the interpreter its Pulumi.yaml selects, hands the engine's view of the registrations to the
policy pack over the real analyzer protocol (fleetctl.analyzer: Analyze per resource, then
AnalyzeStack), and estimates how long ``pulumi up`` would take (fleetctl.deploytime).

Data sources are answered from --answers FILE (recorded answers), then from fleetctl's
catalogue of cloud facts (zones, instance types, versions), then synthesized from the provider
SDK's result types; --strict-answers fails on any data source answered only by synthesis.

Exit codes: 0 no mandatory violation; 1 at least one; 2 bad input (stack file, answers file,
policy pack, policy pack config, the program's environment) or a failing program, with its
error and no fleetctl traceback.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fleetctl import deploytime
from fleetctl.capture import Capture, ProgramError, run_program_dir
from fleetctl.errors import EXIT_OK, EXIT_VIOLATION, FleetctlError, InputError
from fleetctl.stackconfig import PROJECT_DIR, add_stack_options
from fleetctl.yamlio import load_json, load_yaml

DEFAULT_PACK = PROJECT_DIR / "policies"

EXAMPLES = """examples:
  fleetctl check                                     # this project, its only stack, policies/
  fleetctl check --program DIR                       # any Python pulumi_alicloud program
  fleetctl check --program DIR --stack prod --answers recorded.yaml --strict-answers
  fleetctl check --policy-pack-config policies/config.example.json --json
  fleetctl check --save-state before.json            # record what this preview would deploy
  fleetctl check --diff before.json                  # later, after an edit: what would change
"""


def register(sub: Any) -> None:
    """Add the ``check`` sub-command."""
    p = sub.add_parser(
        "check",
        help="offline preview: run the program under mocks and the policy pack over it",
        description=__doc__,
        epilog=EXAMPLES,
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
        "--answers",
        type=Path,
        default=None,
        help="YAML or JSON file of recorded data-source answers (function or token, "
        "optional args, result; see README)",
    )
    p.add_argument(
        "--strict-answers",
        action="store_true",
        help="fail on any data source answered neither by --answers nor by "
        "fleetctl's catalogue of cloud facts",
    )
    p.add_argument(
        "--python",
        default=None,
        help="run the program with this interpreter (default: the one Pulumi.yaml's "
        "runtime options select, as Pulumi does)",
    )
    p.add_argument(
        "--parallel",
        type=int,
        default=None,
        help="model `pulumi up --parallel N` in the deployment-time estimate "
        "(default: unbounded, Pulumi's default)",
    )
    p.add_argument(
        "--save-state",
        type=Path,
        default=None,
        metavar="FILE",
        help="write this run's engine view (inputs, dependencies, options; secrets "
        "as salted digests) as a state file for a later --diff",
    )
    p.add_argument(
        "--diff",
        type=Path,
        default=None,
        metavar="STATE",
        help="compare with a state file saved earlier and print what `pulumi preview "
        "--diff` would plan: create, update (which inputs), replace (which "
        "ForceNew input), delete, destructive updates flagged",
    )
    p.add_argument(
        "--fail-on-destructive",
        action="store_true",
        help="with --diff: exit 1 when a step is flagged destructive",
    )
    p.add_argument(
        "--json",
        action="store_true",
        help="print resources, outputs, diagnostics, summary (and the diff)",
    )
    p.set_defaults(func=check)


def load_pack_config(path: Path | None) -> dict[str, Any] | None:
    """The ``--policy-pack-config`` JSON object, or None."""
    if path is None:
        return None
    try:
        data = load_json(path)
    except InputError as exc:
        raise InputError(f"--policy-pack-config {exc.message}") from exc
    if not isinstance(data, dict):
        raise InputError(
            f"--policy-pack-config {path}: expected a JSON object keyed by policy name"
        )
    return data


def pack_version(pack_dir: Path, reported: str) -> str:
    """The version in ``PulumiPolicy.yaml`` (what `pulumi policy publish` uses); the SDK itself
    reports a placeholder when the pack runs unpublished."""
    try:
        doc = load_yaml(Path(pack_dir) / "PulumiPolicy.yaml")
    except InputError:
        return reported
    return str(doc.get("version", reported)) if isinstance(doc, dict) else reported


def _config_strings(config: Mapping[str, Any]) -> dict[str, str]:
    # PULUMI_CONFIG carries every value as a string, objects as JSON (as the CLI sends it).
    import json

    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in config.items()}


def analyze(
    cap: Capture, pack_dir: Path, pack_config: Mapping[str, Any] | None
) -> tuple[list[Any], Any]:
    """Run the pack over the capture as the engine does: Analyze each resource, then
    AnalyzeStack. Returns (diagnostics, analyzer info)."""
    import grpc

    from fleetctl.analyzer import PolicyPackError, PolicyPackRunner

    view = cap.engine_view()
    try:
        with PolicyPackRunner(
            pack_dir, project=cap.project, stack=cap.stack, stack_config=_config_strings(cap.config)
        ) as pack:
            # The user's config is sent on its own, so that only its own errors are called
            # policy-config errors.
            try:
                pack.reconfigure(pack_config)
            except ValueError as exc:
                raise FleetctlError(f"--policy-pack-config: {exc}", kind="policy-config") from exc
            diags: list[Any] = []
            # Analyze needs only the provider resources to resolve each resource's provider;
            # passing the whole view would make this loop quadratic in the stack size.
            providers = [r for r in view if str(r["type"]).startswith("pulumi:providers:")]
            for res in view:
                diags.extend(pack.analyze(res, providers))
            diags.extend(pack.analyze_stack(view))
            return diags, pack.info()
    except (PolicyPackError, grpc.FutureTimeoutError, OSError) as exc:
        raise FleetctlError(f"policy pack {pack_dir}: {exc}", kind="policy-pack") from exc


def check(args: argparse.Namespace) -> int:
    """``fleetctl check``: 0 when no mandatory policy is violated, 1 otherwise."""
    from fleetctl.answers.answerfile import load_answers
    from fleetctl.check_report import json_report, text_report

    started = time.monotonic()
    if args.parallel is not None and args.parallel < 1:
        raise InputError(f"--parallel must be >= 1, got {args.parallel}")
    pack_config = load_pack_config(args.policy_pack_config)
    answers = load_answers(args.answers) if getattr(args, "answers", None) else []
    cap = run_program_dir(
        args.program,
        stack=args.stack,
        answers=answers,
        strict_invokes=getattr(args, "strict_answers", False),
        python=getattr(args, "python", None),
    )
    program_s = time.monotonic() - started
    policy_start = time.monotonic()
    diags, info = analyze(cap, args.policy_pack, pack_config)
    policy_s = time.monotonic() - policy_start
    try:
        estimate = deploytime.estimate(cap.engine_view(), parallel=args.parallel)
    except ValueError as exc:
        raise ProgramError(f"deployment graph: {exc}") from exc
    changes = _diff(cap, args)
    mandatory = [d for d in diags if d.enforcement_level == "mandatory"]
    destructive = changes is not None and any(s.destructive for s in changes.steps)
    code = EXIT_VIOLATION if mandatory or (destructive and args.fail_on_destructive) else EXIT_OK
    timings = {
        "program": round(program_s, 3),
        "policies": round(policy_s, 3),
        "total": round(time.monotonic() - started, 3),
    }
    version = pack_version(args.policy_pack, info.version)
    if args.json:
        import json

        print(
            json.dumps(
                json_report(cap, diags, info, version, estimate, code, timings, changes), indent=2
            )
        )
    else:
        print(
            "\n".join(
                text_report(cap, diags, info, version, estimate, args.policy_pack, timings, changes)
            )
        )
    return code


def _diff(cap: Capture, args: argparse.Namespace) -> Any:
    """Save this run's state (``--save-state``) and diff it with an earlier one (``--diff``):
    the diff's plan, or None without ``--diff``."""
    from fleetctl.diff import diff
    from fleetctl.diff_io import StateError, capture_view, load_state, save_state

    if args.fail_on_destructive and args.diff is None:
        raise InputError("--fail-on-destructive needs --diff STATE")
    view = capture_view(cap)
    changes = None
    if args.diff is not None:
        try:
            changes = diff(load_state(args.diff), view)
        except StateError as exc:
            raise InputError(f"--diff {exc}") from exc
    if args.save_state is not None:
        try:
            save_state(view, args.save_state)
        except OSError as exc:
            raise InputError(f"--save-state {args.save_state}: {exc.strerror or exc}") from exc
    return changes


def run(args: argparse.Namespace) -> int:
    """``check`` with fleetctl's error handler around it (what ``python -m fleetctl check``
    runs): the exit code, errors printed."""
    from fleetctl.errors import run_command

    return run_command(check, args)
