"""The sort-and-sweep overlap search finds exactly the pairs the O(n^2) reference finds."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import PACK_DIR

sys.path.insert(0, str(PACK_DIR))  # the pack is self-contained: import it as the engine runs it
from meshfleet_policies import cidrs  # noqa: E402

blocks = st.builds(
    lambda a, p: f"{a >> (32 - p) << (32 - p) if p else 0}/{p}",
    st.integers(0, 2**32 - 1),
    st.integers(0, 32),
)


def _items(texts: list[str]) -> list[cidrs.Item[int]]:
    out = []
    for i, t in enumerate(texts):
        addr, prefix = t.split("/")
        n = int(addr)
        net = cidrs.parse(f"{n >> 24 & 255}.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}/{prefix}")
        assert net is not None
        out.append(cidrs.Item(net, i))
    return out


def _pairs(found: Iterator[tuple[cidrs.Item[int], cidrs.Item[int]]]) -> set[frozenset[int]]:
    return {frozenset((a.owner, b.owner)) for a, b in found}


@settings(max_examples=200, deadline=None)
@given(st.lists(blocks, max_size=40), st.lists(blocks, max_size=20))
def test_sweep_matches_pairwise(left: list[str], right: list[str]) -> None:
    a, b = _items(left), _items(right)
    b = [cidrs.Item(it.net, it.owner + 1000) for it in b]
    expected_within = {
        frozenset((x.owner, y.owner))
        for i, x in enumerate(a)
        for y in a[i + 1 :]
        if x.net.overlaps(y.net)
    }
    expected_between = {
        frozenset((x.owner, y.owner)) for x in a for y in b if x.net.overlaps(y.net)
    }
    assert _pairs(cidrs.overlaps_within(a)) == expected_within
    assert _pairs(cidrs.overlaps_between(a, b)) == expected_between
    cidrs.ALGORITHM = "pairwise"
    try:
        assert _pairs(cidrs.overlaps_within(a)) == expected_within
        assert _pairs(cidrs.overlaps_between(a, b)) == expected_between
    finally:
        cidrs.ALGORITHM = "sweep"


def test_between_keeps_sides_in_order() -> None:
    a = _items(["167772160/8"])  # 10.0.0.0/8
    b = [cidrs.Item(it.net, 7) for it in _items(["167772160/24"])]
    ((x, y),) = list(cidrs.overlaps_between(b, a))
    assert (x.owner, y.owner) == (7, 0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10.0.0.0/8", "10.0.0.0/8"),
        ("10.1.2.3/16", "10.1.0.0/16"),
        ("nonsense", None),
        ("fd00::/8", None),
        ("10.0.0.0/33", None),
    ],
)
def test_parse(text: str, expected: str | None) -> None:
    net = cidrs.parse(text)
    assert (net.text if net else None) == expected


def _reference(text: str) -> str | None:
    import ipaddress

    try:
        net = ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None
    return str(net) if net.version == 4 else None


texts = st.one_of(
    st.builds(
        lambda o, p: f"{'.'.join(map(str, o))}/{p}",
        st.lists(st.integers(0, 300), min_size=4, max_size=4),
        st.integers(0, 40),
    ),
    st.builds(
        lambda o, p: f"{'.'.join(o)}/{p}",
        st.lists(
            st.sampled_from(["0", "00", "01", "1", "255", "256", "", "a", "099"]),
            min_size=3,
            max_size=5,
        ),
        st.sampled_from(["8", "08", "32", "33", "", "x"]),
    ),
    st.text(max_size=20),
    st.sampled_from(
        ["10.0.0.0/\u0668", "\u0661.0.0.0/8", "10.0.0.0/08", "10.0.0.0", " 10.0.0.0/8 "]
    ),
)


@settings(max_examples=500, deadline=None)
@given(texts)
def test_fast_parse_agrees_with_ipaddress(text: str) -> None:
    net = cidrs.parse(text)
    assert (net.text if net else None) == _reference(text)
    if net is not None:
        ref = __import__("ipaddress").ip_network(text.strip(), strict=False)
        assert (net.first, net.last, net.prefix) == (
            int(ref.network_address),
            int(ref.broadcast_address),
            ref.prefixlen,
        )
