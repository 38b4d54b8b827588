"""Released and held lock entries (pure): a held key the spec has again takes its own CIDR
back, and a pin may not overlap a CIDR whose resource may still exist. The planner keeps both
kinds reserved until the user confirms the removal was applied (``fleetctl plan --applied``)."""

from __future__ import annotations

from collections.abc import Mapping

from netaddr import IPNetwork

from meshfleet.errors import PinConflictError, Problem
from meshfleet.requests import Request


def reclaim(
    requests: list[Request], held: Mapping[str, str], lock: Mapping[str, str]
) -> dict[str, str]:
    """Held keys the spec has again, with their own CIDR: the same resource (Pulumi still has
    it unless the removal was applied, and then its CIDR is free anyway). A held key that
    cannot take exactly its CIDR back (pinned elsewhere, sized larger, or a vSwitch whose VPC
    moved) is an error: its CIDR may still be in use, and a key has one CIDR at a time."""
    out: dict[str, str] = {}
    problems = []
    for r in requests:  # VPCs before their vSwitches
        if r.key not in held:
            continue
        cidr = held[r.key]
        fits = (r.pin is None or r.pin == cidr) and (
            r.kind == "vpc" or IPNetwork(cidr).prefixlen <= r.prefix
        )
        if r.switch is not None:
            vpc = lock.get(f"vpc:{r.switch.vpc}") or out.get(f"vpc:{r.switch.vpc}")
            fits = fits and vpc is not None and IPNetwork(cidr) in IPNetwork(vpc)
        if fits:
            out[r.key] = cidr
        else:
            problems.append(
                Problem(
                    r.path,
                    r.pin or f"/{r.prefix}",
                    (
                        f"(key {r.key}) is held in the lock at {cidr}: removed earlier, its "
                        "removal "
                        "is not confirmed applied, and this request cannot take exactly that CIDR "
                        "back "
                        "(pinned elsewhere, sized larger or outside its VPC). Keep the old "
                        "sizing, or "
                        f"confirm the removal after `pulumi up` (fleetctl plan --removal-applied "
                        f"{r.key}, or --applied)"
                    ),
                )
            )
    if problems:
        raise PinConflictError(problems)
    return out


def check_pins_on_reserved(
    requests: list[Request], lock: Mapping[str, str], reserved: Mapping[str, str]
) -> None:
    """A pin (not a lock entry) may not overlap a released or held CIDR: that resource may
    still exist."""
    problems = []
    for r in requests:
        if r.pin is None or r.key in lock:
            continue
        pin = IPNetwork(r.pin)
        for key, cidr in reserved.items():
            same_space = key.startswith("vswitch:") == (r.kind == "vswitch")
            if same_space and (pin in IPNetwork(cidr) or IPNetwork(cidr) in pin):
                problems.append(
                    Problem(
                        r.path,
                        r.pin,
                        (
                            f"(key {r.key}) overlaps {cidr}, reserved for {key} (released or held: "
                            "its resource may still exist): pin another range, or confirm the "
                            "removal "
                            "(fleetctl plan --removal-applied KEY)"
                        ),
                    )
                )
    if problems:
        raise PinConflictError(problems)
