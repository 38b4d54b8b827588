"""`fleetctl diagram`: both pictures say what the plan says (SVG text is searchable)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from fleetctl.cli import main
from fleetctl.diagram import draw_address_space, draw_topology, write_all
from fleetctl.plan_cmd import load_plan
from meshfleet.planner import plan
from meshfleet.spec import parse_spec

REPO = Path(__file__).resolve().parents[2]


def svg_text(path: Path) -> str:
    root = ET.parse(path).getroot()  # also proves the SVG is well-formed XML
    return " ".join(t.strip() for t in root.itertext() if t.strip())


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    the_plan, _ = load_plan(REPO, "example")
    out = tmp_path_factory.mktemp("diagrams")
    write_all(the_plan, out, title="stack example")
    return the_plan, out


def test_cli_writes_svg_and_png(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diagram", "--stack", "example", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out.split()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["address-space.png", "address-space.svg", "topology.png", "topology.svg"]
    assert sorted(Path(p).name for p in printed) == names
    for png in tmp_path.glob("*.png"):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_topology_shows_every_vpc_cluster_cidr_and_path(example: tuple[Any, Path]) -> None:
    the_plan, out = example
    text = svg_text(out / "topology.svg")
    for vpc in the_plan.vpcs.values():
        assert f"VPC {vpc.name}" in text and vpc.cidr in text
    for c in the_plan.clusters.values():
        assert f"ACK {c.name}" in text and c.cni in text and c.service_cidr in text
        assert (c.pod_cidr or c.pod_vswitches[0].cidr) in text
    for region in the_plan.regions:
        assert f"region {region}" in text
    assert the_plan.fleet.vswitch.cidr in text and the_plan.mesh.vswitch.cidr in text
    for n in ("(1)", "(2)", "(3)", "(4)"):
        assert n in text
    # CEN: one transit router per region and the peer link between them.
    assert text.count("CEN transit router") == len(the_plan.regions)
    assert "peer attachment" in text


def test_address_space_shows_every_pool_and_allocation(example: tuple[Any, Path]) -> None:
    the_plan, out = example
    text = svg_text(out / "address-space.svg")
    for pool in the_plan.pools:
        assert f"pool {pool.cidr}" in text
        assert f"{pool.utilisation:.2%} allocated" in text
    for key, cidr in the_plan.allocations().items():
        assert cidr in text, key
    for vpc in the_plan.vpcs.values():
        assert f"{vpc.utilisation:.1%} of the VPC" in text


def test_pictures_are_reproducible(example: tuple[Any, Path], tmp_path: Path) -> None:
    the_plan, out = example
    write_all(the_plan, tmp_path, title="stack example")
    for name in ("topology.svg", "address-space.svg", "topology.png", "address-space.png"):
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes(), name


def test_committed_docs_match_the_example_stack(example: tuple[Any, Path]) -> None:
    # Compared by text (every label and CIDR), not bytes: another matplotlib release may
    # draw the same picture with different bytes, but a changed plan changes the text.
    _, out = example
    for name in ("topology.svg", "address-space.svg"):
        committed = REPO / "docs" / name
        assert committed.is_file(), f"run `python -m fleetctl diagram` to create docs/{name}"
        assert svg_text(committed) == svg_text(out / name), (
            f"docs/{name} is stale: run `python -m fleetctl diagram`"
        )


def test_public_connectivity_has_no_transit_routers(tmp_path: Path) -> None:
    spec = parse_spec(
        {
            "name": "pub",
            "connectivity": "public",
            "regions": {
                "cn-hangzhou": {"zones": ["cn-hangzhou-h", "cn-hangzhou-i"]},
                "cn-beijing": {"zones": ["cn-beijing-a", "cn-beijing-c"]},
            },
            "vpcs": {"hz": {"region": "cn-hangzhou"}, "bj": {"region": "cn-beijing"}},
            "clusters": {"a": {"vpc": "hz"}, "b": {"vpc": "bj", "cni": "terway"}},
            "fleet": {"vpc": "hz"},
            "mesh": {"vpc": "bj"},
            "reserved": ["10.0.0.0/16"],
        }
    )
    the_plan = plan(spec)
    fig = draw_topology(the_plan)
    fig.savefig(tmp_path / "t.svg", format="svg")
    text = svg_text(tmp_path / "t.svg")
    assert "CEN transit router" not in text and "peer attachment" not in text
    assert "public API endpoint" in text
    fig = draw_address_space(the_plan)
    fig.savefig(tmp_path / "a.svg", format="svg")
    assert "reserved" in svg_text(tmp_path / "a.svg")


def test_bad_stack_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diagram", "--stack", "no-such-stack", "--out", str(tmp_path)]) == 2
    assert "Pulumi.no-such-stack.yaml" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())
