"""`fleetctl check` wall time, peak memory and estimated deployment duration by fleet size.

For 1, 10 and 100 clusters a fleet spec is generated for this project's program (two regions,
``--per-vpc`` clusters per VPC, Flannel and Terway alternating as in the example stack, Fleet
and mesh in the first VPC), written as ``Pulumi.bench.yaml`` into a scratch copy of the program
(``__main__.py``, ``Pulumi.yaml``, a link to ``meshfleet/``; no lock: a fresh stack), and
``fleetctl check --json`` runs on it in a fresh process, so each size's peak memory is its own.

Figures: wall time of the whole check (program under mocks + policy pack + estimate) and of
its two phases, peak RSS
(the largest of the check process and its children: the program runner and the policy pack),
resources registered, mandatory violations (expected 0) and the estimated ``pulumi up``
duration beside the sum of all creates.

Run: ``.venv/bin/python bench/bench_check.py [--sizes 1,10,100] [--per-vpc 4]``. The last line
is one summary of key=value figures.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
REGIONS = {
    "cn-hangzhou": ["cn-hangzhou-h", "cn-hangzhou-i", "cn-hangzhou-j"],
    "cn-shanghai": ["cn-shanghai-b", "cn-shanghai-g"],
}


def fleet_spec(clusters: int, per_vpc: int) -> dict[str, Any]:
    """A valid meshfleet spec with ``clusters`` clusters, ``per_vpc`` per VPC, two regions."""
    n_vpcs = (clusters + per_vpc - 1) // per_vpc
    region_names = list(REGIONS)
    vpcs = {f"vpc-{v}": {"region": region_names[v % 2]} for v in range(n_vpcs)}
    body = {
        f"ack-{c}": {
            "vpc": f"vpc-{c // per_vpc}",
            "cni": "flannel" if c % 2 == 0 else "terway",
            "maxNodes": 50,
            "podsPerNode": 32,
            "serviceIps": 1024,
        }
        for c in range(clusters)
    }
    return {
        "name": f"bench-{clusters}",
        "connectivity": "cen",
        "cenBandwidth": 10,
        "regions": {r: {"zones": z} for r, z in REGIONS.items()},
        "vpcs": vpcs,
        "clusters": body,
        "fleet": {"vpc": "vpc-0"},
        "mesh": {"vpc": "vpc-0"},
    }


def make_program(workdir: Path, clusters: int, per_vpc: int) -> Path:
    sys.path.insert(0, str(ROOT))
    from tests.programs import copy_program

    config = {"alicloud:region": "cn-hangzhou", "meshfleet:fleet": fleet_spec(clusters, per_vpc)}
    return copy_program(workdir / f"prog-{clusters}", stack="bench", config=config)


def one(program: str) -> None:
    """Child mode: run the check in this process, print its JSON summary and peak RSS."""
    import contextlib
    import io

    sys.path.insert(0, str(ROOT))
    from fleetctl.cli import main

    buf = io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(buf):
        code = main(["check", "--program", program, "--stack", "bench", "--json"])
    wall = time.perf_counter() - start
    report = json.loads(buf.getvalue())
    peak_kb = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    summary = report.get("summary", {})
    print(
        json.dumps(
            {
                "code": code,
                "wall": wall,
                "peak_mb": peak_kb / 1024,
                "resources": len(report.get("resources", [])),
                "mandatory": summary.get("mandatory"),
                "deployment": summary.get("deployment", {}),
                "timings": summary.get("timingsSeconds", {}),
                "error": report.get("error"),
            }
        )
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,10,100", help="cluster counts, comma-separated")
    parser.add_argument("--per-vpc", type=int, default=4, help="clusters per VPC (default 4)")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        one(args.one)
        return 0
    sizes = [int(s) for s in args.sizes.split(",")]
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-check-") as tmp:
        for n in sizes:
            prog = make_program(Path(tmp), n, args.per_vpc)
            env = dict(os.environ, PYTHONPATH=str(ROOT))
            proc = subprocess.run(
                [sys.executable, __file__, "--one", str(prog)],
                capture_output=True,
                text=True,
                env=env,
                check=False,
            )
            if proc.returncode != 0:
                print(proc.stdout, proc.stderr, file=sys.stderr)
                raise SystemExit(f"bench child for {n} clusters failed")
            row = json.loads(proc.stdout.strip().splitlines()[-1])
            if row["error"]:
                raise SystemExit(f"{n} clusters: fleetctl check failed: {row['error']}")
            row["clusters"] = n
            rows.append(row)
            dep = row["deployment"]
            print(
                f"{n:>4} clusters: {row['resources']:>6} resources, check {row['wall']:7.2f} s "
                f"(program {row['timings']['program']:.2f} s, policies "
                f"{row['timings']['policies']:.2f} s), "
                f"peak {row['peak_mb']:7.1f} MB, exit {row['code']} "
                f"({row['mandatory']} mandatory), estimated pulumi up "
                f"{dep['estimatedSeconds'] / 60:5.1f} min vs sum of steps "
                f"{dep['sumOfStepsSeconds'] / 60:7.1f} min",
                flush=True,
            )
    parts = []
    for r in rows:
        n = r["clusters"]
        parts += [
            f"check_s_{n}={r['wall']:.2f}",
            f"program_s_{n}={r['timings']['program']:.2f}",
            f"policies_s_{n}={r['timings']['policies']:.2f}",
            f"peak_mb_{n}={r['peak_mb']:.0f}",
            f"resources_{n}={r['resources']}",
            f"deploy_est_min_{n}={r['deployment']['estimatedSeconds'] / 60:.1f}",
            f"deploy_sum_min_{n}={r['deployment']['sumOfStepsSeconds'] / 60:.1f}",
        ]
    print(" ".join(parts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
