"""FleetFeaturesProvider against a fake adcp API, and FleetFeatures under Pulumi mocks."""

from __future__ import annotations

import base64
from typing import Any

import dill
import pulumi
import pulumi_alicloud as alicloud
import pytest
import yaml
from alibabacloud_adcp20220101 import models as adcp
from pulumi.dynamic import Config as DynamicConfig
from pulumi.dynamic import ConfigureRequest
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.output import Unknown
from pulumi.runtime import rpc

from meshfleet.components.alibaba_api import Credentials, resolve_credentials
from meshfleet.components.fleet_features import (
    INPUT_KEYS,
    KIND,
    AdcpApiError,
    FleetFeatures,
    FleetFeaturesArgs,
    FleetFeaturesError,
    FleetFeaturesProvider,
    MeshBindingError,
    build_adcp_client,
)
from tests.components.fakes_adcp import (
    INTRANET,
    PUBLIC,
    FakeAdcp,
    api_error,
    throttling,
    throttling_with_retry_after,
)
from tests.components.stacks import RecordingMonitor

FLEET = "c-fleet0001"
MESH = "asm-0001"
SECRET_AK = "LTAI-TEST-ACCESS-KEY-ID-7f3a"
SECRET_SK = "TEST-SECRET-KEY-d41d8cd98f00b204"
SECRET_TOKEN = "TEST-STS-TOKEN-0a1b2c3d"

UPDATE = "UpdateHubClusterFeature"
DETAILS = "DescribeHubClusterDetails"
KUBECONFIG = "DescribeHubClusterKubeconfig"


def props(**overrides: Any) -> dict[str, Any]:
    """Resource inputs as the engine hands them to the provider (docs/contracts.md)."""
    base: dict[str, Any] = {
        "kind": KIND,
        "fleetId": FLEET,
        "regionId": "cn-hangzhou",
        "meshId": MESH,
        "enableMesh": True,
        "publicApiServerEnabled": False,
        "deletionProtection": True,
        "privateKubeconfig": True,
    }
    base.update(overrides)
    return base


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def provider(fake: FakeAdcp, sleeps: Sleeps | None = None, **kw: Any) -> FleetFeaturesProvider:
    return FleetFeaturesProvider(
        fake.factory(), sleep=sleeps if sleeps is not None else Sleeps(), **kw
    )


def created(fake: FakeAdcp, **overrides: Any) -> dict[str, Any]:
    """Outputs of a successful create, then a clean call log."""
    outs = provider(fake).create(props(**overrides)).outs
    assert outs is not None
    fake.calls.clear()
    return outs


# ------------------------------------------------------------------------------------------
# create


def test_create_enables_mesh_and_protection_and_fetches_the_intranet_kubeconfig() -> None:
    fake = FakeAdcp()
    result = provider(fake).create(props())

    # Deletion protection in a call of its own, only once the binding is verified.
    assert fake.actions() == [DETAILS, UPDATE, DETAILS, UPDATE, KUBECONFIG]
    # Wire shapes: the SDK request models' own to_map().
    assert fake.requests(UPDATE) == [
        {"ClusterId": FLEET, "EnableMesh": True},
        {"ClusterId": FLEET, "DeletionProtection": True},
    ]
    assert fake.requests(KUBECONFIG) == [{"ClusterId": FLEET, "PrivateIpAddress": True}]
    assert {region for _, region in fake.clients} == {"cn-hangzhou"}
    assert result.id == FLEET
    outs = result.outs or {}
    assert yaml.safe_load(outs["kubeconfig"])["clusters"][0]["cluster"]["server"] == INTRANET
    assert outs["boundMeshId"] == MESH
    assert outs["apiServerEndpoint"] == INTRANET
    assert {k: outs[k] for k in props()} == props()
    assert (fake.enable_mesh, fake.deletion_protection, fake.public) == (True, True, False)


def test_create_public_mode_sends_the_eip_and_fetches_the_public_kubeconfig() -> None:
    fake = FakeAdcp()
    outs = (
        provider(fake)
        .create(
            props(publicApiServerEnabled=True, privateKubeconfig=False, apiServerEipId="eip-42")
        )
        .outs
        or {}
    )
    assert fake.requests(UPDATE) == [
        {
            "ClusterId": FLEET,
            "EnableMesh": True,
            "PublicApiServerEnabled": True,
            "ApiServerEipId": "eip-42",
        },
        {"ClusterId": FLEET, "DeletionProtection": True},
    ]
    assert fake.requests(KUBECONFIG) == [{"ClusterId": FLEET, "PrivateIpAddress": False}]
    assert yaml.safe_load(outs["kubeconfig"])["clusters"][0]["cluster"]["server"] == PUBLIC
    assert outs["apiServerEndpoint"] == PUBLIC
    assert fake.eip_id == "eip-42"


def test_create_does_not_resend_a_mesh_already_bound_to_the_declared_instance() -> None:
    fake = FakeAdcp()
    fake.enable_mesh, fake.mesh_id = True, MESH
    provider(fake).create(props())
    assert fake.requests(UPDATE) == [{"ClusterId": FLEET, "DeletionProtection": True}]


def test_create_refuses_a_fleet_bound_to_another_mesh_without_changing_it() -> None:
    fake = FakeAdcp()
    fake.enable_mesh, fake.mesh_id = True, "asm-other"
    with pytest.raises(MeshBindingError) as err:
        provider(fake).create(props())
    assert "asm-other" in str(err.value) and MESH in str(err.value)
    assert UPDATE not in fake.actions()


def test_create_fails_when_the_service_binds_another_mesh_and_rolls_back() -> None:
    fake = FakeAdcp(binds_mesh="asm-chosen-by-service")
    with pytest.raises(MeshBindingError) as err:
        provider(fake).create(props())
    assert err.value.problems[0].value == "asm-chosen-by-service"
    assert repr(MESH) in str(err.value)
    # Issue 12 item 9: never a protected Fleet with a mesh nobody declared. What the call
    # switched on is switched back, and protection was never sent.
    assert fake.requests(UPDATE) == [
        {"ClusterId": FLEET, "EnableMesh": True},
        {"ClusterId": FLEET, "EnableMesh": False},
    ]
    assert (fake.enable_mesh, fake.deletion_protection) == (False, False)


def test_a_failed_rollback_is_reported_with_what_to_switch_back() -> None:
    fake = FakeAdcp(binds_mesh="asm-chosen-by-service")
    fake.fail_next(UPDATE, *[])  # the first update succeeds
    real = fake.update_hub_cluster_feature
    sent: list[Any] = []

    def second_fails(request: adcp.UpdateHubClusterFeatureRequest) -> Any:
        sent.append(request)
        if len(sent) == 2:
            fake.fail_next(UPDATE, api_error("Forbidden.RAM", "no permission"))
        return real(request)

    fake.update_hub_cluster_feature = second_fails  # type: ignore[method-assign]
    with pytest.raises(FleetFeaturesError) as err:
        provider(fake).create(props())
    paths = [p.path for p in err.value.problems]
    assert paths[-1] == "rollback" and "by hand" in str(err.value)
    assert "MeshConfig.MeshId" in paths[0] and fake.deletion_protection is False


def test_mode_fleet_takes_the_mesh_the_fleet_reports() -> None:
    fake = FakeAdcp(binds_mesh="asm-made-by-ackone")
    inputs = {k: v for k, v in props().items() if k != "meshId"}  # None never reaches the wire
    outs = provider(fake).create(inputs).outs or {}
    assert outs["boundMeshId"] == "asm-made-by-ackone" and "meshId" not in outs
    assert fake.requests(UPDATE) == [
        {"ClusterId": FLEET, "EnableMesh": True},
        {"ClusterId": FLEET, "DeletionProtection": True},
    ]
    # A refresh keeps no meshId either: nothing was declared, so nothing drifts.
    live = provider(fake).read(FLEET, outs).outs or {}
    assert "meshId" not in live
    assert FleetFeaturesProvider().diff(FLEET, live, inputs).changes is False


def test_create_waits_for_the_asynchronous_mesh_binding() -> None:
    fake, sleeps = FakeAdcp(mesh_reported_after=3), Sleeps()
    outs = provider(fake, sleeps, mesh_check_interval=7.0).create(props()).outs or {}
    assert outs["boundMeshId"] == MESH
    assert fake.actions().count(DETAILS) == 1 + 4  # pre-check, then 3 silent + 1 reporting
    assert sleeps == [7.0, 7.0, 7.0]


def test_create_gives_up_waiting_for_the_binding_after_mesh_checks() -> None:
    fake, sleeps = FakeAdcp(mesh_reported_after=50), Sleeps()
    with pytest.raises(MeshBindingError, match="after 5 checks"):
        provider(fake, sleeps, mesh_checks=5, mesh_check_interval=2.0).create(props())
    assert fake.actions().count(DETAILS) == 1 + 5
    assert sleeps == [2.0] * 4
    assert fake.requests(UPDATE)[-1] == {"ClusterId": FLEET, "EnableMesh": False}
    assert fake.deletion_protection is False


def test_create_without_mesh_only_sets_protection() -> None:
    fake = FakeAdcp()  # mesh mode standalone: the Fleet's own mesh stays off
    outs = provider(fake).create(props(enableMesh=False, meshId=None)).outs or {}
    assert fake.requests(UPDATE) == [{"ClusterId": FLEET, "DeletionProtection": True}]
    assert outs["boundMeshId"] == ""


def test_create_rejects_bad_inputs_before_any_call() -> None:
    fake = FakeAdcp()
    with pytest.raises(FleetFeaturesError) as err:
        provider(fake).create(props(regionId="Hangzhou", enableMesh="yes", fleetId=""))
    paths = {p.path for p in err.value.problems}
    assert paths == {"regionId", "enableMesh", "fleetId"}
    assert fake.calls == []


# ------------------------------------------------------------------------------------------
# diff


@pytest.mark.parametrize(
    ("change", "replaces", "delete_first"),
    [
        ({"enableMesh": False}, [], False),
        ({"deletionProtection": False}, [], False),
        ({"publicApiServerEnabled": True, "privateKubeconfig": False}, [], False),
        ({"meshId": "asm-0002"}, [], False),
        ({"fleetId": "c-fleet0002"}, ["fleetId"], False),
        ({"regionId": "cn-shanghai"}, ["regionId"], True),
        ({"fleetId": rpc.UNKNOWN}, ["fleetId"], False),
        ({"fleetId": Unknown()}, ["fleetId"], False),  # as the provider server hands it over
    ],
)
def test_diff_reports_changes_and_replaces_only_for_fleet_or_region(
    change: dict[str, Any], replaces: list[str], delete_first: bool
) -> None:
    olds = {**props(), "kubeconfig": "x", "boundMeshId": MESH, "apiServerEndpoint": INTRANET}
    result = FleetFeaturesProvider().diff(FLEET, olds, props(**change))
    assert result.changes is True
    assert result.replaces == replaces
    assert result.delete_before_replace is delete_first


def test_diff_ignores_outputs_and_the_provider_blob() -> None:
    olds = {**props(), "kubeconfig": "old", "boundMeshId": MESH, "__provider": "a"}
    result = FleetFeaturesProvider().diff(FLEET, olds, {**props(), "__provider": "b"})
    assert result.changes is False and result.replaces == []


# ------------------------------------------------------------------------------------------
# update


def test_update_sends_only_the_changed_feature() -> None:
    fake = FakeAdcp()
    olds = created(fake)
    outs = provider(fake).update(FLEET, olds, props(deletionProtection=False)).outs or {}
    assert fake.requests(UPDATE) == [{"ClusterId": FLEET, "DeletionProtection": False}]
    assert outs["deletionProtection"] is False and fake.deletion_protection is False
    assert fake.enable_mesh is True


def test_update_to_public_switches_the_endpoint_and_the_kubeconfig() -> None:
    fake = FakeAdcp()
    olds = created(fake)
    news = props(publicApiServerEnabled=True, privateKubeconfig=False)
    outs = provider(fake).update(FLEET, olds, news).outs or {}
    assert fake.requests(UPDATE) == [{"ClusterId": FLEET, "PublicApiServerEnabled": True}]
    assert fake.requests(KUBECONFIG) == [{"ClusterId": FLEET, "PrivateIpAddress": False}]
    assert outs["apiServerEndpoint"] == PUBLIC and outs["privateKubeconfig"] is False


def test_update_turning_the_mesh_off_sends_enable_mesh_false_and_skips_the_binding_check() -> None:
    fake = FakeAdcp()
    olds = created(fake)
    outs = provider(fake).update(FLEET, olds, props(enableMesh=False, meshId=None)).outs or {}
    assert fake.requests(UPDATE) == [{"ClusterId": FLEET, "EnableMesh": False}]
    assert outs["boundMeshId"] == "" and fake.enable_mesh is False


def test_update_of_mesh_id_alone_sends_nothing_and_verifies_the_binding() -> None:
    fake = FakeAdcp()
    olds = created(fake)
    fake.mesh_id = "asm-0002"  # the declared mesh changed and the Fleet is bound to it
    outs = provider(fake).update(FLEET, olds, props(meshId="asm-0002")).outs or {}
    assert UPDATE not in fake.actions()
    assert outs["meshId"] == "asm-0002" == outs["boundMeshId"]

    with pytest.raises(MeshBindingError):
        provider(fake).update(FLEET, olds, props(meshId="asm-0003"))


def test_update_protection_off_goes_first_and_on_goes_after_the_binding() -> None:
    fake = FakeAdcp(binds_mesh="asm-wrong")
    olds = created(fake, enableMesh=False, meshId=None, deletionProtection=True)
    # Turning the mesh on fails its binding: protection is switched off first, the mesh back.
    with pytest.raises(MeshBindingError):
        provider(fake).update(FLEET, olds, props(deletionProtection=False))
    assert fake.requests(UPDATE) == [
        {"ClusterId": FLEET, "DeletionProtection": False},
        {"ClusterId": FLEET, "EnableMesh": True},
        {"ClusterId": FLEET, "EnableMesh": False},
    ]
    fake.calls.clear()
    olds = created(fake, enableMesh=False, meshId=None, deletionProtection=False)
    with pytest.raises(MeshBindingError):
        provider(fake).update(FLEET, olds, props(deletionProtection=True))
    assert fake.requests(UPDATE) == [
        {"ClusterId": FLEET, "EnableMesh": True},
        {"ClusterId": FLEET, "EnableMesh": False},
    ]
    assert fake.deletion_protection is False  # never switched on: the binding failed first


# ------------------------------------------------------------------------------------------
# read


def test_read_refreshes_from_describe_details_and_exposes_drift() -> None:
    fake = FakeAdcp()
    outs = created(fake)
    fake.enable_mesh, fake.mesh_id = False, ""  # someone disabled the mesh in the console
    fake.public, fake.eip_id = True, "eip-manual"
    result = provider(fake).read(FLEET, outs)
    assert fake.actions() == [DETAILS, KUBECONFIG]
    assert result.id == FLEET
    live = result.outs or {}
    assert live["enableMesh"] is False and live["boundMeshId"] == ""
    assert live["publicApiServerEnabled"] is True and live["privateKubeconfig"] is False
    assert live["deletionProtection"] is True  # not reported by the API: state stands
    diff = FleetFeaturesProvider().diff(FLEET, live, props())
    assert diff.changes is True and diff.replaces == []


def test_read_reports_a_rebinding_as_a_mesh_id_change() -> None:
    fake = FakeAdcp()
    outs = created(fake)
    fake.mesh_id = "asm-elsewhere"
    live = provider(fake).read(FLEET, outs).outs or {}
    assert live["meshId"] == "asm-elsewhere"
    assert FleetFeaturesProvider().diff(FLEET, live, props()).changes is True


def test_read_of_a_vanished_fleet_returns_no_id() -> None:
    fake = FakeAdcp()
    outs = created(fake)
    fake.exists = False
    result = provider(fake).read(FLEET, outs)
    assert result.id == "" and result.outs == {}


# ------------------------------------------------------------------------------------------
# delete


def test_delete_restores_the_defaults_it_changed_so_the_fleet_stays_deletable() -> None:
    fake = FakeAdcp()
    outs = created(fake)
    provider(fake).delete(FLEET, outs)
    # Protection first, in a call of its own: the Fleet is deletable even if the rest fails.
    assert fake.requests(UPDATE) == [
        {"ClusterId": FLEET, "DeletionProtection": False},
        {"ClusterId": FLEET, "EnableMesh": False},
    ]
    assert (fake.enable_mesh, fake.deletion_protection, fake.public) == (False, False, False)


def test_delete_in_public_mode_also_removes_the_public_endpoint() -> None:
    fake = FakeAdcp()
    outs = created(fake, publicApiServerEnabled=True, privateKubeconfig=False)
    provider(fake).delete(FLEET, outs)
    assert fake.requests(UPDATE) == [
        {"ClusterId": FLEET, "DeletionProtection": False},
        {"ClusterId": FLEET, "EnableMesh": False, "PublicApiServerEnabled": False},
    ]


def test_delete_with_every_feature_at_its_default_calls_nothing() -> None:
    fake = FakeAdcp()
    outs = created(fake, enableMesh=False, meshId=None, deletionProtection=False)
    provider(fake).delete(FLEET, outs)
    assert fake.calls == []


def test_delete_of_a_vanished_fleet_succeeds_but_other_errors_fail() -> None:
    fake = FakeAdcp()
    outs = created(fake)
    fake.exists = False
    provider(fake).delete(FLEET, outs)  # ErrorClusterNotFound: nothing left to restore
    fake.exists = True
    fake.fail_next(UPDATE, api_error("Forbidden.RAM", "no permission"))
    with pytest.raises(AdcpApiError, match="Forbidden.RAM"):
        provider(fake).delete(FLEET, outs)


# ------------------------------------------------------------------------------------------
# errors and throttling


def test_an_api_error_surfaces_its_code_message_and_request_id_without_retry() -> None:
    fake, sleeps = FakeAdcp(), Sleeps()
    fake.fail_next(UPDATE, api_error("Forbidden.RAM", "User not authorized to operate."))
    with pytest.raises(AdcpApiError) as err:
        provider(fake, sleeps).create(props())
    assert err.value.code == "Forbidden.RAM"
    assert err.value.action == UPDATE and err.value.attempts == 1
    text = str(err.value)
    assert "Forbidden.RAM" in text and "User not authorized to operate." in text
    assert "REQ-Forbidden.RAM" in text and FLEET in text
    assert fake.actions().count(UPDATE) == 1 and sleeps == []


def test_server_errors_are_not_retried() -> None:
    fake, sleeps = FakeAdcp(), Sleeps()
    fake.fail_next(DETAILS, api_error("InternalError", "boom", status=500))
    with pytest.raises(AdcpApiError, match="InternalError"):
        provider(fake, sleeps).create(props())
    assert fake.actions() == [DETAILS] and sleeps == []


@pytest.mark.parametrize(
    "error", [throttling(), throttling("Throttling"), throttling_with_retry_after()]
)
def test_throttling_is_retried_with_backoff_then_succeeds(error: Exception) -> None:
    fake, sleeps = FakeAdcp(), Sleeps()
    fake.fail_next(UPDATE, error, error)
    outs = provider(fake, sleeps, base_delay=0.5).create(props()).outs or {}
    assert fake.actions().count(UPDATE) == 3 + 1  # two throttled, then through; protection
    assert sleeps == [0.5, 1.0]
    assert outs["boundMeshId"] == MESH


def test_throttling_gives_up_after_max_attempts_with_capped_backoff() -> None:
    fake, sleeps = FakeAdcp(), Sleeps()
    fake.fail_always(UPDATE, throttling())
    with pytest.raises(AdcpApiError) as err:
        provider(fake, sleeps, max_attempts=5, base_delay=1.0, max_delay=3.0).create(props())
    assert err.value.code == "Throttling.User" and err.value.attempts == 5
    assert "after 5 attempts" in str(err.value)
    assert fake.actions().count(UPDATE) == 5
    assert sleeps == [1.0, 2.0, 3.0, 3.0]


def test_a_response_without_kubeconfig_is_an_error() -> None:
    fake = FakeAdcp()

    def empty(request: adcp.DescribeHubClusterKubeconfigRequest) -> Any:
        fake.calls.append((KUBECONFIG, request.to_map()))
        return adcp.DescribeHubClusterKubeconfigResponse().from_map(
            {"headers": {}, "statusCode": 200, "body": {"RequestId": "REQ-E"}}
        )

    fake.describe_hub_cluster_kubeconfig = empty  # type: ignore[method-assign]
    with pytest.raises(AdcpApiError, match="no Kubeconfig"):
        provider(fake).create(props())


# ------------------------------------------------------------------------------------------
# check


def test_check_lists_every_bad_input_and_lets_unknowns_through() -> None:
    p = FleetFeaturesProvider()
    bad = props(kind="x", meshId=3, deletionProtection="true", privateKubeconfig=False)
    failures = p.check({}, bad).failures
    assert {f.property for f in failures} == {
        "kind",
        "meshId",
        "deletionProtection",
        "privateKubeconfig",
    }
    preview = props(fleetId=rpc.UNKNOWN, meshId=rpc.UNKNOWN)
    assert p.check({}, preview).failures == []
    assert p.check({}, props(fleetId=Unknown(), meshId=Unknown())).failures == []
    eip_without_public = props(apiServerEipId="eip-1")
    assert [f.property for f in p.check({}, eip_without_public).failures] == ["apiServerEipId"]


# ------------------------------------------------------------------------------------------
# credentials and pickling


def test_credentials_come_from_stack_config_then_alicloud_env_then_alibaba_env() -> None:
    env = {
        "ALICLOUD_ACCESS_KEY": "env-id",
        "ALICLOUD_SECRET_KEY": "env-secret",
        "ALIBABA_CLOUD_ACCESS_KEY_ID": "std-id",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "std-secret",
        "ALIBABA_CLOUD_SECURITY_TOKEN": "std-token",
    }
    config = {"alicloud:accessKey": "cfg-id", "alicloud:secretKey": "cfg-secret"}
    assert resolve_credentials(config, env) == Credentials(
        "cfg-id", "cfg-secret", None, "stack config alicloud:accessKey/secretKey"
    )
    got = resolve_credentials({}, env)
    assert got is not None and (got.access_key_id, got.access_key_secret) == (
        "env-id",
        "env-secret",
    )
    std = {k: v for k, v in env.items() if k.startswith("ALIBABA")}
    got = resolve_credentials({}, std)
    assert got is not None and got.security_token == "std-token"
    # Half a pair is no pair: never mix an id from one source with a secret from another.
    assert (
        resolve_credentials({"alicloud:accessKey": "cfg-id"}, {"ALICLOUD_SECRET_KEY": "s"}) is None
    )
    assert "cfg-secret" not in repr(resolve_credentials(config, {}))


def test_configure_feeds_the_stack_config_credentials_to_the_client_factory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for var in (
        "ALICLOUD_ACCESS_KEY",
        "ALICLOUD_SECRET_KEY",
        "ALIBABA_CLOUD_ACCESS_KEY_ID",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
    ):
        monkeypatch.delenv(var, raising=False)
    fake = FakeAdcp()
    p = provider(fake)
    request = ConfigureRequest(
        DynamicConfig(
            {
                "alicloud:accessKey": SECRET_AK,
                "alicloud:secretKey": SECRET_SK,
                "alicloud:securityToken": SECRET_TOKEN,
                "alicloud:region": "cn-beijing",
                "meshfleet:fleet": "{}",
            },
            "meshfleet",
        )
    )
    p.configure(request)
    p.create(props(regionId="cn-shanghai"))
    credentials, region = fake.clients[0]
    assert credentials is not None
    assert (
        credentials.access_key_id,
        credentials.access_key_secret,
        credentials.security_token,
    ) == (SECRET_AK, SECRET_SK, SECRET_TOKEN)
    assert region == "cn-shanghai"  # the Fleet's region picks the endpoint, not alicloud:region

    # A configured provider pickled again (as the state would hold it) carries no credentials.
    # (A fresh one: the fake's factory closure records credentials by design.)
    configured = FleetFeaturesProvider()
    configured.configure(request)
    assert SECRET_SK in configured._stack_config.values()
    blob = base64.b64decode(serialize_provider(configured))
    for secret in (SECRET_AK, SECRET_SK, SECRET_TOKEN):
        assert secret.encode() not in blob


def test_the_provider_pickles_and_the_default_factory_builds_the_sdk_client() -> None:
    restored = dill.loads(base64.b64decode(serialize_provider(FleetFeaturesProvider())))
    assert isinstance(restored, FleetFeaturesProvider)
    client = build_adcp_client(Credentials("id", "secret"), "cn-shanghai")
    assert type(client).__module__ == "alibabacloud_adcp20220101.client"
    assert client._endpoint == "adcp.cn-shanghai.aliyuncs.com"  # type: ignore[attr-defined]
    default_chain = build_adcp_client(None, "cn-hangzhou")
    assert default_chain._endpoint == "adcp.cn-hangzhou.aliyuncs.com"  # type: ignore[attr-defined]


# ------------------------------------------------------------------------------------------
# FleetFeaturesArgs


def test_args_report_every_problem_at_once() -> None:
    with pytest.raises(FleetFeaturesError) as err:
        FleetFeaturesArgs(
            fleet_id="",
            region="Hangzhou",
            mesh_id=" ",
            enable_mesh="yes",  # type: ignore[arg-type]
            api_server_eip_id="eip-1",
        )
    assert [p.path for p in err.value.problems] == [
        "fleet_id",
        "mesh_id",
        "region",
        "enable_mesh",
        "api_server_eip_id",
    ]


# ------------------------------------------------------------------------------------------
# Under Pulumi mocks: what the program registers


class Mocks(pulumi.runtime.Mocks):
    def __init__(self, preview: bool) -> None:
        self.preview = preview

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict]:
        if args.typ == "pulumi-python:dynamic:Resource":
            outs = dict(args.inputs)
            outs.update(kubeconfig="apiVersion: v1", boundMeshId=MESH, apiServerEndpoint=INTRANET)
            return (None if self.preview else FLEET), outs
        ids = {
            "alicloud:ackone/cluster:Cluster": FLEET,
            "alicloud:servicemesh/serviceMesh:ServiceMesh": MESH,
        }
        rid = ids.get(args.typ, f"{args.name}-id")
        return (None if self.preview else rid), dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list | None]:
        raise AssertionError(f"unexpected invoke {args.token}")


@pytest.fixture(params=[False, True], ids=["apply", "preview"])
def monitor(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> RecordingMonitor:
    # Credentials present in the program's environment must not reach inputs or the pickle.
    monkeypatch.setenv("ALICLOUD_ACCESS_KEY", SECRET_AK)
    monkeypatch.setenv("ALICLOUD_SECRET_KEY", SECRET_SK)
    monkeypatch.setenv("ALICLOUD_SECURITY_TOKEN", SECRET_TOKEN)
    mocks = Mocks(preview=request.param)
    mon = RecordingMonitor(mocks)
    pulumi.runtime.set_mocks(
        mocks, project="meshfleet", stack="example", preview=request.param, monitor=mon
    )
    return mon


def _program() -> tuple[FleetFeatures, list[pulumi.Resource]]:
    fleet = alicloud.ackone.Cluster(
        "fleet", network={"vpc_id": "vpc-1", "vswitches": ["vsw-1"]}, cluster_name="fleet"
    )
    mesh = alicloud.servicemesh.ServiceMesh(
        "mesh", network={"vpc_id": "vpc-1", "vswitche_list": "vsw-1"}, cluster_ids=["ack-1"]
    )
    members = [
        alicloud.ackone.MembershipAttachment(
            f"member-{n}", cluster_id=fleet.id, sub_cluster_id=f"ack-{n}"
        )
        for n in (1, 2, 3)
    ]
    features = FleetFeatures(
        "fleet-features",
        FleetFeaturesArgs(
            fleet_id=fleet.id, region="cn-hangzhou", mesh_id=mesh.id, enable_mesh=True
        ),
        pulumi.ResourceOptions(depends_on=members),
    )
    return features, [fleet, mesh, *members]


def _urn(resource: pulumi.Resource) -> Any:
    return resource.urn.future()


@pulumi.runtime.test
def test_registers_c3_inputs_after_fleet_mesh_and_every_membership(
    monitor: RecordingMonitor,
) -> Any:
    features, deps = _program()

    async def check() -> None:
        await _urn(features)  # registered: its request is in the log
        fleet_urn, mesh_urn, *member_urns = [await _urn(r) for r in deps]
        (req,) = [r for r in monitor.requests if r.name == "fleet-features"]
        assert req.type == "pulumi-python:dynamic:Resource" and req.custom
        inputs = rpc.deserialize_properties(req.object, keep_unknowns=True)
        assert set(inputs) == {k for k in INPUT_KEYS if k != "apiServerEipId"} | {"__provider"}
        preview = monitor.mocks.preview  # type: ignore[attr-defined]
        # On the wire (what the engine and the policy pack see) an unknown id is the sentinel.
        wire_ids = {k: req.object.fields[k].string_value for k in ("fleetId", "meshId")}
        assert wire_ids == (
            {"fleetId": rpc.UNKNOWN, "meshId": rpc.UNKNOWN}
            if preview
            else {"fleetId": FLEET, "meshId": MESH}
        )
        assert {
            k: inputs[k]
            for k in (
                "kind",
                "regionId",
                "enableMesh",
                "publicApiServerEnabled",
                "deletionProtection",
                "privateKubeconfig",
            )
        } == {
            "kind": KIND,
            "regionId": "cn-hangzhou",
            "enableMesh": True,
            "publicApiServerEnabled": False,
            "deletionProtection": True,
            "privateKubeconfig": True,
        }
        prop_deps = {k: list(v.urns) for k, v in req.propertyDependencies.items() if v.urns}
        assert prop_deps["fleetId"] == [fleet_urn]
        assert prop_deps["meshId"] == [mesh_urn]
        assert set(req.dependencies) >= {fleet_urn, mesh_urn, *member_urns}
        assert list(req.additionalSecretOutputs) == ["kubeconfig"]

        # The pickled provider is a secret and, like every input, free of credentials.
        raw = req.object.fields["__provider"]
        assert raw.struct_value.fields[rpc._special_sig_key].string_value == rpc._special_secret_sig
        blob = base64.b64decode(raw.struct_value.fields["value"].string_value)
        wire = req.SerializeToString()
        for secret in (SECRET_AK, SECRET_SK, SECRET_TOKEN):
            assert secret.encode() not in blob and secret.encode() not in wire
        assert isinstance(dill.loads(blob), FleetFeaturesProvider)

        assert await features.kubeconfig.is_secret()
        if not preview:
            assert await features.kubeconfig.future() == "apiVersion: v1"
            assert await features.boundMeshId.future() == MESH

    return pulumi.Output.from_input(check())


def test_engine_view_shows_the_policy_pack_the_documented_inputs_and_no_credentials() -> None:
    """Through fleetctl.capture (the engine view of docs/contracts.md), as a preview with
    credentials in the config."""
    from fleetctl.capture import UNKNOWN, run_program

    def program() -> None:
        _program()

    config = {"alicloud:accessKey": SECRET_AK, "alicloud:secretKey": SECRET_SK}
    cap = run_program(
        program, project="meshfleet", stack="example", config=config, strict_invokes=True
    )
    view = {r["name"]: r for r in cap.engine_view()}
    features = view["fleet-features"]
    assert features["type"] == "pulumi-python:dynamic:Resource"
    assert features["properties"] == {
        "kind": KIND,
        "fleetId": UNKNOWN,
        "regionId": "cn-hangzhou",
        "meshId": UNKNOWN,
        "enableMesh": True,
        "publicApiServerEnabled": False,
        "deletionProtection": True,
        "privateKubeconfig": True,
    }
    assert features["propertyDependencies"]["fleetId"] == [view["fleet"]["urn"]]
    assert features["propertyDependencies"]["meshId"] == [view["mesh"]["urn"]]
    members = {view[f"member-{n}"]["urn"] for n in (1, 2, 3)}
    assert members <= set(features["dependencies"])
    assert SECRET_AK not in repr(features) and SECRET_SK not in repr(features)


def test_read_without_a_region_says_what_is_missing() -> None:
    fake = FakeAdcp()
    with pytest.raises(FleetFeaturesError, match="regionId"):
        provider(fake).read(FLEET, {"fleetId": FLEET})
    assert fake.calls == []


# ------------------------------------------------------------------------------------------
# Out of process: the pickled provider through Pulumi's own dynamic-provider gRPC server


@pytest.fixture
def dynamic_provider_server(tmp_path: Any) -> Any:
    """`python -m pulumi.dynamic` (what the engine starts for pulumi-python), with a fake log."""
    import json
    import os
    import selectors
    import subprocess
    import sys
    from pathlib import Path

    import grpc
    from pulumi.runtime.proto import provider_pb2_grpc

    root = Path(__file__).resolve().parents[2]
    log = tmp_path / "adcp.jsonl"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALICLOUD", "ALIBABA"))}
    env.update(PYTHONPATH=str(root), FAKE_ADCP_LOG=str(log), PULUMI_PROJECT="meshfleet")
    proc = subprocess.Popen(
        [sys.executable, "-u", "-m", "pulumi.dynamic"],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        sel = selectors.DefaultSelector()
        assert proc.stdout is not None
        sel.register(proc.stdout, selectors.EVENT_READ)
        assert sel.select(timeout=60), "the dynamic provider server printed no port"
        port = int(proc.stdout.readline())
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        stub = provider_pb2_grpc.ResourceProviderStub(channel)

        def entries() -> list[dict[str, Any]]:
            return [json.loads(line) for line in log.read_text().splitlines()]

        yield stub, entries
        channel.close()
    finally:
        proc.kill()  # the process this fixture started, by its handle
        proc.wait(timeout=30)


def test_the_pickled_provider_runs_in_pulumis_dynamic_provider_server(
    dynamic_provider_server: Any,
) -> None:
    from google.protobuf import struct_pb2
    from pulumi.runtime.proto import provider_pb2

    from tests.components.fakes_adcp import process_factory

    stub, entries = dynamic_provider_server
    blob = serialize_provider(FleetFeaturesProvider(process_factory))
    properties = struct_pb2.Struct()
    properties.update({**props(), "__provider": blob})
    config = struct_pb2.Struct()
    config.update({"alicloud:accessKey": SECRET_AK, "alicloud:secretKey": SECRET_SK})
    urn = "urn:pulumi:example::meshfleet::pulumi-python:dynamic:Resource::fleet-features"

    stub.Configure(provider_pb2.ConfigureRequest(args=config))
    created = stub.Create(provider_pb2.CreateRequest(urn=urn, properties=properties))
    outs = rpc.deserialize_properties(created.properties)
    assert created.id == FLEET
    assert outs["boundMeshId"] == MESH and outs["apiServerEndpoint"] == INTRANET
    assert yaml.safe_load(outs["kubeconfig"])["clusters"][0]["cluster"]["server"] == INTRANET

    # Preview of a replacement Fleet: its id is unknown. Check must pass, Diff must replace.
    preview_news = struct_pb2.Struct()
    preview_news.update({**props(fleetId=rpc.UNKNOWN), "__provider": blob})
    checked = stub.Check(provider_pb2.CheckRequest(urn=urn, olds=properties, news=preview_news))
    assert list(checked.failures) == []
    diff = stub.Diff(
        provider_pb2.DiffRequest(id=FLEET, urn=urn, olds=created.properties, news=preview_news)
    )
    assert diff.changes == provider_pb2.DiffResponse.DIFF_SOME
    assert list(diff.replaces) == ["fleetId"]
    same = stub.Diff(
        provider_pb2.DiffRequest(id=FLEET, urn=urn, olds=created.properties, news=properties)
    )
    assert same.changes == provider_pb2.DiffResponse.DIFF_NONE

    refreshed = stub.Read(
        provider_pb2.ReadRequest(id=FLEET, urn=urn, properties=created.properties)
    )
    assert refreshed.id == FLEET
    assert rpc.deserialize_properties(refreshed.properties)["enableMesh"] is True

    stub.Delete(provider_pb2.DeleteRequest(id=FLEET, urn=urn, properties=created.properties))

    log = entries()
    clients = [e["client"] for e in log if "client" in e]
    # configure() got the stack config; the client was built per call, for the Fleet's region.
    assert clients and all(
        c
        == {
            "region": "cn-hangzhou",
            "source": "stack config alicloud:accessKey/secretKey",
            "access_key_id": SECRET_AK,
        }
        for c in clients
    )
    updates = [e["request"] for e in log if e.get("action") == UPDATE]
    assert updates == [
        {"ClusterId": FLEET, "EnableMesh": True},
        {"ClusterId": FLEET, "DeletionProtection": True},
        {"ClusterId": FLEET, "DeletionProtection": False},
        {"ClusterId": FLEET, "EnableMesh": False},
    ]
