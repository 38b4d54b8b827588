"""Kubernetes and ASM versions: the choice table, spec wins, lock wins (nothing read), what the
components register, and no drift once the lock records them."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from fleetctl.answers.curated import K8S_VERSION
from fleetctl.capture import run_program
from meshfleet.components.cluster import AckClusterArgs
from meshfleet.components.mesh import MeshArgs
from meshfleet.components.reader import read_inventory
from meshfleet.inventory import Inventory, Versions
from meshfleet.lock import Lock, dump_lock
from meshfleet.pipeline import plan_stack
from meshfleet.planner import plan
from meshfleet.spec import parse_spec
from meshfleet.versions import (
    KUBERNETES_OF_ASM,
    VersionError,
    newest_compatible,
    order,
    resolve,
    supports,
)
from tests.components.stacks import REPO, example_config, plan_of, run_stack
from tests.planner.test_spec import BASE

VSWITCH_IDS = {
    f"vswitch:vpc-1:{r}:ack-2:cn-hangzhou-{z}": f"vsw-{r}-{z}"
    for r in ("node", "pod")
    for z in "ij"
}
OFFERED = Versions(
    kubernetes=(
        "1.28.15-aliyun.1",
        "1.32.1-aliyun.1",
        "1.30.7-aliyun.1",
        "1.30.7-aliyun.2",
        "1.31.1-aliyun.1",
    ),
    mesh={
        "Default": (
            "v1.22.6.36-g3b5d3c9e-aliyun",
            "v1.24.6.64-g12d6bc1c-aliyun",
            "v1.26.0.1-gabcdef-aliyun",
        ),
        "Pro": ("v1.22.6.36-g3b5d3c9e-aliyun",),
    },
)


def test_the_table_is_well_formed_and_in_order() -> None:
    spans = [KUBERNETES_OF_ASM[k] for k in sorted(KUBERNETES_OF_ASM)]
    assert all(lo <= hi for lo, hi in spans)
    # A later ASM minor never drops support at the low end faster than it adds at the top.
    assert all(a[0] <= b[0] and a[1] <= b[1] for a, b in zip(spans, spans[1:], strict=False))


@pytest.mark.parametrize(
    ("edition", "fixed", "pair"),
    [
        # ASM 1.24 supports up to 1.31: the newest pair, not the newest Kubernetes (1.32).
        ("Default", [], ("v1.24.6.64-g12d6bc1c-aliyun", "1.31.1-aliyun.1")),
        # Pro offers only 1.22 (up to 1.30): the newest 1.30 build, by its aliyun.N.
        ("Pro", [], ("v1.22.6.36-g3b5d3c9e-aliyun", "1.30.7-aliyun.2")),
        # A cluster already on 1.28 (1.24 supports 1.28..1.31) keeps 1.24 possible.
        ("Default", ["1.28.15-aliyun.1"], ("v1.24.6.64-g12d6bc1c-aliyun", "1.31.1-aliyun.1")),
        # A cluster on 1.27 rules 1.24 out (from 1.28): ASM 1.22 it is.
        ("Default", ["1.27.9-aliyun.1"], ("v1.22.6.36-g3b5d3c9e-aliyun", "1.30.7-aliyun.2")),
    ],
)
def test_newest_compatible_pair(edition: str, fixed: list[str], pair: tuple[str, str]) -> None:
    offered = Versions(
        OFFERED.kubernetes, {"Default": OFFERED.mesh["Default"][:2], "Pro": OFFERED.mesh["Pro"]}
    )
    assert newest_compatible(offered, edition, fixed) == pair
    mesh, k8s = pair
    assert supports(mesh, k8s) and all(supports(mesh, f) for f in fixed)
    assert order("1.30.7-aliyun.2") > order("1.30.7-aliyun.1") > order("1.28.15-aliyun.1")


def test_no_compatible_pair_is_a_clear_error() -> None:
    offered = Versions(("1.34.1-aliyun.1",), {"Default": ("v1.22.6.36-g3b5d3c9e-aliyun",)})
    with pytest.raises(VersionError, match="set mesh.version and clusters") as info:
        newest_compatible(offered, "Default", [])
    assert info.value.problems[0].path == "mesh.version"


def spec_of(**mesh: Any) -> Any:
    raw = copy.deepcopy(BASE)
    raw["mesh"].update(mesh)
    return raw


def test_resolved_when_unset_spec_wins_lock_wins() -> None:
    chosen, warnings = resolve(parse_spec(BASE), {}, OFFERED)
    assert (chosen.mesh, set(chosen.kubernetes.values())) == (
        "v1.26.0.1-gabcdef-aliyun",
        {"1.32.1-aliyun.1"},
    ) and warnings == ()
    assert set(chosen.new) == set(chosen.chosen) == {"kubernetes:a", "kubernetes:b", "mesh"}
    # Explicit versions win over the lock and the offers; an upgrade shows as changed.
    raw = spec_of(version="v1.22.6.36-g3b5d3c9e-aliyun")
    raw["clusters"]["a"]["kubernetesVersion"] = "1.30.7-aliyun.1"
    locked = {
        "kubernetes:a": "1.28.15-aliyun.1",
        "kubernetes:b": "1.30.7-aliyun.1",
        "mesh": "v1.20.0.1-g1-aliyun",
    }
    chosen, warnings = resolve(parse_spec(raw), locked, None)
    assert chosen.mesh == "v1.22.6.36-g3b5d3c9e-aliyun"
    assert dict(chosen.kubernetes) == {"a": "1.30.7-aliyun.1", "b": "1.30.7-aliyun.1"}
    assert set(chosen.changed) == {"kubernetes:a", "mesh"} and chosen.new == ()
    assert chosen.chosen == () and warnings == ()
    # A new cluster beside a locked mesh: the newest Kubernetes that mesh supports.
    chosen, _ = resolve(parse_spec(BASE), {"mesh": "v1.22.6.36-g3b5d3c9e-aliyun"}, OFFERED)
    assert set(chosen.kubernetes.values()) == {"1.30.7-aliyun.2"} and chosen.mesh == (
        "v1.22.6.36-g3b5d3c9e-aliyun"
    )


def test_an_explicit_pair_outside_the_table_is_a_warning() -> None:
    raw = spec_of(version="v1.22.6.36-g3b5d3c9e-aliyun")
    raw["clusters"]["a"]["kubernetesVersion"] = "1.33.1-aliyun.1"
    raw["clusters"]["b"]["kubernetesVersion"] = "1.30.7-aliyun.1"
    p = plan(parse_spec(raw))
    (warning,) = [w for w in p.warnings if "Kubernetes" in w]
    assert warning.startswith("clusters.a: Kubernetes 1.33.1-aliyun.1 with ASM v1.22")


def test_mode_fleet_has_no_mesh_version_and_takes_the_newest_kubernetes() -> None:
    raw = copy.deepcopy(BASE)
    raw["mesh"] = {"mode": "fleet", "vpc": "hz"}
    chosen, _ = resolve(parse_spec(raw), {}, OFFERED)
    assert chosen.mesh is None and set(chosen.kubernetes.values()) == {"1.32.1-aliyun.1"}
    assert "mesh" not in chosen.entries()


def _reads(spec_raw: Any, lock: Lock) -> tuple[Inventory, list[str]]:
    """``read_inventory`` under the recording monitor (catalogue answers): what it found and
    the data sources it invoked."""
    found: list[Inventory] = []
    cap = run_program(
        lambda: found.append(read_inventory(parse_spec(spec_raw), lock)),
        project="meshfleet",
        stack="versions",
        config={},
        strict_invokes=True,
    )
    return found[0], [i.token for i in cap.invokes]


def test_reader_reads_only_what_is_unset_and_unlocked() -> None:
    inventory, tokens = _reads(BASE, Lock())
    assert sorted(tokens) == ["alicloud:cs/getKubernetesVersion:getKubernetesVersion"] * 2 + [
        "alicloud:servicemesh/getVersions:getVersions"
    ]  # two cluster regions, one mesh
    assert inventory.versions is not None and K8S_VERSION in inventory.versions.kubernetes
    # Everything locked: nothing read, no reading provider.
    locked = Lock(
        versions={
            "kubernetes:a": "1.30.7-aliyun.1",
            "kubernetes:b": "1.30.7-aliyun.1",
            "mesh": "v1.22.6.36-g3b5d3c9e-aliyun",
        }
    )
    inventory, tokens = _reads(BASE, locked)
    assert tokens == [] and inventory.versions is None
    # Only the mesh locked: only Kubernetes versions are read.
    _, tokens = _reads(BASE, Lock(versions={"mesh": "v1.22.6.36-g3b5d3c9e-aliyun"}))
    assert set(tokens) == {"alicloud:cs/getKubernetesVersion:getKubernetesVersion"}


def test_a_second_run_with_the_written_lock_reads_nothing_and_keeps_the_versions(
    tmp_path: Path,
) -> None:
    lock_file = tmp_path / "locks" / "x.json"
    reader_calls: list[int] = []

    def counting(spec: Any, lock: Any) -> Inventory:
        inventory, tokens = _reads(BASE, lock)
        reader_calls.append(len(tokens))
        return inventory

    first = plan_stack(BASE, lock_file, read=counting)
    lock_file.parent.mkdir(parents=True)
    lock_file.write_text(dump_lock(first.allocations(), first.versions.entries(), first.held))
    second = plan_stack(BASE, lock_file, read=counting)
    assert reader_calls == [3, 0]
    assert second.versions.entries() == first.versions.entries() and second.versions.new == ()
    assert json.loads(lock_file.read_text())["versions"]["mesh"] == first.versions.mesh


def _registered(cap: Any) -> tuple[set[Any], set[Any]]:
    kube = {
        r.inputs.get("version")
        for r in cap.by_type("alicloud:cs/managedKubernetes:ManagedKubernetes")
    }
    mesh = {
        r.inputs.get("version") for r in cap.by_type("alicloud:servicemesh/serviceMesh:ServiceMesh")
    }
    return kube, mesh


def test_components_register_the_resolved_versions() -> None:
    # The example's Args come from the plan: the lock's versions.
    example = plan_of(example_config(), "example")
    lock = json.loads((REPO / "locks" / "example.json").read_text())["versions"]
    assert (
        AckClusterArgs.from_plan(example, "ack-2", VSWITCH_IDS).kubernetes_version
        == lock["kubernetes:ack-2"]
    )
    assert MeshArgs.from_plan(example, "vpc", "vsw", {}).version == lock["mesh"]
    # No lock, one explicit version: it wins; the rest is chosen from the catalogue's offers
    # (ASM 1.22 supports Kubernetes 1.30, not the newer 1.31) and registered as chosen.
    config = example_config()
    config["meshfleet:fleet"]["clusters"]["ack-1"]["kubernetesVersion"] = "1.29.3-aliyun.1"
    cap = run_stack(config, "versions-unlocked")
    kube = {
        r.name: r.inputs.get("version")
        for r in cap.by_type("alicloud:cs/managedKubernetes:ManagedKubernetes")
    }
    assert kube == {
        "ack-1": "1.29.3-aliyun.1",
        "ack-2": "1.30.7-aliyun.1",
        "ack-3": "1.30.7-aliyun.1",
    }
    (mesh,) = cap.by_type("alicloud:servicemesh/serviceMesh:ServiceMesh")
    assert mesh.inputs["version"] == "v1.22.6.36-g3b5d3c9e-aliyun"
    # ack-2 and ack-3 were read for (their regions), and the mesh's edition Pro.
    assert sorted((i.token.rsplit(":", 1)[1], i.args.get("edition")) for i in cap.invokes) == [
        ("getKubernetesVersion", None),
        ("getKubernetesVersion", None),
        ("getVersions", "Pro"),
    ]
