"""Deeper runs of the reliability suite (tests/reliability), printing the README's figures.

    .venv/bin/python bench/reliability_report.py                       # about 8 min on 2 cores
    .venv/bin/python bench/reliability_report.py --specs 50 --walks 2  # a quick look

Five parts, each the same check as its test with larger counts:

1. cross-check: fuzzed valid fleet specs (plain, pinned CIDRs, optional fields) planned, run
   through the stack program offline and the policy pack: no mandatory violation, resources carry
   exactly the planned CIDRs;
2. mutation: every mutation of tests/reliability/mutations.py on the example stack, a raw-resource
   stack, the 20-cluster scale fleet and fuzzed CEN fleets; kills per policy;
3. bad inputs: the whole catalogue through the program (nothing registered), ``fleetctl check``
   (exit 2 with the message) and the pack runner (policy configs);
4. stability: random edit walks with the lock in place, through the program and the pack;
5. unknowns: random subsets of values made unknown in captured stacks.

The last line is one ``key=value`` summary. Exit code 1 if anything failed.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import random
import sys
import tempfile
import time
import traceback
import warnings
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from hypothesis import HealthCheck, given, seed, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from fleetctl import capture, check  # noqa: E402
from fleetctl.analyzer import PolicyPackRunner  # noqa: E402
from fleetctl.capture import ProgramError  # noqa: E402
from tests.components.stacks import big_fleet  # noqa: E402
from tests.policies.stackbuilder import two_region_fleet  # noqa: E402
from tests.reliability import catalogue  # noqa: E402
from tests.reliability.harness import (  # noqa: E402
    PACK_DIR,
    nothing_but_the_stack,
    program_dir,
    run_config,
    run_fleet,
)
from tests.reliability.mutations import MUTATIONS  # noqa: E402
from tests.reliability.stability import WalkStats, walk  # noqa: E402
from tests.reliability.test_bad_inputs import STACK, make_program  # noqa: E402
from tests.reliability.test_crosscheck import crosscheck  # noqa: E402
from tests.reliability.test_mutation import example_view, kill_table, run_mutation  # noqa: E402
from tests.reliability.test_unknowns import violating  # noqa: E402
from tests.reliability.unknowns import involved, judge, make_unknown, value_paths  # noqa: E402
from tests.strategies import fleet_specs, pinned_fleet_specs, rich_fleet_specs  # noqa: E402


def hypothesis_run(
    examples: int, seed_value: int, strategy: Any, body: Callable[[Any], None]
) -> str | None:
    """Run ``body`` on ``examples`` drawn examples; the failure (shrunk) as text, or None."""

    @seed(seed_value)
    @settings(
        max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(strategy)
    def run(example: Any) -> None:
        body(example)

    try:
        run()
    except Exception:  # noqa: BLE001 - reported, the other parts still run
        return traceback.format_exc(limit=3)
    return None


def part_crosscheck(pack: PolicyPackRunner, n: int, seed_value: int) -> dict[str, Any]:
    stats: Counter[str] = Counter()
    kinds = st.one_of(
        st.tuples(st.just("plain"), fleet_specs()),
        st.tuples(st.just("pinned"), pinned_fleet_specs()),
        st.tuples(st.just("rich"), rich_fleet_specs()),
    )

    def body(example: tuple[str, dict[str, Any]]) -> None:
        kind, raw = example
        figures = crosscheck(pack, raw)
        stats["specs"] += 1
        stats[f"kind:{kind}"] += 1
        stats[f"mode:{raw['connectivity']}"] += 1
        stats["clusters"] += len(raw["clusters"])
        stats["max_clusters"] = max(stats["max_clusters"], len(raw["clusters"]))
        stats["max_vpcs"] = max(stats["max_vpcs"], len(raw["vpcs"]))
        stats["max_regions"] = max(stats["max_regions"], len(raw["regions"]))
        for key, value in figures.items():
            stats[key] += value

    failure = hypothesis_run(n, seed_value, kinds, body)
    print(
        f"  specs tried: {stats['specs']} (plain {stats['kind:plain']}, pinned CIDRs "
        f"{stats['kind:pinned']}, optional fields {stats['kind:rich']}; cen "
        f"{stats['mode:cen']}, public {stats['mode:public']})"
    )
    print(
        f"  largest: {stats['max_regions']} regions, {stats['max_vpcs']} VPCs, "
        f"{stats['max_clusters']} clusters; {stats['clusters']} clusters in all"
    )
    print(
        f"  resources registered and analysed: {stats['resources']:,}; planned CIDRs compared "
        f"with registered ones: {stats['allocations']:,}; mandatory violations: 0 "
        f"(advisories as expected: {stats['diagnostics']:,})"
    )
    if failure:
        print("  FAILURE:\n" + failure)
    return {"specs": stats["specs"], "failures": int(failure is not None)}


def fuzzed_cen_views(n: int, seed_value: int) -> list[list[dict[str, Any]]]:
    views: list[list[dict[str, Any]]] = []
    strategy = fleet_specs(max_vpcs=6, max_clusters=12).filter(
        lambda raw: raw["connectivity"] == "cen" and len(raw["regions"]) > 1
    )
    hypothesis_run(
        n,
        seed_value,
        strategy,
        lambda raw: views.append(run_fleet(raw, stack="mutation").engine_view()),
    )
    return views


def part_mutation(pack: PolicyPackRunner, fleets: int, seed_value: int) -> dict[str, Any]:
    sb, _ = two_region_fleet(ids_known=True)
    bases = {
        "example": example_view(),
        "raw": sb.resources,
        "scale-20": run_fleet(big_fleet(), stack="big").engine_view(),
    }
    for i, view in enumerate(fuzzed_cen_views(fleets, seed_value)):
        bases[f"fuzzed-{i}"] = view
    results = [run_mutation(pack, name, view, m) for name, view in bases.items() for m in MUTATIONS]
    policies = [p.name for p in pack.info().policies]
    table = kill_table(results, policies)
    width = max(len(p) for p in policies)
    print(f"  bases: {', '.join(bases)}; mutations: {len(MUTATIONS)} kinds")
    print(f"  {'policy'.ljust(width)}  killed/tried")
    for policy, (killed, tried) in table.items():
        print(f"  {policy.ljust(width)}  {killed}/{tried}")
    for r in results:
        if r.applicable and not r.killed:
            print("  SURVIVED: " + r.detail.replace("\n", "\n    "))
    killed = sum(k for k, _ in table.values())
    tried = sum(t for _, t in table.values())
    skipped = sum(1 for r in results if not r.applicable)
    print(
        f"  killed {killed}/{tried} ({killed / max(tried, 1):.0%}); not applicable to a base: "
        f"{skipped}"
    )
    return {
        "killed": killed,
        "tried": tried,
        "policies": len(policies),
        "policies_all_killed": sum(1 for k, t in table.values() if t and k == t),
    }


def part_bad_inputs(pack: PolicyPackRunner) -> dict[str, Any]:
    caught: Counter[str] = Counter()
    total: Counter[str] = Counter()
    failures: list[str] = []
    monitors: list[Any] = []
    original = capture._make_monitor

    def recording(*args: Any, **kwargs: Any) -> Any:
        monitors.append(original(*args, **kwargs))
        return monitors[-1]

    capture._make_monitor = recording
    try:
        for case in catalogue.SPECS + catalogue.LOCKS:
            total[case.kind] += 1
            with tempfile.TemporaryDirectory() as tmp:
                directory = make_program(Path(tmp), case)
                spec = case.value if case.kind == "spec" else (case.spec or catalogue.GOOD)
                config: dict[str, Any] = {"alicloud:region": "cn-hangzhou"}
                if spec is not catalogue.ABSENT:
                    config["meshfleet:fleet"] = spec
                monitors.clear()
                ok = False
                try:
                    run_config(config, stack=STACK, directory=directory)
                except ProgramError as exc:
                    ok = (
                        isinstance(exc.__cause__, case.error)
                        and case.fragment in str(exc.__cause__)
                        and nothing_but_the_stack(monitors[-1].registrations)
                    )
                args = argparse.Namespace(
                    program=directory,
                    stack=STACK,
                    policy_pack=check.DEFAULT_PACK,
                    policy_pack_config=None,
                    parallel=None,
                    json=False,
                )
                err = io.StringIO()
                with contextlib.redirect_stderr(err):
                    code = check.run(args)
                ok = ok and code == 2 and case.fragment in err.getvalue()
            caught[case.kind] += ok
            if not ok:
                failures.append(f"{case.kind}: {case.name}")
    finally:
        capture._make_monitor = original
    for case in catalogue.POLICY_CONFIGS:
        total[case.kind] += 1
        try:
            pack.reconfigure(case.value)
            ok = False
        except case.error as exc:
            ok = case.fragment in str(exc)
        caught[case.kind] += ok
        if not ok:
            failures.append(f"{case.kind}: {case.name}")
    pack.reconfigure(None)
    for kind in ("spec", "lock", "policy-config"):
        print(
            f"  {kind}: {caught[kind]}/{total[kind]} caught with the expected error"
            + (
                " (nothing registered; fleetctl check exit 2 with the message)"
                if kind != "policy-config"
                else " (runner rejects, pack keeps its config)"
            )
        )
    for f in failures:
        print(f"  NOT CAUGHT: {f}")
    return {"caught": sum(caught.values()), "total": sum(total.values())}


def part_stability(
    pack: PolicyPackRunner, walks: int, steps: int, seed_value: int
) -> dict[str, Any]:
    stats = WalkStats()
    counter = iter(range(10**9))

    def body(raw: dict[str, Any]) -> None:
        with tempfile.TemporaryDirectory(prefix="meshfleet-stability-") as tmp:
            stats.add(
                walk(
                    raw,
                    random.Random(seed_value + next(counter)),
                    steps,
                    program_dir(Path(tmp)),
                    pack=pack,
                )
            )

    starts = st.one_of(
        fleet_specs(max_regions=4, max_vpcs=6, max_clusters=10),
        pinned_fleet_specs(max_regions=4, max_vpcs=6, max_clusters=10),
    )
    failure = hypothesis_run(walks, seed_value, starts, body)
    applied = sum(stats.edits.values())
    refused = sum(stats.refused.values())
    print(
        f"  walks: {walks} x {steps} random edits (start specs plain or with pinned CIDRs); "
        f"edits applied and checked through the program: {applied}; refused by planner and "
        f"program alike: {refused} "
        f"({', '.join(f'{k} {v}' for k, v in sorted(stats.refusals.items()))})"
    )
    print("  by kind: " + ", ".join(f"{k} {v}" for k, v in sorted(stats.edits.items())))
    print(
        f"  allocations checked (existed before an edit, compared after it): "
        f"{stats.allocations_checked:,}; program runs: {stats.program_runs}; renumbered: 0; "
        "reused while released: 0"
    )
    print(
        f"  steps diffed against the previous one (as `pulumi preview --diff`): "
        f"{stats.diffs_checked}; their changes: "
        + (", ".join(f"{k} {v:,}" for k, v in sorted(stats.changes_checked.items())) or "none")
        + "; changes of something the edit did not touch: 0"
    )
    if failure:
        print("  FAILURE:\n" + failure)
    return {
        "edits": applied,
        "refused": refused,
        "allocations": stats.allocations_checked,
        "diffs": stats.diffs_checked,
        "failures": int(failure is not None),
    }


def part_unknowns(pack: PolicyPackRunner, rounds: int, seed_value: int) -> dict[str, Any]:
    rng = random.Random(seed_value)
    sb, _ = two_region_fleet(ids_known=True)
    stacks = {
        "example": example_view(),
        "raw": sb.resources,
        "scale-20": run_fleet(big_fleet(), stack="big").engine_view(),
    }
    stacks.update({f"{k}+violations": violating(v) for k, v in list(stacks.items())})
    stacks["example-public"] = example_view("public")
    bases = {k: (v, pack.analyze_stack(v), value_paths(v)) for k, v in stacks.items()}
    stats: Counter[str] = Counter()
    failures: list[str] = []
    names = sorted(bases)
    for _ in range(rounds):
        name = rng.choice(names)
        stack, known, paths = bases[name]
        picks = [(rng.choice(paths), rng.random() < 0.7) for _ in range(rng.randint(1, 40))]
        unknown_stack, touched = make_unknown(stack, picks)
        diags = pack.analyze_stack(unknown_stack)
        problems = judge(known, diags, stack, touched)
        stats["rounds"] += 1
        stats["values"] += len(picks)
        stats["kept_checked"] += sum(1 for d in known if not involved(d, stack) & touched)
        stats["deferred"] += sum(1 for d in diags if d.policy_name == "value-unknown-at-preview")
        if problems:
            failures.append(f"{name}: {problems[0]}")
    print(
        f"  rounds: {stats['rounds']} over {len(bases)} stacks; values made unknown: "
        f"{stats['values']:,}; crashes / aborted policies / invented mandatory violations: "
        f"{len(failures)}"
    )
    print(
        f"  findings on untouched inputs compared word for word: {stats['kept_checked']:,}; "
        f"undecidable checks routed to value-unknown-at-preview: {stats['deferred']:,}"
    )
    for f in failures[:5]:
        print("  FAILURE: " + f)
    return {"rounds": stats["rounds"], "failures": len(failures)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--specs", type=int, default=200, help="fuzzed specs to cross-check")
    parser.add_argument("--fleets", type=int, default=5, help="fuzzed CEN fleets to mutate")
    parser.add_argument("--walks", type=int, default=8, help="edit walks")
    parser.add_argument("--steps", type=int, default=40, help="edits per walk")
    parser.add_argument("--rounds", type=int, default=3000, help="unknown-value rounds")
    parser.add_argument("--seed", type=int, default=6, help="random seed")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # the program's lock notices
    warnings.simplefilter("ignore")  # pulumi_alicloud deprecation warnings
    started = time.monotonic()
    with PolicyPackRunner(PACK_DIR) as pack:
        parts: dict[str, dict[str, Any]] = {}
        for title, run in (
            ("cross-check", lambda: part_crosscheck(pack, args.specs, args.seed)),
            ("mutation", lambda: part_mutation(pack, args.fleets, args.seed)),
            ("bad inputs", lambda: part_bad_inputs(pack)),
            ("stability", lambda: part_stability(pack, args.walks, args.steps, args.seed)),
            ("unknowns", lambda: part_unknowns(pack, args.rounds, args.seed)),
        ):
            t0 = time.monotonic()
            print(f"{title}:")
            parts[title] = run()
            print(f"  ({time.monotonic() - t0:.0f} s)")
    c, m, b, s, u = (
        parts[k] for k in ("cross-check", "mutation", "bad inputs", "stability", "unknowns")
    )
    failures = (
        c["failures"]
        + (m["tried"] - m["killed"])
        + (b["total"] - b["caught"])
        + s["failures"]
        + u["failures"]
    )
    print(
        f"specs_tried={c['specs']} mutations_killed={m['killed']}/{m['tried']} "
        f"policies_fully_killed={m['policies_all_killed']}/{m['policies']} "
        f"bad_inputs_caught={b['caught']}/{b['total']} edits_checked={s['edits']} "
        f"edits_refused={s['refused']} allocations_checked={s['allocations']} "
        f"diffs_checked={s['diffs']} "
        f"unknown_rounds={u['rounds']} failures={failures} "
        f"seconds={time.monotonic() - started:.0f}"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
