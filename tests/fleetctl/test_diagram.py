"""`fleetctl diagram`: both pictures say what the plan says (SVG text is searchable), and their
geometry is sound: no overlapping boxes, labels inside their boxes, no two links on one segment,
every peer link of the full mesh drawn on its own, nothing running out of its container."""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET
from dataclasses import replace
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from netaddr import IPNetwork

from fleetctl.cli import main
from fleetctl.diagram import address, draw_address_space, draw_topology, render, write_all
from fleetctl.diagram.geometry import Box, Label, Layout, Link, Rect, Segment, problems
from fleetctl.diagram.topology import Options, layout
from fleetctl.plan_cmd import load_plan
from meshfleet.planner import Plan, plan
from meshfleet.spec import parse_spec
from tests.strategies import REGION_ZONES, fleet_specs, tr_ok

REPO = Path(__file__).resolve().parents[2]


def svg_text(path: Path) -> str:
    root = ET.parse(path).getroot()  # also proves the SVG is well-formed XML
    return " ".join(t.strip() for t in root.itertext() if t.strip())


def fleet(
    regions: int,
    clusters: int,
    vpcs: int | None = None,
    connectivity: str = "cen",
    **fleet_fields: Any,
) -> Plan:
    """A fleet over the first ``regions`` test regions, VPCs and clusters spread round-robin,
    both CNIs, one to three zones per cluster."""
    names = sorted(REGION_ZONES)[:regions]
    vpc_specs = {}
    for i in range(vpcs or regions):
        region = names[i % regions]
        vpc_specs[f"vpc-{i}"] = {"region": region, "zones": tr_ok(region, REGION_ZONES[region])[:3]}
    keys = sorted(vpc_specs)
    cluster_specs = {}
    for n in range(clusters):
        vpc = keys[n % len(keys)]
        cluster_specs[f"ack-{n}"] = {
            "vpc": vpc,
            "cni": "terway" if n % 3 == 0 else "flannel",
            "maxNodes": 20 + 10 * (n % 4),
            "zones": vpc_specs[vpc]["zones"][: 1 + n % 3],
        }
    return plan(
        parse_spec(
            {
                "name": f"r{regions}c{clusters}",
                "connectivity": connectivity,
                "regions": {r: {"zones": REGION_ZONES[r]} for r in names},
                "vpcs": vpc_specs,
                "clusters": cluster_specs,
                "fleet": {"vpc": keys[0], **fleet_fields},
                "mesh": {"vpc": keys[-1]},
            }
        )
    )


def assert_topology_right(p: Plan, lay: Layout, opts: Options) -> None:
    """The geometry rules, and that the picture holds every link the plan has."""
    assert problems(lay) == []
    links = {link.id: link for link in lay.links}
    peers = {link.id for link in lay.links if link.kind == "peer"}
    if p.spec.connectivity == "cen":
        assert peers == {f"peer:{a}:{b}" for a, b in combinations(p.regions, 2)}
        for a, b in combinations(p.regions, 2):
            assert links[f"peer:{a}:{b}"].joins == (f"tr:{a}", f"tr:{b}")
        # Distinct: each peer link runs on its own horizontal track.
        tracks = [s.y0 for i in peers for s in links[i].segments if s.horizontal]
        assert len(tracks) == len(set(tracks)) == len(peers)
        for v in p.vpcs.values():
            assert links[f"attachment:{v.name}"].joins == (f"vpc:{v.name}", f"tr:{v.region}")
    else:
        assert not peers and not any(b.kind == "tr" for b in lay.boxes)
    drawn = {c for c in p.clusters if opts.region in (None, p.clusters[c].region)}
    assert {b.id for b in lay.boxes if b.kind == "cluster"} == {f"cluster:{c}" for c in drawn}
    if opts.paths and drawn:
        members = {f"cluster:{c}" for c in drawn}
        assert set(links["path:1"].joins) == set(links["path:2"].joins) == members | {"fleet"}
        assert set(links["path:3"].joins) == members | {"mesh"}
    elif not opts.paths:
        assert not any(link.kind == "path" for link in lay.links)


# ---- geometry ---------------------------------------------------------------------------------


@pytest.mark.parametrize("regions", [1, 2, 3, 4, 5, 6])
def test_one_to_six_regions_full_mesh(regions: int) -> None:
    p = fleet(regions, 5 * regions)
    opts = Options()
    assert_topology_right(p, layout(p, opts), opts)


def test_three_regions_are_a_triangle_not_a_chain() -> None:
    # The reported bug: every peer link on one line, so a full mesh looked like a chain.
    p = fleet(3, 9)
    lay = layout(p)
    peers = [link for link in lay.links if link.kind == "peer"]
    assert len(peers) == 3
    for a, b in combinations(peers, 2):  # no segment of one lies on a segment of another
        assert not any(
            s.horizontal and t.horizontal and s.y0 == t.y0 for s in a.segments for t in b.segments
        )
    # The long link (first region to third) passes below the middle router's two links.
    first, _, third = p.regions
    long = next(link for link in peers if link.id == f"peer:{first}:{third}")
    short_tracks = [
        s.y0 for link in peers if link is not long for s in link.segments if s.horizontal
    ]
    assert min(s.y0 for s in long.segments if s.horizontal) > max(short_tracks)


@pytest.mark.parametrize("shape", [(3, 30, 6), (6, 30, 10), (2, 30, 2)])
def test_thirty_clusters(shape: tuple[int, int, int]) -> None:
    p = fleet(*shape)
    assert_topology_right(p, layout(p), Options())


def test_larger_fleets_one_region_at_a_time_or_without_paths() -> None:
    p = fleet(6, 48, 10)
    assert any("--region" in n for n in layout(p).notes)  # the command prints the way out
    for opts in (Options(region="cn-hangzhou"), Options(paths=False)):
        lay = layout(p, opts)
        assert_topology_right(p, lay, opts)
        assert not any("readable" in n for n in lay.notes)
    with pytest.raises(ValueError, match="not a region"):
        layout(p, Options(region="cn-nowhere"))


def test_the_command_says_how_to_draw_a_large_fleet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    big = fleet(1, 31)
    write_all(big, tmp_path)
    assert (
        "note: 31 clusters: a whole-fleet picture stays readable up to 30; draw one region at "
        "a time (--region) or without the paths (--no-paths)" in capsys.readouterr().err
    )
    assert layout(big, Options(paths=False)).notes == ()
    assert layout(fleet(1, 30)).notes == ()


@settings(max_examples=max(5, (settings.default.max_examples or 40) // 4), deadline=None)
@given(raw=fleet_specs(), data=st.data())
def test_generated_fleets_have_sound_geometry(raw: dict[str, Any], data: st.DataObject) -> None:
    p = plan(parse_spec(raw))
    opts = Options(
        paths=data.draw(st.booleans(), label="paths"),
        region=data.draw(st.none() | st.sampled_from(p.regions), label="region"),
    )
    assert_topology_right(p, layout(p, opts), opts)
    assert problems(address.layout(p)) == []


@pytest.mark.parametrize("shape", [(1, 1, 1), (2, 8, 3), (6, 30, 10), (3, 48, 6)])
def test_address_space_geometry(shape: tuple[int, int, int]) -> None:
    p = fleet(*shape)
    lay = address.layout(p)
    assert problems(lay) == []
    bars = [b for b in lay.boxes if b.kind == "bar"]
    assert len(bars) == len(p.pools) + len(p.vpcs)
    # Each range is on its bar to scale, and every number above a bar points at one range.
    ranges = [b for b in lay.boxes if b.kind.startswith("seg:") and b.parent]
    assert len(ranges) == sum(len(v.vswitches) for v in p.vpcs.values()) + sum(
        1
        for pool in p.pools
        for _, net, _ in address._allocations(p)
        if net in IPNetwork(pool.cidr)
    )
    for _x0, _y0, x1, y1 in lay.leaders:
        assert any(r.rect.x - 1e-6 <= x1 <= r.rect.right + 1e-6 and r.rect.y == y1 for r in ranges)


def test_the_checks_can_fail() -> None:
    """Every rule catches its breach (a checker that cannot fail would prove nothing)."""
    base = layout(fleet(2, 4))
    assert problems(base) == []
    boxes = {b.id: b for b in base.boxes}
    c1, c2, *_ = (b for b in base.boxes if b.kind == "cluster")
    moved = replace(c2, rect=replace(c2.rect, x=c1.rect.x + 0.2, y=c1.rect.y + 0.1))
    found = problems(replace(base, boxes=tuple(moved if b is c2 else b for b in base.boxes)))
    assert any(
        f"{c1.id} and {c2.id} overlap" in f or f"{c2.id} and {c1.id} overlap" in f for f in found
    )
    assert any("runs out of" in f for f in found)  # its labels stayed behind
    vpc = boxes[c1.parent or ""]
    wide = replace(c1, rect=replace(c1.rect, w=vpc.rect.w))
    assert any(
        f"{c1.id} is not inside" in f
        for f in problems(replace(base, boxes=tuple(wide if b is c1 else b for b in base.boxes)))
    )
    peer = next(link for link in base.links if link.kind == "peer")
    copy = Link("peer:copy", "peer", peer.segments[-1:], ())
    assert any("share a segment" in f for f in problems(replace(base, links=(*base.links, copy))))
    through = Link(
        "x",
        "path",
        (
            Segment(
                c1.rect.x - 0.1, c1.rect.y + 0.3, c1.rect.right + 0.1, c1.rect.y + 0.3, c1.parent
            ),
        ),
        (),
    )
    assert any(
        f"runs through box {c1.id}" in f
        for f in problems(replace(base, links=(*base.links, through)))
    )
    split = Link(
        "y", "path", (Segment(0.1, 0.1, 0.1, 0.2, None), Segment(5, 0.1, 5, 0.2, None)), ("legend",)
    )
    found = problems(replace(base, links=(*base.links, split)))
    assert "y is not one connected line" in found and "y does not reach legend" in found
    lab = next(lab for lab in base.labels if lab.box == c1.id)
    long = replace(lab, rect=replace(lab.rect, w=c1.rect.w))
    assert any(
        "runs out of" in f
        for f in problems(replace(base, labels=tuple(long if x is lab else x for x in base.labels)))
    )
    tiny = Layout(
        2,
        2,
        (Box("a", "vpc", Rect(0.1, 0.1, 1, 1)),),
        (
            Label("t", Rect(0.2, 0.2, 0.5, 0.1), "a", 7),
            Label("u", Rect(0.3, 0.25, 0.5, 0.1), "a", 7),
        ),
        (),
    )
    assert problems(tiny) == ["labels 't' and 'u' overlap"]


def test_rendered_text_stays_where_it_was_laid_out() -> None:
    """The layout measures text from the font; the renderer must draw it inside that extent."""
    example_plan = load_plan(REPO, "example")[0]
    for lay in (layout(example_plan), layout(fleet(3, 9)), address.layout(example_plan)):
        fig = render.draw(lay)
        fig.set_dpi(render.DPI)
        renderer = fig.canvas.get_renderer()
        texts = fig.axes[0].texts
        assert [t.get_text() for t in texts] == [lab.text for lab in lay.labels]
        for t, lab in zip(texts, lay.labels, strict=True):
            e = t.get_window_extent(renderer)
            x0, x1 = e.x0 / fig.dpi, e.x1 / fig.dpi
            top, bottom = lay.height - e.y1 / fig.dpi, lay.height - e.y0 / fig.dpi
            pixel = 1 / fig.dpi
            assert lab.rect.x - pixel <= x0 and x1 <= lab.rect.right + pixel, lab.text
            assert lab.rect.y - pixel <= top and bottom <= lab.rect.bottom + pixel, lab.text
        render.mpl().close(fig)


# ---- what the pictures say ---------------------------------------------------------------------


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


def test_default_output_is_an_ignored_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Drawing any stack must not touch the committed docs/ (make diagram refreshes those).
    monkeypatch.chdir(tmp_path)
    assert main(["diagram", "--stack", "example"]) == 0
    out = tmp_path / "out" / "diagram" / "example"
    assert sorted(p.name for p in out.iterdir()) == [
        "address-space.png",
        "address-space.svg",
        "topology.png",
        "topology.svg",
    ]
    printed = capsys.readouterr().out.split()
    assert {Path(p).parent for p in printed} == {Path("out/diagram/example")}
    ignored = subprocess.run(
        ["git", "-C", str(REPO), "check-ignore", "-q", "out/diagram/example/topology.svg"],
        check=False,
    )
    assert ignored.returncode == 0, "out/ must be in .gitignore"


def test_topology_shows_every_vpc_cluster_cidr_and_path(example: tuple[Any, Path]) -> None:
    the_plan, out = example
    text = svg_text(out / "topology.svg")
    for vpc in the_plan.vpcs.values():
        assert f"VPC {vpc.name}" in text and vpc.cidr in text
        for s in vpc.by_role("transit-router"):
            assert s.cidr in text
    for c in the_plan.clusters.values():
        assert f"ACK {c.name}" in text and c.cni in text and c.service_cidr in text
        assert (c.pod_cidr or c.pod_vswitches[0].cidr) in text
        for s in c.node_vswitches + c.pod_vswitches:
            assert s.cidr in text
    for region in the_plan.regions:
        assert f"region {region}" in text
    assert the_plan.fleet.vswitch.cidr in text and the_plan.mesh.vswitch.cidr in text
    for n in ("(1)", "(2)", "(3)", "(4)"):
        assert n in text
    assert "context 'fleet'" in text and "context 'mesh'" in text
    # CEN: one transit router per region and the peer link between them.
    assert text.count("CEN transit router") == len(the_plan.regions)
    assert "peer attachment" in text
    a, b = the_plan.regions
    assert f"{a} <-> {b}" in text


def test_every_peer_link_is_named_in_the_svg(tmp_path: Path) -> None:
    p = fleet(4, 8)
    fig = draw_topology(p)
    fig.savefig(tmp_path / "t.svg", format="svg")
    text = svg_text(tmp_path / "t.svg")
    for a, b in combinations(p.regions, 2):
        assert f"{a} <-> {b}" in text
    assert text.count("CEN transit router") == 4


def test_one_region_shows_only_its_clusters(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    p = fleet(3, 9)
    region = p.regions[1]
    fig = draw_topology(p, opts=Options(region=region))
    fig.savefig(tmp_path / "t.svg", format="svg")
    text = svg_text(tmp_path / "t.svg")
    for c in p.clusters.values():
        assert (f"ACK {c.name} " in text) == (c.region == region), c.name
    assert "ACK One Fleet" in text and "ASM mesh" in text  # the paths' ends stay
    assert text.count("CEN transit router") == 3 and text.count(" <-> ") == 3
    assert (
        main(
            [
                "diagram",
                "--stack",
                "example",
                "--region",
                "cn-nowhere",
                "--out",
                str(tmp_path / "x"),
            ]
        )
        == 2
    )
    assert (
        "not a region of stack example (regions: cn-hangzhou, cn-shanghai)"
        in capsys.readouterr().err
    )


@pytest.mark.parametrize(
    ("fields", "fleet_ctx", "fleet_name"),
    [
        ({}, "r2c2-fleet", "r2c2-fleet"),
        ({"name": "ops"}, "ops", "ops"),
        ({"name": "ops", "context": "admin"}, "admin", "ops"),
    ],
)
def test_context_names_as_the_program_resolves_them(
    tmp_path: Path, fields: dict[str, str], fleet_ctx: str, fleet_name: str
) -> None:
    # meshfleet/components/meshfleet.py: context, else the display name, else <name>-fleet.
    fig = draw_topology(fleet(2, 2, **fields))
    fig.savefig(tmp_path / "t.svg", format="svg")
    text = svg_text(tmp_path / "t.svg")
    assert f"context '{fleet_ctx}' -> Fleet API server" in text
    assert f"context '{fleet_ctx}'" in text and fleet_name in text
    assert "context 'r2c2-mesh' -> ASM instance" in text


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
        assert committed.is_file(), f"run `make diagram` to create docs/{name}"
        assert svg_text(committed) == svg_text(out / name), (
            f"docs/{name} is stale: run `make diagram`"
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
    assert_topology_right(the_plan, layout(the_plan), Options())
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
