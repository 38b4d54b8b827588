"""Planner benchmark: time and utilisation at 10..10,000 clusters, and best fit vs sequential.

    .venv/bin/python bench/bench_planner.py [--max 10000]

Part 1 plans fleets of 10, 100, 1,000 and 10,000 clusters spread over 20 regions (5 clusters per
VPC, both CNIs, mixed sizes) and prints the wall time of ``plan()`` (best of 3) and pool
utilisation.
Part 2 compares the planner's best-fit buddy allocation with sequential packing (the way
Terraform's ``cidrsubnets`` lays blocks out: in request order, each aligned to its own size) on
the same requests inside one /8: the address span each needs for the 1,000-cluster fleet's
top-level requests, and, with a stream of mixed sizes arriving one at a time (as new clusters do
with a lock), how many requests each fits before it first runs out of the /8.
The last line is one summary of ``key=value`` figures.
"""

from __future__ import annotations

import argparse
import gc
import math
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from netaddr import IPNetwork, IPSet  # noqa: E402

from meshfleet.buddy import Space  # noqa: E402
from meshfleet.planner import plan  # noqa: E402
from meshfleet.spec import parse_spec  # noqa: E402
from meshfleet.specmodel import REGIONS, TR_ZONES  # noqa: E402


def zones_of(region: str) -> list[str]:
    if region in TR_ZONES:
        return sorted(TR_ZONES[region])[:3]
    sep = "" if region[-1].isdigit() else "-"
    return [f"{region}{sep}{z}" for z in "abc"]


def fleet(n: int, seed: int = 7) -> dict[str, Any]:
    """A fleet of n clusters over 20 regions, 5 clusters per VPC, mixed sizes."""
    rng = random.Random(seed)
    regions = sorted(REGIONS)[:20]
    n_vpcs = max(1, math.ceil(n / 5))
    vpcs = {f"v{i}": {"region": regions[i % 20], "growthBits": 0} for i in range(n_vpcs)}
    clusters = {}
    for i in range(n):
        cni = "terway" if rng.random() < 0.3 else "flannel"
        clusters[f"c{i}"] = {
            "vpc": f"v{i % n_vpcs}",
            "cni": cni,
            "maxNodes": rng.choice([2, 4, 8, 16]),
            "podsPerNode": 16,
            "serviceIps": rng.choice([256, 512]),
            "zones": zones_of(vpcs[f"v{i % n_vpcs}"]["region"])[:2],
        }
    return {
        "name": "bench",
        "connectivity": "cen",
        "regions": {r: {"zones": zones_of(r)} for r in regions},
        "vpcs": vpcs,
        "clusters": clusters,
        "fleet": {"vpc": "v0"},
        "mesh": {"vpc": "v0"},
        "pools": {
            "vpc": ["10.0.0.0/8"],
            "pod": ["172.16.0.0/12", "10.0.0.0/8"],
            "service": ["192.168.0.0/16", "172.16.0.0/12", "10.0.0.0/8"],
        },
    }


def time_plan(n: int, collect: bool = True) -> tuple[float, Any]:
    """Best of 3 wall times of plan() (``collect=False``: with the cyclic GC paused, to show how
    much of the growth is the collector walking a large heap rather than the algorithm)."""
    spec = parse_spec(fleet(n))
    best = math.inf
    for _ in range(3):
        if not collect:
            gc.disable()
        t0 = time.perf_counter()
        result = plan(spec)
        best = min(best, time.perf_counter() - t0)
        gc.enable()
    return best, result


def sequential(prefixes: list[int], base: str = "10.0.0.0/8") -> tuple[int, int]:
    """cidrsubnets-style packing: (requests placed before the first miss, span used)."""
    net = IPNetwork(base)
    cursor, end, placed = int(net.first), int(net.last) + 1, 0
    for p in prefixes:
        size = 2 ** (32 - p)
        start = -(-cursor // size) * size
        if start + size > end:
            break
        cursor, placed = start + size, placed + 1
    return placed, cursor - int(net.first)


def best_fit(prefixes: list[int], base: str = "10.0.0.0/8") -> tuple[int, int]:
    """The planner's allocator, one request at a time: (placed before the first miss, span)."""
    space = Space(IPSet([base]))
    first, top, placed = int(IPNetwork(base).first), 0, 0
    for p in prefixes:
        got = space.take(p)
        if got is None:
            break
        top, placed = max(top, int(IPNetwork(got).last) + 1 - first), placed + 1
    return placed, top


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max", type=int, default=10_000, help="largest fleet to plan")
    args = parser.parse_args()
    sizes = [n for n in (10, 100, 1_000, 10_000) if n <= args.max]
    print("Part 1: plan() wall time and pool utilisation (20 regions, 5 clusters per VPC)")
    print(
        f"{'clusters':>9} {'vpcs':>6} {'allocations':>12} {'seconds':>9} {'us/cluster':>11}  "
        "pool utilisation"
    )
    times = {}
    for n in sizes:
        seconds, result = time_plan(n)
        times[n] = seconds
        use = ", ".join(f"{u.cidr} {u.utilisation:.1%}" for u in result.pools)
        print(
            f"{n:>9,} {len(result.vpcs):>6,} {len(result.allocations()):>12,} {seconds:>9.3f} "
            f"{seconds / n * 1e6:>11.0f}  {use}"
        )
    big = max(sizes)
    growth = times[big] / times[big // 10] if big >= 100 else float("nan")
    no_gc = (
        time_plan(big, collect=False)[0] / time_plan(big // 10, collect=False)[0]
        if big >= 100
        else float("nan")
    )
    print(
        f"growth {big // 10:,} -> {big:,} clusters: {growth:.1f}x (with the GC paused "
        f"{no_gc:.1f}x); n log n would be "
        f"{(big * math.log(big)) / (big // 10 * math.log(big // 10)):.1f}x"
    )
    nlogn = (big * math.log(big)) / (big // 10 * math.log(big // 10)) if big >= 100 else math.nan

    print("\nPart 2: best fit (buddy, this planner) vs sequential (cidrsubnets-style) in one /8")
    reqs = fleet(1000)
    spec = parse_spec(reqs)
    p1000 = plan(spec)
    allocations = p1000.allocations()
    top = [IPNetwork(c).prefixlen for k, c in allocations.items() if not k.startswith("vswitch:")]
    # The same requests in the order a user adds them: VPCs, then each cluster's pod and Service.
    in_order = [
        IPNetwork(allocations[k]).prefixlen
        for k in [f"vpc:{v}" for v in reqs["vpcs"]]
        + [x for c in reqs["clusters"] for x in (f"pod:{c}", f"service:{c}")]
        if k in allocations
    ]
    _, seq_span = sequential(in_order)
    _, bf_span = best_fit(sorted(top))
    _, bf_online_span = best_fit(in_order)
    asked = sum(2 ** (32 - p) for p in top)
    print(f"  1,000-cluster fleet, {len(top):,} top-level requests, {asked:,} addresses requested")
    print(
        f"  span used: sequential {seq_span:,}  best-fit online {bf_online_span:,}  "
        f"best-fit batch (largest first, as plan() does) {bf_span:,}"
    )
    rng = random.Random(11)
    stream = [rng.choice([16, 18, 20, 22, 24, 26, 28]) for _ in range(200_000)]
    seq_fit, _ = sequential(stream)
    bf_fit, _ = best_fit(stream)
    print(
        f"  mixed /16../28 stream arriving one at a time: sequential fits {seq_fit:,} requests "
        f"before the first miss, best fit {bf_fit:,} ({bf_fit / seq_fit:.2f}x)"
    )

    summary = {f"t{n}": f"{times[n]:.3f}" for n in sizes}
    summary.update(
        {
            f"growth_{big // 10}_to_{big}": f"{growth:.1f}",
            "growth_gc_paused": f"{no_gc:.1f}",
            "nlogn_growth": f"{nlogn:.1f}",
            "target_1000_under_1s": str(times.get(1000, 0.0) < 1.0).lower(),
            "span_sequential": str(seq_span),
            "span_bestfit_online": str(bf_online_span),
            "span_bestfit_batch": str(bf_span),
            "span_ratio_seq_over_bestfit": f"{seq_span / bf_span:.2f}",
            "fit_sequential": str(seq_fit),
            "fit_bestfit": str(bf_fit),
            "fit_ratio": f"{bf_fit / seq_fit:.2f}",
        }
    )
    print(" ".join(f"{k}={v}" for k, v in summary.items()))


if __name__ == "__main__":
    main()
