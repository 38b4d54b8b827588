"""meshfleet's CrossGuard rules for Alibaba Cloud networks (ACK, ACK One Fleet, ASM, CEN).

The package name is unique on purpose: the pack runs with its own directory on ``sys.path`` and
must not shadow or be shadowed by a project's ``components`` or ``fleetctl`` packages.
"""

from __future__ import annotations

from typing import Any

PACK_NAME = "meshfleet-network"


def build_pack(fast: bool = True) -> Any:
    """Build (and serve: PolicyPack never returns) the pack."""
    from pulumi_policy import PolicyPack

    from . import fastpath
    from .catalog import build_policies

    if fast:
        fastpath.install()
    return PolicyPack(
        name=PACK_NAME,
        policies=build_policies(),  # type: ignore[arg-type]
        description="Alibaba Cloud ACK / ACK One Fleet / ASM / CEN network rules: CIDR "
        "overlaps, address limits, API-server reachability, membership, security.",
        display_name="meshfleet network rules",
        provider="alicloud",
        tags=["alicloud", "ack", "asm", "cen", "network"],
    )
