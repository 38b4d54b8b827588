"""MeshMembershipProvider against a fake ASM API that enforces the API's rules (unknown cluster,
already a member, mesh busy while another change runs), and the MeshMembership resource args."""

from __future__ import annotations

import base64
from typing import Any

import dill
import pytest
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.output import Unknown
from pulumi.runtime import rpc

from meshfleet.components.alibaba_api import Credentials
from meshfleet.components.mesh_membership import (
    INPUT_KEYS,
    KIND,
    REPLACE_KEYS,
    AsmApiError,
    MeshMembershipArgs,
    MeshMembershipError,
    MeshMembershipProvider,
    build_asm_client,
)
from tests.components import fakes_asm
from tests.components.fakes_adcp import api_error, throttling
from tests.components.fakes_asm import ADD, CANDIDATES, DETAIL, MEMBERS, REMOVE, FakeAsm

MESH = "asm-0001"


def props(**overrides: Any) -> dict[str, Any]:
    """Resource inputs as the engine hands them to the provider (docs/contracts.md)."""
    return {
        "kind": KIND,
        "meshId": MESH,
        "clusterId": "c-a",
        "regionId": "cn-hangzhou",
        **overrides,
    }


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def provider(fake: FakeAsm, sleeps: Sleeps | None = None, **kw: Any) -> MeshMembershipProvider:
    kw.setdefault("poll_interval", 5.0)
    return MeshMembershipProvider(
        fake.factory(), sleep=sleeps if sleeps is not None else Sleeps(), **kw
    )


# ------------------------------------------------------------------------------------------
# create


def test_create_adds_the_member_and_waits_for_it_and_the_mesh_to_run() -> None:
    fake, sleeps = FakeAsm(busy_for=2, starting_for=1), Sleeps()
    result = provider(fake, sleeps).create(props())
    assert result.id == f"{MESH}:c-a" and result.outs == props()
    assert fake.members[MESH] == ["c-a"]
    # Wire shapes: the SDK request models' own to_map().
    assert fake.requests(ADD) == [{"ServiceMeshId": MESH, "ClusterId": "c-a"}]
    assert fake.actions() == [
        DETAIL,  # running, not a member: add
        ADD,
        DETAIL,
        MEMBERS,  # updating, the member starting
        DETAIL,
        MEMBERS,  # updating, the member running
        DETAIL,
        MEMBERS,  # running, the member running: settled
    ]
    assert sleeps == [5.0, 5.0]
    assert {region for _, region in fake.clients} == {"cn-hangzhou"}


def test_create_adopts_a_cluster_that_is_already_a_member() -> None:
    fake = FakeAsm()
    fake.members[MESH] = ["c-a"]  # e.g. an older meshfleet listed it in ServiceMesh.clusterIds
    result = provider(fake).create(props())
    assert result.id == f"{MESH}:c-a" and ADD not in fake.actions()
    assert fake.members[MESH] == ["c-a"]


def test_create_waits_while_the_mesh_is_busy_with_another_change() -> None:
    fake, sleeps = FakeAsm(busy_for=0, starting_for=0), Sleeps()
    fake.make_busy(MESH, 3)  # another membership (or an upgrade) is running
    provider(fake, sleeps).create(props())
    assert fake.actions().count(ADD) == 1  # the fake refuses a change while updating
    assert sleeps == [5.0] * 3 and fake.members[MESH] == ["c-a"]


def test_a_change_refused_because_the_mesh_turned_busy_is_retried_once_it_runs() -> None:
    fake, sleeps = FakeAsm(busy_for=0, starting_for=0), Sleeps()
    add = fake.add_cluster_into_service_mesh

    def someone_else_first(request: Any) -> Any:  # between our state read and our call
        if fake.actions().count(ADD) == 0:
            fake.make_busy(MESH, 2)
        return add(request)

    fake.add_cluster_into_service_mesh = someone_else_first  # type: ignore[method-assign]
    fake.calls.clear()
    provider(fake, sleeps).create(props())
    assert fake.members[MESH] == ["c-a"] and fake.actions().count(ADD) == 2


def test_throttling_is_retried_with_the_shared_backoff() -> None:
    fake, sleeps = FakeAsm(busy_for=0, starting_for=0), Sleeps()
    fake.fail_next(ADD, throttling(), throttling("Throttling"))
    provider(fake, sleeps).create(props())
    assert fake.actions().count(ADD) == 3 and sleeps == [1.0, 2.0]


def test_an_add_whose_answer_was_lost_is_read_back_as_done() -> None:
    fake, sleeps = FakeAsm(busy_for=0, starting_for=0), Sleeps()
    fake.lose_answer_of = {ADD}  # the add worked, the caller got a 503 (retried: transient)
    provider(fake, sleeps).create(props())
    # The retry is refused (already a member); reading the mesh back shows the member.
    assert fake.actions().count(ADD) == 2 and fake.members[MESH] == ["c-a"]


def test_an_unknown_cluster_is_the_apis_error_with_its_code_and_request_id() -> None:
    fake = FakeAsm()
    with pytest.raises(AsmApiError) as err:
        provider(fake).create(props(clusterId="c-nope"))
    assert err.value.code == "ErrorClusterNotFound" and err.value.action == ADD
    text = str(err.value)
    assert "REQ-ErrorClusterNotFound" in text and "ServiceMeshId=asm-0001" in text
    assert fake.members[MESH] == []


def test_a_forbidden_cluster_says_why_asm_refuses_it() -> None:
    fake = FakeAsm()
    fake.forbidden["c-b"] = (2, '[{"cluster": "c-b", "object": "VPC"}]')
    with pytest.raises(MeshMembershipError) as err:
        provider(fake).create(props(clusterId="c-b"))
    text = str(err.value)
    assert "ErrorPermitted.ClusterForbidden" in text
    assert "another VPC with no private connection" in text and '"object": "VPC"' in text
    assert fake.actions()[-1] == CANDIDATES


def test_a_cluster_in_another_mesh_is_refused() -> None:
    fake = FakeAsm(meshes=(MESH, "asm-0002"))
    fake.members["asm-0002"] = ["c-a"]
    with pytest.raises(AsmApiError, match="ClusterInOtherMesh"):
        provider(fake).create(props())


def test_a_mesh_that_never_settles_fails_with_the_last_state_seen() -> None:
    fake, sleeps = FakeAsm(busy_for=1000), Sleeps()
    with pytest.raises(MeshMembershipError) as err:
        provider(fake, sleeps, wait_timeout=30.0, poll_interval=10.0).create(props())
    assert "did not settle within 30s while adding cluster c-a" in str(err.value)
    assert err.value.problems[0].value == {
        "state": "updating",
        "member": True,
        "memberState": "running",
    }
    assert len(sleeps) == 2


def test_create_refuses_unknown_or_bad_inputs_before_any_call() -> None:
    fake = FakeAsm()
    with pytest.raises(MeshMembershipError) as err:
        provider(fake).create(props(meshId=rpc.UNKNOWN, clusterId="", regionId="Hangzhou"))
    assert {p.path for p in err.value.problems} == {"meshId", "clusterId", "regionId"}
    assert fake.calls == []


# ------------------------------------------------------------------------------------------
# delete


def test_delete_removes_the_member_and_waits_until_it_is_gone() -> None:
    fake, sleeps = FakeAsm(busy_for=2, starting_for=0), Sleeps()
    fake.members[MESH] = ["c-a", "c-b"]
    provider(fake, sleeps).delete(f"{MESH}:c-a", props())
    assert fake.requests(REMOVE) == [{"ServiceMeshId": MESH, "ClusterId": "c-a"}]
    assert fake.members[MESH] == ["c-b"]  # the other member is never touched
    assert fake.actions()[-1] == DETAIL and sleeps == [5.0, 5.0]


def test_delete_of_a_member_that_left_or_of_a_mesh_that_is_gone_calls_nothing() -> None:
    fake = FakeAsm()
    provider(fake).delete(f"{MESH}:c-a", props())
    assert REMOVE not in fake.actions()
    gone = FakeAsm(meshes=())
    provider(gone).delete(f"{MESH}:c-a", props())
    assert gone.actions() == [DETAIL]


def test_delete_waits_for_a_busy_mesh_then_removes() -> None:
    fake, sleeps = FakeAsm(busy_for=0), Sleeps()
    fake.members[MESH] = ["c-a"]
    fake.make_busy(MESH, 2)
    provider(fake, sleeps).delete(f"{MESH}:c-a", props())
    assert fake.members[MESH] == [] and fake.actions().count(REMOVE) == 1


def test_a_refused_remove_is_the_apis_error() -> None:
    fake = FakeAsm()
    fake.members[MESH] = ["c-a"]
    fake.fail_next(REMOVE, api_error("Forbidden.RAM", "no permission"))
    with pytest.raises(AsmApiError, match="Forbidden.RAM"):
        provider(fake).delete(f"{MESH}:c-a", props())
    assert fake.members[MESH] == ["c-a"]


# ------------------------------------------------------------------------------------------
# read, diff, check


def test_read_reports_a_member_that_left_as_deleted() -> None:
    fake = FakeAsm(starting_for=0)
    fake.members[MESH] = ["c-a"]
    result = provider(fake).read(f"{MESH}:c-a", props())
    assert result.id == f"{MESH}:c-a" and result.outs == props()
    fake.members[MESH] = []  # removed in the console
    assert provider(fake).read(f"{MESH}:c-a", props()).id == ""
    assert provider(FakeAsm(meshes=())).read(f"{MESH}:c-a", props()).id == ""  # mesh gone


def test_read_without_a_region_says_what_is_missing() -> None:
    fake = FakeAsm()
    with pytest.raises(MeshMembershipError, match="regionId"):
        provider(fake).read(f"{MESH}:c-a", {})
    assert fake.calls == []


@pytest.mark.parametrize(
    ("change", "replaces", "delete_first"),
    [
        ({"clusterId": "c-b"}, ["clusterId"], False),  # another cluster: add, then remove
        ({"clusterId": Unknown()}, ["clusterId"], False),  # its cluster is being replaced
        ({"meshId": "asm-0002"}, ["meshId"], True),  # same cluster, other mesh: leave first
        ({"meshId": rpc.UNKNOWN}, ["meshId"], True),
        ({"regionId": "cn-shanghai"}, ["regionId"], True),  # else the delete undoes the adoption
    ],
)
def test_diff_replaces_on_every_input_and_deletes_first_unless_the_cluster_changes(
    change: dict[str, Any], replaces: list[str], delete_first: bool
) -> None:
    result = MeshMembershipProvider().diff(f"{MESH}:c-a", props(), props(**change))
    assert (result.changes, result.replaces, result.delete_before_replace) == (
        True,
        replaces,
        delete_first,
    )
    same = MeshMembershipProvider().diff(
        f"{MESH}:c-a", {**props(), "__provider": "a"}, {**props(), "__provider": "b"}
    )
    assert same.changes is False
    assert REPLACE_KEYS == set(INPUT_KEYS) - {"kind"}


def test_check_lists_every_bad_input_and_lets_unknowns_through() -> None:
    p = MeshMembershipProvider()
    bad = props(kind="x", meshId=3, clusterId="a:b", regionId="Hangzhou")
    assert {f.property for f in p.check({}, bad).failures} == {
        "kind",
        "meshId",
        "clusterId",
        "regionId",
    }
    assert p.check({}, props(meshId=rpc.UNKNOWN, clusterId=Unknown())).failures == []


# ------------------------------------------------------------------------------------------
# pickling, client, args


def test_the_provider_pickles_by_reference_and_the_default_client_is_the_sdks() -> None:
    blob = base64.b64decode(
        serialize_provider(
            MeshMembershipProvider(fakes_asm.process_factory, poll_interval=1.0, sleep=None)
        )
    )
    restored = dill.loads(blob)
    assert isinstance(restored, MeshMembershipProvider)
    restored.create(props(clusterId="c-c"))
    assert "c-c" in fakes_asm.PROCESS_FAKE.members[MESH]
    client = build_asm_client(Credentials("id", "secret"), "cn-shanghai")
    assert type(client).__module__ == "alibabacloud_servicemesh20200111.client"
    assert "servicemesh" in client._endpoint  # type: ignore[attr-defined]


def test_args_report_every_problem_at_once() -> None:
    with pytest.raises(MeshMembershipError) as err:
        MeshMembershipArgs(mesh_id=" ", cluster_id=None, region="Hangzhou")  # type: ignore[arg-type]
    assert [p.path for p in err.value.problems] == ["mesh_id", "cluster_id", "region"]
