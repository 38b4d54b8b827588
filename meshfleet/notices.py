"""What to tell the user about a plan before a preview: planner warnings and lock drift.

One wording for the stack program (``pulumi.log.warn``) and ``fleetctl``. Pure text.
"""

from __future__ import annotations

from meshfleet.layout import Plan


def write_command(stack: str, reads: bool = False) -> str:
    """The command that records a stack's allocations in its lock (``reads``: the plan needs
    what the account holds, e.g. IPAM pools, from recorded answers)."""
    return f"python -m fleetctl plan --stack {stack} --write" + (" --answers FILE" * reads)


def plan_notices(plan: Plan, stack: str) -> list[str]:
    """Planner warnings, then allocations the lock lacks, then lock entries the spec dropped.

    >>> from meshfleet.spec import parse_spec
    >>> from meshfleet.planner import plan as make_plan
    >>> spec = parse_spec({
    ...     "regions": {"cn-hangzhou": {"zones": ["cn-hangzhou-h", "cn-hangzhou-i"]}},
    ...     "vpcs": {"hz": {"region": "cn-hangzhou"}},
    ...     "clusters": {"ack-1": {"vpc": "hz"}}, "fleet": {"vpc": "hz"}, "mesh": {"vpc": "hz"}})
    >>> plan_notices(make_plan(spec), "dev")[0][:44]
    '10 allocations are not in the lock locks/dev'
    """
    notices = list(plan.warnings)
    command = write_command(stack, reads=plan.spec.ipam is not None or plan.spec.reads_existing)
    if plan.new:
        shown = ", ".join(plan.new[:5]) + (
            f" and {len(plan.new) - 5} more" if len(plan.new) > 5 else ""
        )
        notices.append(
            f"{len(plan.new)} allocations are not in the lock locks/{stack}.json yet ({shown}): "
            f"run `{command}` and commit the lock, so that a later plan never "
            "renumbers them"
        )
    if plan.versions.new or plan.versions.changed:
        keys = plan.versions.new + plan.versions.changed
        notices.append(
            f"{len(keys)} versions are not in the lock locks/{stack}.json yet "
            f"({', '.join(f'{k}={plan.versions.entries()[k]}' for k in keys)}): run "
            f"`{command}` and commit the lock, so that a later run never drifts"
        )
    if plan.released:
        notices.append(
            f"{len(plan.released)} lock entries are no longer in the spec "
            f"({', '.join(plan.released)}): their CIDRs stay reserved; run "
            f"`{command}` to hold them in the lock until their removal is applied"
        )
    earlier = [k for k in plan.held if k not in plan.released]
    if earlier:
        notices.append(
            f"{len(earlier)} held lock entries stay reserved ({', '.join(earlier)}): once an "
            f"update has deleted their resources, free them with `{command} "
            "--applied` (or --removal-applied KEY, --state FILE)"
        )
    return notices
