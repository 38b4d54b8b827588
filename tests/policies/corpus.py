"""The policy-pack corpus: raw pulumi_alicloud programs written the way other teams write them,
each with the verdict the pack must reach, run through the command line as a user runs it
(``python -m fleetctl check --program DIR --stack S --json``).

Each case is a directory of ``tests/policies/corpus/`` with ``Pulumi.yaml``,
``Pulumi.<stack>.yaml``, ``__main__.py`` and ``expected.yaml``::

    stack: dev
    exit: 1                       # 0: must pass, 1: must be refused
    why: >                        # the rule that decides, citing its source
      ...
    report:                       # (policy, resource name[, level]) that must be reported;
      - {policy: pod-cidr-overlaps-pod-cidr, resource: alpha}       # level mandatory by default
    absent:                       # optional: must not be reported ("*" = any resource)
      - {policy: pod-cidr-overlaps-pod-cidr, resource: zulu}
    text:                         # optional: fragments a reported message must (not) hold
      - {policy: ..., resource: ..., contains: "...", excludes: "..."}
    at_most: {value-unknown-at-preview: 1}     # optional: diagnostics per policy
    config: {...}                 # optional: the --policy-pack-config

The mandatory diagnostics must be exactly the mandatory ``report`` entries: an extra one is a
false positive (or a wrong blame), a missing one a miss.

``python -m tests.policies.corpus [--policy-pack DIR]`` prints the table (case, expected, exit,
rules reported) and the totals caught / missed / false positives / crashes.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
CORPUS = Path(__file__).resolve().parent / "corpus"


@dataclass
class Outcome:
    case: str
    expected: Mapping[str, Any]
    exit: int
    diagnostics: list[dict[str, Any]] = field(default_factory=list)
    error: str = ""
    seconds: float = 0.0

    def found(self, level: str | None = None) -> set[tuple[str, str]]:
        return {
            (d["policyName"], d["urn"].rsplit("::", 1)[-1] if d["urn"] else "")
            for d in self.diagnostics
            if level is None or d["enforcementLevel"] == level
        }

    @property
    def crashed(self) -> bool:
        return self.exit not in (0, 1) or any(
            "internal error in policy" in d["message"] or "can't run policy" in d["message"]
            for d in self.diagnostics
        )

    def problems(self) -> list[str]:
        """Every way this run differs from the expected verdict (empty: right)."""
        exp = self.expected
        out = []
        if self.crashed:
            return [f"crashed (exit {self.exit}): {self.error[:500]}"]
        if self.exit != exp["exit"]:
            out.append(f"exit {self.exit}, expected {exp['exit']}")
        want_mandatory = set()
        for r in exp.get("report") or []:
            level = r.get("level", "mandatory")
            key = (r["policy"], r["resource"])
            if key not in self.found(level):
                out.append(f"not reported: {level} {key[0]} on {key[1]}")
            if level == "mandatory":
                want_mandatory.add(key)
        for key in sorted(self.found("mandatory") - want_mandatory):
            out.append(f"unexpected mandatory {key[0]} on {key[1]}")
        for r in exp.get("absent") or []:
            hits = [k for k in self.found() if k[0] == r["policy"] and r["resource"] in ("*", k[1])]
            if hits:
                out.append(f"reported although it must not be: {hits}")
        for t in exp.get("text") or []:
            bodies = [
                d["message"]
                for d in self.diagnostics
                if d["policyName"] == t["policy"] and d["urn"].rsplit("::", 1)[-1] == t["resource"]
            ]
            body = "\n".join(b.split("\n", 1)[-1] for b in bodies)
            if "contains" in t and t["contains"] not in body:
                out.append(f"{t['policy']} on {t['resource']}: no {t['contains']!r}")
            if "excludes" in t and t["excludes"] in body:
                out.append(f"{t['policy']} on {t['resource']}: says {t['excludes']!r}")
        for policy, limit in (exp.get("at_most") or {}).items():
            n = sum(1 for d in self.diagnostics if d["policyName"] == policy)
            if n > limit:
                out.append(f"{n} {policy} diagnostics, at most {limit} expected")
        return out


def cases() -> list[Path]:
    return sorted(p for p in CORPUS.iterdir() if (p / "expected.yaml").is_file())


def expected(case: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((case / "expected.yaml").read_text())
    return data


def run_case(case: Path, pack: Path | None = None) -> Outcome:
    """``fleetctl check --json`` on one case, as a user runs it."""
    exp = expected(case)
    cmd = [
        sys.executable,
        "-m",
        "fleetctl",
        "check",
        "--program",
        str(case),
        "--stack",
        str(exp.get("stack", "dev")),
        "--json",
    ]
    if pack is not None:
        cmd += ["--policy-pack", str(pack)]
    started = time.monotonic()
    with tempfile.NamedTemporaryFile("w", suffix=".json") as cfg:
        if exp.get("config"):
            json.dump(exp["config"], cfg)
            cfg.flush()
            cmd += ["--policy-pack-config", cfg.name]
        proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300)
    seconds = time.monotonic() - started
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        return Outcome(case.name, exp, proc.returncode, [], proc.stderr or proc.stdout, seconds)
    return Outcome(
        case.name,
        exp,
        proc.returncode,
        report.get("diagnostics", []),
        proc.stderr if proc.returncode not in (0, 1) else "",
        seconds,
    )


def run_all(pack: Path | None = None, workers: int = 2) -> list[Outcome]:
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda c: run_case(c, pack), cases()))


def table(outcomes: Sequence[Outcome]) -> list[str]:
    rows = [
        "| case | expected | exit | rules reported (mandatory; advisory) | verdict |",
        "|---|---|---|---|---|",
    ]
    totals = {"caught": 0, "missed": 0, "false positives": 0, "crashes": 0, "right": 0}
    for o in outcomes:
        mandatory = sorted({p for p, _ in o.found("mandatory")})
        advisory = sorted({p for p, _ in o.found("advisory")})
        problems = o.problems()
        broken = o.expected["exit"] == 1
        if o.crashed:
            verdict = "crash"
            totals["crashes"] += 1
        elif broken:
            verdict = "caught" if not problems else "missed"
            totals["caught" if not problems else "missed"] += 1
        else:
            verdict = "right" if not problems else "false positive"
            totals["right" if not problems else "false positives"] += 1
        rules = ", ".join(mandatory) or "-"
        if advisory:
            rules += "; " + ", ".join(advisory)
        rows.append(
            f"| {o.case} | {o.expected['exit']} | {o.exit} | {rules} | {verdict}"
            + (f": {'; '.join(problems)}" if problems else "")
            + " |"
        )
    n_broken = sum(1 for o in outcomes if o.expected["exit"] == 1)
    rows.append("")
    rows.append(
        f"{len(outcomes)} cases ({n_broken} broken, {len(outcomes) - n_broken} "
        f"correct): caught {totals['caught']}/{n_broken}, missed {totals['missed']}, "
        f"false positives {totals['false positives']}, crashes {totals['crashes']}; "
        f"correct stacks passed {totals['right']}/{len(outcomes) - n_broken}"
    )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the policy-pack corpus and print the table.")
    parser.add_argument("--policy-pack", type=Path, default=None)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    started = time.monotonic()
    outcomes = run_all(args.policy_pack, args.workers)
    print("\n".join(table(outcomes)))
    print(f"ran in {time.monotonic() - started:.1f}s with {args.workers} workers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
