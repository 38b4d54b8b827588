"""Reads what already exists, before planning, through pulumi_alicloud's data sources.

``read_inventory(spec, lock)`` is the ``read`` step of ``meshfleet.pipeline.plan_stack`` in the
stack program. Data sources are invokes: Pulumi answers them at preview as at update (the
program cannot plan without them), and ``fleetctl`` answers them from recorded answers. Each
area reads only what the spec asks for, so a stack that names no IPAM pool, no existing resource
and has every version locked invokes nothing and registers nothing here.

Invokes of one region go through an explicit provider of that region
(``<fleet name>-read-<region>``, created on first use, with the stack's ``alicloud:``
credentials), never the default provider: IPAM pools, VPCs and clusters are regional.
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_alicloud as alicloud

from meshfleet.components.common import regional_provider_args
from meshfleet.components.reader_existing import read_existing
from meshfleet.inventory import Inventory
from meshfleet.specmodel import FleetSpec


class Reading:
    """The invoke options of each region, with its reading provider made on first use."""

    def __init__(self, spec: FleetSpec) -> None:
        self.spec = spec
        self._providers: dict[str, alicloud.Provider] = {}

    def opts(self, region: str) -> pulumi.InvokeOptions:
        """Invoke options that send a data source to ``region``."""
        provider = self._providers.get(region)
        if provider is None:
            provider = self._providers[region] = alicloud.Provider(
                f"{self.spec.name}-read-{region}", regional_provider_args(region))
        return pulumi.InvokeOptions(provider=provider)

    @property
    def regions(self) -> tuple[str, ...]:
        """The regions read from so far."""
        return tuple(sorted(self._providers))


def read_inventory(spec: FleetSpec, lock: Mapping[str, str]) -> Inventory:
    """Everything ``spec`` needs to know of the account before it is planned against ``lock``."""
    reading = Reading(spec)
    return _read_existing(spec, lock, reading)


def _read_existing(spec: FleetSpec, lock: Mapping[str, str], reading: Reading) -> Inventory:
    """Existing VPCs, clusters and CEN (``vpcs.<name>.id``, ``clusters.<name>.id``,
    ``cen.id``): nothing is invoked for a spec without ids. The lock plays no part: what
    exists is what the cloud says (``meshfleet.existing`` checks the lock against it)."""
    del lock
    return read_existing(spec, reading) if spec.reads_existing else Inventory()

