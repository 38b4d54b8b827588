"""The Pulumi SDK's provider serialization leaks a pickler wrapper per call; meshfleet's dynamic
resources put the pickler back (``meshfleet.components.dynamic_pickle``)."""

from __future__ import annotations

import pickle
from typing import Any

import dill
from pulumi.dynamic.dynamic import serialize_provider

from meshfleet.components.dynamic_pickle import pickler_restored
from meshfleet.components.mesh_membership import MeshMembershipProvider


def _calls(n: int, guarded: bool) -> int:
    """How many of ``n`` serializations succeed before a RecursionError."""
    provider = MeshMembershipProvider()
    for i in range(n):
        try:
            if guarded:
                with pickler_restored():
                    serialize_provider(provider)
            else:
                serialize_provider(provider)
        except RecursionError:
            return i
    return n


def test_the_sdk_still_leaks_so_the_guard_is_still_needed() -> None:
    """If this fails, the installed SDK restores its pickler: dynamic_pickle can go."""
    saved: Any = pickle._Pickler._batch_setitems, pickle._Pickler.save_dict  # type: ignore[attr-defined]
    try:
        assert _calls(2000, guarded=False) < 2000
    finally:
        pickle._Pickler._batch_setitems, pickle._Pickler.save_dict = saved  # type: ignore[attr-defined]


def test_guarded_serializations_never_run_out_and_stay_loadable() -> None:
    before = pickle._Pickler._batch_setitems  # type: ignore[attr-defined]
    assert _calls(2000, guarded=True) == 2000
    assert pickle._Pickler._batch_setitems is before  # type: ignore[attr-defined]
    with pickler_restored():
        blob = serialize_provider(MeshMembershipProvider(poll_interval=3.0))
    import base64

    assert isinstance(dill.loads(base64.b64decode(blob)), MeshMembershipProvider)
    with pickler_restored():  # still deterministic: the state must not churn between runs
        assert serialize_provider(MeshMembershipProvider(poll_interval=3.0)) == blob
