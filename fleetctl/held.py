"""Which held lock entries a stack's state shows are gone (``fleetctl plan --state FILE``).

A held entry is the CIDR of something the spec dropped (a cluster's Service CIDR, a vSwitch
...): reserved until its removal was applied. A state says so: the engine view ``fleetctl
check --save-state`` writes (``{"format": "fleetctl-state", "resources": [...]}``) or the stack's
own export (``pulumi stack export``: ``{"deployment": {"resources": [...]}}``). An entry whose
CIDR appears nowhere in any resource of that state (inputs, outputs, properties, at any depth)
is free; one that still appears anywhere stays held. Matching the exact CIDR string in every
value, whatever the resource type, is the safe reading: a foreign or future resource type that
still carries it keeps it reserved.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from fleetctl.errors import InputError

RESOURCE_FIELDS = ("properties", "inputs", "outputs")


def state_resources(path: Path) -> list[Mapping[str, Any]]:
    """The resources of a fleetctl state file or a ``pulumi stack export`` document."""
    try:
        doc = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise InputError(f"--state {path}: cannot read the state: {exc}") from exc
    if isinstance(doc, Mapping) and doc.get("format") == "fleetctl-state":
        from fleetctl.diff_io import StateError, load_state

        try:
            return list(load_state(path))
        except StateError as exc:
            raise InputError(f"--state {exc}") from exc
    deployment = doc.get("deployment") if isinstance(doc, Mapping) else None
    resources = (deployment or {}).get("resources") if isinstance(deployment, Mapping) else None
    if isinstance(doc, list):
        resources = doc
    if not isinstance(resources, list) or not all(isinstance(r, Mapping) for r in resources):
        raise InputError(
            f"--state {path}: neither a fleetctl state file (fleetctl check "
            "--save-state) nor a stack export (pulumi stack export): no list of "
            "resources found"
        )
    return resources


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def gone(held: Mapping[str, str], resources: list[Mapping[str, Any]]) -> set[str]:
    """The held keys whose CIDR no resource of the state carries any more.

    >>> gone({"service:a": "192.168.0.0/20", "service:b": "192.168.16.0/20"},
    ...      [{"type": "alicloud:cs/managedKubernetes:ManagedKubernetes",
    ...        "outputs": {"serviceCidr": "192.168.0.0/20"}}])
    {'service:b'}
    """
    present = {s for r in resources for f in RESOURCE_FIELDS for s in _strings(r.get(f))}
    return {k for k, cidr in held.items() if cidr not in present}
