"""AnalyzeStack time of the meshfleet policy pack through the real analyzer protocol.

For stacks of 100, 1,000 and 10,000 resources, four packs are started exactly as the engine starts
them (``python -m pulumi.policy``) and sent the same prepared AnalyzeStackRequest:

* ``noop``     - one stack policy that reads every property of every resource once (the floor the
                 protocol and the SDK's deserialisation impose);
* ``pack``     - the meshfleet pack as published (sort-and-sweep overlaps, one shared index, one
                 deserialisation per request);
* ``stock``    - the same pack on the SDK's stock servicer (one deserialisation per stack policy);
* ``pairwise`` - the same rules with O(n^2) pairwise overlap comparison.

Times are the best of a few repetitions of the RPC alone (the request is built beforehand). The
stacks are meshfleet-shaped (VPCs with vSwitches, Flannel clusters with node pools, Fleet
memberships, one mesh, CEN with two transit routers), compliant except for a few deliberate pod
CIDR overlaps, so every pack must report the same diagnostics (checked).

Run: ``.venv/bin/python bench/bench_policies.py [--sizes 100,1000,10000]``. Last line: one summary
of key=value figures for the largest size.
"""

from __future__ import annotations

import argparse
import ipaddress
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fleetctl.analyzer import PolicyPackRunner  # noqa: E402
from tests.policies.stackbuilder import Ref, StackBuilder  # noqa: E402

PACK_DIR = ROOT / "policies"
# Zones with transit routers (the VPC attachments need two of them).
ZONES = {
    "hz": ["cn-hangzhou-h", "cn-hangzhou-i", "cn-hangzhou-j", "cn-hangzhou-k"],
    "sh": ["cn-shanghai-b", "cn-shanghai-e", "cn-shanghai-f", "cn-shanghai-g"],
}
CONFIG = {"cidr-overlaps-reserved-cidrs": {"reservedCidrs": ["192.168.0.0/16 on-premises"]}}

NOOP_MAIN = """
from collections.abc import Mapping, Sequence
from pulumi_policy import EnforcementLevel, PolicyPack, StackValidationPolicy
from pulumi_policy.proxy import UnknownValueError


def _touch(value):
    if isinstance(value, Mapping):
        for key in value:
            try:
                _touch(value[key])
            except UnknownValueError:
                pass
    elif isinstance(value, Sequence) and not isinstance(value, str):
        for i in range(len(value)):
            try:
                _touch(value[i])
            except UnknownValueError:
                pass


def read_everything(args, report):
    for r in args.resources:
        _touch(r.props)


PolicyPack("noop", [StackValidationPolicy("read-every-property", "Reads every property once.",
                                          read_everything, EnforcementLevel.ADVISORY)])
"""

PAIRWISE_MAIN = f"""
import sys
sys.path.insert(0, {str(PACK_DIR)!r})
from meshfleet_policies import build_pack, cidrs
cidrs.ALGORITHM = "pairwise"
build_pack()
"""


def make_pack(root: Path, name: str, main: str) -> Path:
    d = root / name
    d.mkdir()
    shutil.copy(PACK_DIR / "PulumiPolicy.yaml", d / "PulumiPolicy.yaml")
    (d / "__main__.py").write_text(main)
    return d


def build_stack(target: int) -> list[dict[str, Any]]:
    """A meshfleet-shaped stack of about ``target`` resources (unknown ids, as at preview)."""
    sb = StackBuilder(project="bench", stack=f"n{target}")
    regions = [sb.provider("hz", "cn-hangzhou"), sb.provider("sh", "cn-shanghai")]
    cen = sb.cen("cen")
    trs = [sb.transit_router(f"tr-{p.name}", cen, p) for p in regions]
    sb.tr_peer_attachment("peer", cen, trs[0], trs[1], "cn-shanghai", regions[0])
    vpc_space = ipaddress.IPv4Network("10.0.0.0/9").subnets(new_prefix=20)
    pod_space = ipaddress.IPv4Network("172.16.0.0/12").subnets(new_prefix=23)
    svc_space = ipaddress.IPv4Network("10.128.0.0/9").subnets(new_prefix=24)
    clusters: list[Ref] = []
    first_vswitch: Ref | None = None
    first_vpc: Ref | None = None
    # one unit = VPC, 8 vSwitches, attachment, 2 clusters, 2 node pools, 2 memberships (16)
    units = max(1, round((target - 9) / 16))
    fleet: Ref | None = None
    overlap_every = 25
    pods: list[str] = []
    for u in range(units):
        p = regions[u % 2]
        tr = trs[u % 2]
        vpc_net = next(vpc_space)
        vpc = sb.vpc(f"vpc-{u}", str(vpc_net), p)
        subnets = list(vpc_net.subnets(new_prefix=24))
        zones = ZONES[p.name]
        vsws = [sb.vswitch(f"vsw-{u}-{i}", vpc, str(subnets[i]), zones[i % 4]) for i in range(8)]
        sb.tr_vpc_attachment(
            f"att-{u}", cen, tr, vpc, [(zones[2], vsws[6]), (zones[3], vsws[7])], p
        )
        if fleet is None:
            first_vpc, first_vswitch = vpc, vsws[0]
            fleet = sb.fleet("fleet", vpc, [vsws[0]])
        for k in range(2):
            n = len(clusters)
            pod = str(next(pod_space))
            if n and n % overlap_every == 0:
                pod = pods[n - 1]  # deliberate overlap with the previous cluster
            pods.append(pod)
            c = sb.cluster(
                f"ack-{u}-{k}",
                [vsws[k * 2], vsws[k * 2 + 1]],
                pod_cidr=pod,
                service_cidr=str(next(svc_space)),
            )
            sb.node_pool(f"pool-{u}-{k}", c, [vsws[k * 2], vsws[k * 2 + 1]], p)
            sb.membership(f"member-{u}-{k}", fleet, c, regions[0])
            clusters.append(c)
    assert first_vpc is not None and first_vswitch is not None
    sb.mesh("mesh", first_vpc, [first_vswitch], clusters)
    return sb.resources


def best(runner: PolicyPackRunner, request: Any, repeat: int) -> tuple[float, list[Any]]:
    times, diags = [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        diags = runner.analyze_stack_request(request)
        times.append(time.perf_counter() - t0)
    return min(times), diags


def key(diags: list[Any]) -> list[tuple[str, str, str]]:
    return sorted((d.policy_name, d.urn, d.message) for d in diags)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--pairwise-max",
        type=int,
        default=10000,
        help="skip the pairwise reference above this size",
    )
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        dirs = {
            "noop": make_pack(root, "noop", NOOP_MAIN),
            "pack": PACK_DIR,
            "stock": PACK_DIR,
            "pairwise": make_pack(root, "pairwise", PAIRWISE_MAIN),
        }
        envs = {"stock": {"MESHFLEET_POLICY_FASTPATH": "0"}}
        runners = {
            name: PolicyPackRunner(d, config=None if name == "noop" else CONFIG, env=envs.get(name))
            for name, d in dirs.items()
        }
        try:
            for r in runners.values():
                r.start()
            print(
                f"{'resources':>9} {'noop s':>8} {'pack s':>8} {'pack/noop':>9} "
                f"{'stock s':>8} {'pairwise s':>10} {'diagnostics':>11}"
            )
            for n in sizes:
                stack = build_stack(n)
                request = runners["pack"].stack_request(stack)
                reps = args.repeat if n <= 1000 else max(1, args.repeat - 1)
                t_noop, _ = best(runners["noop"], request, reps)
                t_pack, d_pack = best(runners["pack"], request, reps)
                t_stock, d_stock = best(runners["stock"], request, reps)
                t_pair: float | None = None
                if n <= args.pairwise_max:
                    t_pair, d_pair = best(runners["pairwise"], request, 1)
                    if key(d_pair) != key(d_pack):
                        raise SystemExit(f"pairwise and sweep disagree at {len(stack)} resources")
                if key(d_stock) != key(d_pack):
                    raise SystemExit(f"stock and shared servicers disagree at {len(stack)}")
                rows.append((len(stack), t_noop, t_pack, t_stock, t_pair, len(d_pack)))
                pair_txt = f"{t_pair:10.3f}" if t_pair is not None else f"{'skipped':>10}"
                print(
                    f"{len(stack):>9} {t_noop:8.3f} {t_pack:8.3f} {t_pack / t_noop:9.2f} "
                    f"{t_stock:8.3f} {pair_txt} {len(d_pack):>11}",
                    flush=True,
                )
        finally:
            for r in runners.values():
                r.close()
    n, t_noop, t_pack, t_stock, t_pair, nd = rows[-1]
    pair = f"{t_pair:.3f}" if t_pair is not None else "skipped"
    met = "yes" if t_pack <= 2 * t_noop else "no"
    print(
        f"summary resources={n} noop_s={t_noop:.3f} pack_s={t_pack:.3f} "
        f"ratio={t_pack / t_noop:.2f} stock_s={t_stock:.3f} pairwise_s={pair} "
        f"diagnostics={nd} target_ratio=2.00 target_met={met}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
