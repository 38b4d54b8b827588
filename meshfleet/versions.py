"""Kubernetes and ASM versions: which pair a fleet runs, chosen once and then locked.

Pure. ``resolve`` takes the spec's explicit versions, the lock's ``versions`` and what the cloud
offers (``Inventory.versions``, read only when something is neither in the spec nor the lock)
and returns a ``VersionPlan``: the ASM version of meshfleet's own mesh and the Kubernetes
version of each cluster. An explicit spec version wins; else the lock's; else the newest
compatible choice: the newest offered ASM version whose Kubernetes range covers every cluster
version already fixed, then for each cluster the newest offered Kubernetes version in that
range. ``fleetctl plan --write`` records the result in the lock, so a later run reads nothing
and never drifts (``ServiceMesh.version`` is Optional and not Computed: left unset, every later
up would send an upgrade to "").

Compatibility (:data:`KUBERNETES_OF_ASM`) is upstream Istio's "Supported Kubernetes Versions"
per minor release (istio.io, Supported Releases; ``data/compatibility/supportStatus.yml`` of
istio/istio.io). ASM is Istio-based and its versions carry the Istio minor (``v1.22.6.36-...``),
but ASM's own table of supported ACK versions could not be read offline: it is assumed to be at
least as wide. So a choice stays inside the table (safe under either reading), and an explicit
pair outside it is a warning, not an error (ASM may well accept it; its AddClusterIntoServiceMesh
is the judge at apply time).

>>> from meshfleet.inventory import Versions
>>> newest_compatible(Versions(("1.31.1-aliyun.1", "1.30.7-aliyun.1"),
...                            {"Default": ("v1.22.6.36-g3b5d3c9e-aliyun",)}), "Default", [])
('v1.22.6.36-g3b5d3c9e-aliyun', '1.30.7-aliyun.1')
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from meshfleet.errors import PlanError, Problem
from meshfleet.inventory import Versions
from meshfleet.specmodel import FleetSpec

Minor = tuple[int, int]

#: ASM (Istio) minor -> the (lowest, highest) Kubernetes minor it supports, inclusive. Upstream
#: Istio's table [confirmed for Istio; assumed for ASM, see the module docstring].
KUBERNETES_OF_ASM: Mapping[Minor, tuple[Minor, Minor]] = MappingProxyType(
    {
        (1, 13): ((1, 20), (1, 23)),
        (1, 14): ((1, 21), (1, 24)),
        (1, 15): ((1, 22), (1, 25)),
        (1, 16): ((1, 22), (1, 25)),
        (1, 17): ((1, 23), (1, 26)),
        (1, 18): ((1, 24), (1, 27)),
        (1, 19): ((1, 25), (1, 28)),
        (1, 20): ((1, 25), (1, 29)),
        (1, 21): ((1, 26), (1, 29)),
        (1, 22): ((1, 27), (1, 30)),
        (1, 23): ((1, 27), (1, 30)),
        (1, 24): ((1, 28), (1, 31)),
        (1, 25): ((1, 29), (1, 32)),
        (1, 26): ((1, 29), (1, 33)),
        (1, 27): ((1, 29), (1, 33)),
        (1, 28): ((1, 30), (1, 34)),
        (1, 29): ((1, 31), (1, 35)),
        (1, 30): ((1, 32), (1, 36)),
    }
)
MESH_KEY = "mesh"
_NUMBERS = re.compile(r"^v?(\d+(?:\.\d+)*)")
_ALIYUN = re.compile(r"aliyun\.(\d+)")


class VersionError(PlanError):
    """No offered Kubernetes/ASM pair satisfies the spec and the lock."""

    title = "Cannot choose versions"


def kubernetes_key(cluster: str) -> str:
    """The lock's ``versions`` key of a cluster's Kubernetes version."""
    return f"kubernetes:{cluster}"


def order(version: str) -> tuple[int, ...]:
    """Sort key of an Alibaba version string: its numbers, then ``aliyun.N``.

    >>> order("1.30.7-aliyun.1"), order("v1.22.6.36-g3b5d3c9e-aliyun")
    ((1, 30, 7, 1), (1, 22, 6, 36))
    """
    m = _NUMBERS.match(version)
    numbers = tuple(int(n) for n in m.group(1).split(".")) if m else ()
    tail = _ALIYUN.search(version)
    return numbers + ((int(tail.group(1)),) if tail else ())


def minor(version: str) -> Minor | None:
    """``(major, minor)`` of a version string; None if it has no such prefix."""
    n = order(version)
    return (n[0], n[1]) if len(n) >= 2 else None


def supports(mesh: str, kubernetes: str) -> bool | None:
    """Whether ASM ``mesh`` supports Kubernetes ``kubernetes`` by the table; None: unknown."""
    span, k = KUBERNETES_OF_ASM.get(minor(mesh) or (0, 0)), minor(kubernetes)
    if span is None or k is None:
        return None
    return span[0] <= k <= span[1]


def newest(versions: Iterable[str]) -> list[str]:
    """``versions`` newest first (the API's order is not documented)."""
    return sorted(set(versions), key=order, reverse=True)


def newest_compatible(
    offered: Versions, edition: str, fixed: Sequence[str], need_kubernetes: bool = True
) -> tuple[str, str | None]:
    """(ASM version, newest Kubernetes for it): the newest offered ASM version of ``edition``
    in the table that supports every ``fixed`` Kubernetes version and, if
    ``need_kubernetes``, some offered Kubernetes version. ``VersionError`` if none does."""
    for mesh in newest(offered.mesh.get(edition, ())):
        if minor(mesh) not in KUBERNETES_OF_ASM or not all(supports(mesh, k) for k in fixed):
            continue
        k8s = newest_for(mesh, offered.kubernetes)
        if k8s is not None or not need_kubernetes:
            return mesh, k8s
    meshes = ", ".join(newest(offered.mesh.get(edition, ()))) or "none"
    raise VersionError(
        [
            Problem(
                "mesh.version",
                None,
                (
                    f"no offered ASM version of edition {edition} ({meshes}) "
                    f"supports Kubernetes {', '.join(fixed) or 'of any offered version'} "
                    f"(offered: {', '.join(newest(offered.kubernetes)) or 'none'}) by meshfleet's "
                    "table "
                    "(meshfleet.versions.KUBERNETES_OF_ASM): set mesh.version and clusters.<name>."
                    "kubernetesVersion explicitly"
                ),
            )
        ]
    )


def newest_for(mesh: str, kubernetes: Iterable[str]) -> str | None:
    """The newest of ``kubernetes`` that ASM ``mesh`` supports by the table."""
    return next((k for k in newest(kubernetes) if supports(mesh, k)), None)


@dataclass(frozen=True)
class VersionPlan:
    """The versions a plan registers: each cluster's Kubernetes version and the ASM version of
    meshfleet's own mesh (None in mesh mode ``fleet``, or where nothing was offered to choose
    from: the provider's default then, as before versions were resolved)."""

    kubernetes: Mapping[str, str | None] = field(default_factory=dict)
    mesh: str | None = None
    new: tuple[str, ...] = ()
    """Version keys the lock does not hold yet (``+`` in ``fleetctl plan``)."""
    changed: tuple[str, ...] = ()
    """Version keys whose explicit spec version differs from the lock (an upgrade)."""
    chosen: tuple[str, ...] = ()
    """Version keys neither the spec nor the lock gives: what the cloud's offers decide (read
    in :func:`read_regions`); None in ``kubernetes``/``mesh`` if nothing was offered."""

    def entries(self) -> dict[str, str]:
        """What the lock's ``versions`` records."""
        out = {kubernetes_key(c): v for c, v in self.kubernetes.items() if v is not None}
        if self.mesh is not None:
            out[MESH_KEY] = self.mesh
        return dict(sorted(out.items()))


def needed(spec: FleetSpec, locked: Mapping[str, str]) -> tuple[tuple[str, ...], bool]:
    """(clusters whose Kubernetes version must be chosen, whether the ASM version must): those
    neither in the spec nor in the lock (an existing cluster has its own). What
    ``read_inventory`` reads for."""
    clusters = tuple(
        sorted(
            c.name
            for c in spec.clusters.values()
            if c.id is None
            and c.kubernetes_version is None
            and kubernetes_key(c.name) not in locked
        )
    )
    mesh = spec.mesh.mode == "standalone" and spec.mesh.version is None and MESH_KEY not in locked
    return clusters, mesh


def read_regions(spec: FleetSpec, keys: Iterable[str]) -> tuple[str, ...]:
    """The regions whose offers decide the version keys ``keys``: each such cluster's region,
    and the mesh's region for ``mesh`` (one reading provider each)."""
    regions = {
        spec.mesh.region if k == MESH_KEY else spec.clusters[k.split(":", 1)[1]].region
        for k in keys
    }
    return tuple(sorted(regions))


def resolve(
    spec: FleetSpec, locked: Mapping[str, str], offered: Versions | None
) -> tuple[VersionPlan, tuple[str, ...]]:
    """The fleet's versions and the warnings about them (see the module docstring)."""
    choose, choose_mesh = needed(spec, locked)
    kube: dict[str, str | None] = {
        name: c.kubernetes_version or locked.get(kubernetes_key(name))
        for name, c in sorted(spec.clusters.items())
        if c.id is None
    }  # an existing cluster's version is the cloud's, not meshfleet's
    standalone = spec.mesh.mode == "standalone"
    mesh = (spec.mesh.version or locked.get(MESH_KEY)) if standalone else None
    fixed = [v for v in kube.values() if v is not None]
    if offered is not None and (choose or choose_mesh):
        if choose_mesh:
            mesh, _ = newest_compatible(offered, spec.mesh.edition, fixed, bool(choose))
        for name in choose:
            if mesh is None:  # mode fleet: the Fleet's mesh is chosen by the service
                kube[name] = next(iter(newest(offered.kubernetes)), None)
            elif (got := newest_for(mesh, offered.kubernetes)) is not None:
                kube[name] = got
            else:
                raise VersionError(
                    [
                        Problem(
                            f"clusters.{name}.kubernetesVersion",
                            None,
                            (
                                f"cannot be chosen: no offered Kubernetes version "
                                f"({', '.join(newest(offered.kubernetes)) or 'none'}) is supported "
                                "by ASM "
                                f"{mesh} (the mesh's version, "
                                f"{'explicit' if spec.mesh.version else 'locked'})"
                                " by meshfleet's table: set it explicitly, or upgrade mesh.version "
                                "first"
                            ),
                        )
                    ]
                )
    warnings = []
    if mesh is not None:
        for name, k in kube.items():
            if k is not None and supports(mesh, k) is not True:
                why = (
                    "is outside the range meshfleet's table gives it"
                    if supports(mesh, k) is False
                    else "is not in meshfleet's table"
                )
                warnings.append(
                    f"clusters.{name}: Kubernetes {k} with ASM {mesh}: the pair {why} "
                    "(meshfleet.versions.KUBERNETES_OF_ASM, upstream Istio's supported "
                    "versions); ASM checks it when the cluster joins the mesh"
                )
    entries = VersionPlan(kube, mesh).entries()
    plan = VersionPlan(
        kube,
        mesh,
        new=tuple(k for k in entries if k not in locked),
        changed=tuple(k for k, v in entries.items() if k in locked and locked[k] != v),
        chosen=tuple(sorted(map(kubernetes_key, choose))) + ((MESH_KEY,) if choose_mesh else ()),
    )
    return plan, tuple(warnings)
