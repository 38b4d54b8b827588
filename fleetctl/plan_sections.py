"""The sections of ``fleetctl plan``'s table beside the plan itself: what exists, the IPAM
pools (and ranges another owner took since the lock), the versions, the held lock entries; and
the one table renderer every section uses."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from meshfleet.ipam import keys_to_release
from meshfleet.layout import Plan
from meshfleet.notices import write_command


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], marks: Sequence[str]) -> str:
    cells = [[str(c) for c in headers]] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = []
    for mark, row in zip([" "] + list(marks), cells, strict=True):
        lines.append(
            f"{mark} " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        )
    return "\n".join(lines)


def existing_lines(p: Plan) -> list[str]:
    """What exists (``=`` rows): its ids and what meshfleet does with it."""
    vpcs = [v for v in p.vpcs.values() if v.existing]
    clusters = [c for c in p.clusters.values() if c.existing]
    cen = p.inventory.cen if p.spec.cen_id else None
    if not vpcs and not clusters and cen is None:
        return []
    out = [
        "",
        "Existing (read from the account: fixed ranges; nothing is created for them, "
        "clusters are attached to the Fleet, the mesh and CEN)",
    ]
    for v in vpcs:
        assert v.existing is not None
        out.append(
            f"= VPC {v.name}: {v.existing.id}, blocks {', '.join(v.cidrs)}, "
            f"{len(v.existing.vswitches)} vSwitches kept clear, route table "
            f"{v.existing.route_table_id or '(not reported)'}"
        )
    for c in clusters:
        assert c.existing is not None
        out.append(
            f"= cluster {c.name}: {c.existing.id} ({c.cni}), node vSwitches "
            f"{', '.join(s.name for s in c.node_vswitches) or '(none listed)'}"
        )
    if cen is not None:
        routers = ", ".join(
            f"{r} {cen.transit_routers[r]}"
            if r in cen.transit_routers
            else f"{r} (new transit router)"
            for r in p.regions
        )
        out.append(f"= CEN {cen.id}: transit routers {routers}")
    return out


def ipam_lines(p: Plan, stack: str) -> list[str]:
    """The IPAM pools (``ipam``): each pool's region, CIDRs, what other owners hold and what
    this stack allocates; then every locked range another owner has taken since the lock was
    written, and what to do."""
    if p.ipam is None:
        return []
    use = p.ipam
    mine: dict[str, list[str]] = {}
    for name, pool_id in use.vpc_pools.items():
        mine.setdefault(pool_id, []).append(f"vpc:{name} {p.vpcs[name].cidr}")
    for r in use.reservations:
        mine.setdefault(r.pool_id, []).append(f"{r.key} {r.cidr}")
    rows = []
    for pool_id, pool in sorted(p.inventory.pools.items()):
        rows.append(
            [
                pool_id,
                pool.region,
                ",".join(pool.cidrs),
                f"/{pool.min_mask or 0}-/{pool.max_mask or 32}",
                len(use.foreign.get(pool_id, ())),
                ", ".join(sorted(mine.get(pool_id, ()))) or "-",
            ]
        )
    out = [
        "",
        f"IPAM pools (allocations described {use.owner!r} are this stack's)",
        table(
            ["POOL", "REGION", "CIDRS", "MASKS", "OTHER OWNERS' ALLOCATIONS", "THIS STACK"],
            rows,
            [" "] * len(rows),
        ),
    ]
    if use.taken:
        out += [
            "",
            f"TAKEN since the lock was written: {len(use.taken)} locked range(s) "
            "overlap another owner's allocation (their reservations will fail at apply)",
            table(
                ["KEY", "LOCKED CIDR", "POOL", "ALLOCATION", "HOLDER"],
                [
                    [
                        t.key,
                        t.cidr,
                        t.pool_id,
                        f"{t.allocation.resource_type} {t.allocation.cidr}",
                        t.allocation.description or t.allocation.resource_id or "?",
                    ]
                    for t in use.taken
                ],
                ["!"] * len(use.taken),
            ),
            "What to do: if the resource of a key does not exist yet (the update that "
            "would create it failed or has not run), delete these keys from the lock "
            f"(locks/{stack}.json): {', '.join(keys_to_release(p.allocations(), use.taken))}"
            f"; then run `{write_command(stack, reads=True)}` with a fresh read of the "
            "pools: the planner takes free space. If it exists, the range is in use twice: "
            "settle it with the holder before the next update.",
        ]
    return out


def versions_lines(p: Plan) -> list[str]:
    """What each cluster and the mesh run: from the spec, the lock, or chosen now."""
    v = p.versions
    spec = p.spec
    rows, marks = [], []
    entries = v.entries()

    def row(what: str, key: str, version: str | None, explicit: str | None) -> None:
        source = (
            "spec"
            if explicit
            else "chosen"
            if key in v.new
            else "lock"
            if key in entries
            else "provider default (not resolved)"
        )
        rows.append([what, version or "-", source])
        marks.append("+" if key in v.new else "~" if key in v.changed else " ")

    if spec.mesh.mode == "standalone":
        row("mesh (ASM)", "mesh", v.mesh, spec.mesh.version)
    for name, version in v.kubernetes.items():
        row(
            f"{name} (Kubernetes)",
            f"kubernetes:{name}",
            version,
            spec.clusters[name].kubernetes_version,
        )
    if not rows:
        return []
    return [
        "",
        "Versions (the spec's, else the lock's, else the newest compatible pair offered)",
        table(["WHAT", "VERSION", "FROM"], rows, marks),
    ]


def held_lines(p: Plan, stack: str, delta: Mapping[str, Any]) -> list[str]:
    """The held section: what stays reserved, why, how to free it; what this run freed."""
    out: list[str] = []
    if p.held:
        out += [
            f"Held ({len(p.held)}): released lock entries stay reserved, never handed "
            "out, until you confirm their removal was applied"
        ]
        out.append(
            table(
                ["KEY", "CIDR", "WHY"],
                [[h["key"], h["cidr"], h["why"]] for h in delta["held"]],
                ["-" if h["key"] in p.released else " " for h in delta["held"]],
            )
        )
        out.append(
            f"Free them after the `pulumi up` that deletes their resources: "
            f"`python -m fleetctl plan --stack {stack} --applied --write` (all), "
            "`--removal-applied KEY...` (some) or `--state FILE` (those the stack's "
            "state no longer has), then commit the lock."
        )
    if p.reclaimed:
        out.append(f"Taken back from held (the same key, its own CIDR): {', '.join(p.reclaimed)}")
    freed = delta.get("freed") or {}
    if freed:
        out += ([""] if out else []) + [f"Freed ({len(freed)}): removal confirmed applied"]
        out.append(
            table(
                ["KEY", "CIDR", "BY"],
                [[k, f["cidr"], f["by"]] for k, f in freed.items()],
                [" "] * len(freed),
            )
        )
    return out
