"""merge_kubeconfigs (pure) and merged_kubeconfig_output (secret Output) for path (4)."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from meshfleet.components.kubeconfig import (
    KubeconfigError,
    merge_kubeconfigs,
    merged_kubeconfig_output,
)

FLEET_CA, FLEET_CERT, FLEET_KEY = "RkxFRVQtQ0E=", "RkxFRVQtQ0VSVA==", "RkxFRVQtS0VZ"
MESH_CA, MESH_CERT, MESH_KEY = "TUVTSC1DQQ==", "TUVTSC1DRVJU", "TUVTSC1LRVk="


def kubeconfig(
    server: str, ca: str, cert: str, key: str, *, context: str, user: str, **extra: Any
) -> str:
    """Shaped like ACK's kubeconfigs: cluster "kubernetes", context and user named per account."""
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {"name": "kubernetes", "cluster": {"server": server, "certificate-authority-data": ca}}
        ],
        "contexts": [{"name": context, "context": {"cluster": "kubernetes", "user": user}}],
        "current-context": context,
        "users": [
            {"name": user, "user": {"client-certificate-data": cert, "client-key-data": key}}
        ],
        "preferences": {},
    }
    doc.update(extra)
    return yaml.safe_dump(doc)


# Both name their cluster "kubernetes" and the same user: the collision the merge must resolve.
FLEET_KC = kubeconfig(
    "https://192.168.8.10:6443", FLEET_CA, FLEET_CERT, FLEET_KEY, context="2760-c1", user="2760"
)
MESH_KC = kubeconfig(
    "https://10.1.0.5:6443", MESH_CA, MESH_CERT, MESH_KEY, context="2760-asm", user="2760"
)


def test_merge_gives_one_context_cluster_and_user_per_side_current_is_the_fleet() -> None:
    merged = yaml.safe_load(
        merge_kubeconfigs(FLEET_KC, MESH_KC, fleet_context="fleet", mesh_context="mesh")
    )
    assert merged["current-context"] == "fleet"
    assert merged["contexts"] == [
        {"name": "fleet", "context": {"cluster": "fleet", "user": "fleet"}},
        {"name": "mesh", "context": {"cluster": "mesh", "user": "mesh"}},
    ]
    assert merged["clusters"] == [
        {
            "name": "fleet",
            "cluster": {
                "server": "https://192.168.8.10:6443",
                "certificate-authority-data": FLEET_CA,
            },
        },
        {
            "name": "mesh",
            "cluster": {"server": "https://10.1.0.5:6443", "certificate-authority-data": MESH_CA},
        },
    ]
    assert merged["users"] == [
        {
            "name": "fleet",
            "user": {"client-certificate-data": FLEET_CERT, "client-key-data": FLEET_KEY},
        },
        {
            "name": "mesh",
            "user": {"client-certificate-data": MESH_CERT, "client-key-data": MESH_KEY},
        },
    ]
    assert (merged["apiVersion"], merged["kind"]) == ("v1", "Config")


def test_merge_keeps_the_active_context_and_its_namespace_among_several() -> None:
    doc = yaml.safe_load(MESH_KC)
    doc["clusters"].append({"name": "other", "cluster": {"server": "https://10.9.9.9:6443"}})
    doc["contexts"] = [
        {"name": "other", "context": {"cluster": "other", "user": "2760"}},
        {
            "name": "asm",
            "context": {"cluster": "kubernetes", "user": "2760", "namespace": "istio-system"},
        },
    ]
    doc["current-context"] = "asm"
    merged = yaml.safe_load(
        merge_kubeconfigs(FLEET_KC, yaml.safe_dump(doc), fleet_context="f", mesh_context="m")
    )
    assert merged["contexts"][1] == {
        "name": "m",
        "context": {"cluster": "m", "user": "m", "namespace": "istio-system"},
    }
    assert merged["clusters"][1]["cluster"]["server"] == "https://10.1.0.5:6443"


def test_a_single_context_is_used_without_current_context() -> None:
    doc = yaml.safe_load(MESH_KC)
    del doc["current-context"]
    merged = yaml.safe_load(
        merge_kubeconfigs(FLEET_KC, yaml.safe_dump(doc), fleet_context="f", mesh_context="m")
    )
    assert merged["users"][1]["user"]["client-key-data"] == MESH_KEY


def test_every_problem_of_both_inputs_is_reported_at_once_without_secrets() -> None:
    ambiguous = yaml.safe_load(FLEET_KC)
    ambiguous["contexts"].append(
        {"name": "b", "context": {"cluster": "kubernetes", "user": "2760"}}
    )
    del ambiguous["current-context"]
    dangling = yaml.safe_load(MESH_KC)
    dangling["contexts"][0]["context"]["user"] = "nobody"
    with pytest.raises(KubeconfigError) as err:
        merge_kubeconfigs(
            yaml.safe_dump(ambiguous), yaml.safe_dump(dangling), fleet_context="x", mesh_context="x"
        )
    assert [(p.path, p.value) for p in err.value.problems] == [
        ("mesh_context", "x"),
        ("fleet_kubeconfig.current-context", None),
        ("mesh_kubeconfig.contexts[2760-asm].context.user", "nobody"),
    ]
    for secret in (FLEET_KEY, MESH_KEY, FLEET_CERT, MESH_CERT):
        assert secret not in str(err.value)


@pytest.mark.parametrize(
    ("text", "path", "fragment"),
    [
        ("", "mesh_kubeconfig", "must be a kubeconfig document"),
        ("- a\n- b\n", "mesh_kubeconfig", "must be a YAML mapping"),
        (
            "users: [{name: u, user: {token: " + MESH_KEY + "}}]\nclusters: [",
            "mesh_kubeconfig",
            "is not valid YAML at line",
        ),
        ("contexts: []\nclusters: []\nusers: []\n", "mesh_kubeconfig.contexts", "non-empty list"),
        (
            MESH_KC.replace("current-context: 2760-asm", "current-context: gone"),
            "mesh_kubeconfig.current-context",
            "names no entry of contexts",
        ),
    ],
)
def test_unreadable_mesh_kubeconfigs_are_named_by_path(text: str, path: str, fragment: str) -> None:
    with pytest.raises(KubeconfigError) as err:
        merge_kubeconfigs(FLEET_KC, text, fleet_context="fleet", mesh_context="mesh")
    first = err.value.problems[0]  # empty lists: contexts, clusters and users all reported
    assert first.path == path and fragment in first.message
    assert all(p.path.startswith("mesh_kubeconfig") for p in err.value.problems)
    assert MESH_KEY not in str(err.value)


@pytest.mark.parametrize("bad", ["", "has space", "-leading", None])
def test_context_names_are_checked(bad: Any) -> None:
    with pytest.raises(KubeconfigError) as err:
        merge_kubeconfigs(FLEET_KC, MESH_KC, fleet_context=bad, mesh_context="mesh")
    assert [p.path for p in err.value.problems] == ["fleet_context"]


_names = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._@:-]{0,30}", fullmatch=True)


@given(fleet=_names, mesh=_names)
def test_any_two_distinct_names_give_exactly_those_contexts(fleet: str, mesh: str) -> None:
    if fleet == mesh:
        with pytest.raises(KubeconfigError):
            merge_kubeconfigs(FLEET_KC, MESH_KC, fleet_context=fleet, mesh_context=mesh)
        return
    merged = yaml.safe_load(
        merge_kubeconfigs(FLEET_KC, MESH_KC, fleet_context=fleet, mesh_context=mesh)
    )
    assert [c["name"] for c in merged["contexts"]] == [fleet, mesh]
    assert [c["name"] for c in merged["clusters"]] == [fleet, mesh]
    assert [u["name"] for u in merged["users"]] == [fleet, mesh]
    assert merged["current-context"] == fleet
    assert merged["contexts"][1]["context"] == {"cluster": mesh, "user": mesh}


# ------------------------------------------------------------------------------------------
# merged_kubeconfig_output under Pulumi mocks


class _Mocks(pulumi.runtime.Mocks):
    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list | None]:
        raise AssertionError(f"unexpected invoke {args.token}")


@pytest.fixture
def mocks() -> None:
    pulumi.runtime.set_mocks(_Mocks(), project="meshfleet", stack="example", preview=False)


@pulumi.runtime.test
def test_the_output_is_secret_even_from_plain_inputs(mocks: None) -> Any:
    out = merged_kubeconfig_output(
        pulumi.Output.from_input(FLEET_KC),
        pulumi.Output.from_input(MESH_KC),
        fleet_context="fleet",
        mesh_context="mesh",
    )

    async def check() -> None:
        assert await out.is_secret()
        text = await out.future()
        assert text == merge_kubeconfigs(
            FLEET_KC, MESH_KC, fleet_context="fleet", mesh_context="mesh"
        )

    return pulumi.Output.from_input(check())


@pulumi.runtime.test
def test_the_output_stays_secret_and_unknown_while_an_input_is_unknown(mocks: None) -> Any:
    unknown: pulumi.Output[str] = pulumi.Output(set(), _done(None), _done(False), _done(False))
    out = merged_kubeconfig_output(
        pulumi.Output.secret(FLEET_KC), unknown, fleet_context="fleet", mesh_context="mesh"
    )

    async def check() -> None:
        assert await out.is_secret()
        assert not await out.is_known()

    return pulumi.Output.from_input(check())


def test_bad_context_names_fail_before_any_output_resolves() -> None:
    with pytest.raises(KubeconfigError, match="must differ"):
        merged_kubeconfig_output(
            pulumi.Output.from_input(FLEET_KC),
            pulumi.Output.from_input(MESH_KC),
            fleet_context="same",
            mesh_context="same",
        )


def _done(value: Any) -> Any:
    import asyncio

    fut = asyncio.get_event_loop().create_future()
    fut.set_result(value)
    return fut
