"""The Alibaba OpenAPI plumbing (meshfleet.components.alibaba_api) serves a second product with no
copy of it: a provider over the ASM SDK (``alibabacloud-servicemesh20200111``, what the mesh
membership resource will call) gets credentials, throttling retries, API errors, not-found
detection and credential-free pickling from the same base as FleetFeatures."""

from __future__ import annotations

import base64
from typing import Any

import dill
import pytest
from alibabacloud_servicemesh20200111 import models as asm
from pulumi.dynamic import Config as DynamicConfig
from pulumi.dynamic import ConfigureRequest
from pulumi.dynamic.dynamic import serialize_provider

from meshfleet.components.alibaba_api import (
    CREDENTIAL_KEYS,
    AlibabaApiError,
    ApiResourceProvider,
    Backoff,
    Credentials,
    call_with_retries,
    is_not_found,
    is_throttling,
    openapi_config,
)
from tests.components.fakes_adcp import api_error, throttling, throttling_with_retry_after

SECRET_SK = "TEST-SECRET-KEY-9c1e"


class FakeAsm:
    """The ASM client surface a membership resource needs; fails as queued, records requests."""

    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)
        self.requests: list[dict[str, Any]] = []

    def describe_service_mesh_clusters(
        self, request: asm.DescribeServiceMeshClustersRequest
    ) -> dict[str, Any]:
        self.requests.append(request.to_map())
        if self.failures:
            raise self.failures.pop(0)
        return {"Clusters": [{"ClusterId": "c-1"}]}


class MembershipProbe(ApiResourceProvider[Any]):
    """A provider for another product: only its default client and its calls are its own."""

    def default_client(self, credentials: Credentials | None, region: str) -> Any:
        from alibabacloud_servicemesh20200111.client import Client

        return Client(openapi_config(credentials, region))

    def members(self, mesh_id: str, region: str) -> list[str]:
        client = self.client(region)
        request = asm.DescribeServiceMeshClustersRequest(service_mesh_id=mesh_id)
        body = self.call(
            "DescribeServiceMeshClusters",
            f"ServiceMeshId={mesh_id}",
            lambda: client.describe_service_mesh_clusters(request),
        )
        return [c["ClusterId"] for c in body["Clusters"]]


def probe(fake: FakeAsm, sleeps: list[float], seen: list[Any] | None = None) -> MembershipProbe:
    def factory(credentials: Credentials | None, region: str) -> FakeAsm:
        if seen is not None:
            seen.append((credentials, region))
        return fake

    return MembershipProbe(factory, sleep=sleeps.append)


@pytest.mark.parametrize(
    "error", [throttling(), throttling("Throttling"), throttling_with_retry_after()]
)
def test_a_second_product_retries_throttling_with_the_shared_backoff(error: Exception) -> None:
    fake, sleeps = FakeAsm(error, error), []
    assert probe(fake, sleeps).members("asm-1", "cn-hangzhou") == ["c-1"]
    assert sleeps == [1.0, 2.0]
    assert fake.requests == [{"ServiceMeshId": "asm-1"}] * 3


def test_a_second_product_surfaces_the_api_error_and_detects_not_found() -> None:
    fake, sleeps = FakeAsm(api_error("ErrorServiceMeshNotFound", "mesh not found", status=404)), []
    with pytest.raises(AlibabaApiError) as err:
        probe(fake, sleeps).members("asm-1", "cn-hangzhou")
    assert (err.value.action, err.value.target) == (
        "DescribeServiceMeshClusters",
        "ServiceMeshId=asm-1",
    )
    assert err.value.code == "ErrorServiceMeshNotFound" and is_not_found(err.value.code)
    assert err.value.request_id == "REQ-ErrorServiceMeshNotFound" and sleeps == []
    assert "DescribeServiceMeshClusters(ServiceMeshId=asm-1)" in str(err.value)


def test_call_with_retries_gives_up_after_max_attempts_with_capped_delays() -> None:
    sleeps: list[float] = []
    fake = FakeAsm(*[throttling()] * 4)
    request = asm.DescribeServiceMeshClustersRequest(service_mesh_id="asm-1")
    with pytest.raises(AlibabaApiError) as err:
        call_with_retries(
            "DescribeServiceMeshClusters",
            "ServiceMeshId=asm-1",
            lambda: fake.describe_service_mesh_clusters(request),
            backoff=Backoff(max_attempts=4, base_delay=2.0, max_delay=5.0),
            sleep=sleeps.append,
        )
    assert err.value.attempts == 4 and "after 4 attempts" in str(err.value)
    assert sleeps == [2.0, 4.0, 5.0]
    assert is_throttling("Throttling.User") and not is_throttling("ThrottlingX")


def test_a_second_product_gets_the_stack_credentials_and_never_pickles_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for var in (
        "ALICLOUD_ACCESS_KEY",
        "ALICLOUD_SECRET_KEY",
        "ALIBABA_CLOUD_ACCESS_KEY_ID",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
    ):
        monkeypatch.delenv(var, raising=False)
    request = ConfigureRequest(
        DynamicConfig(
            {
                "alicloud:accessKey": "AK-1",
                "alicloud:secretKey": SECRET_SK,
                "alicloud:region": "cn-beijing",
            },
            "meshfleet",
        )
    )
    seen: list[Any] = []
    p = probe(FakeAsm(), [], seen)
    p.configure(request)
    p.members("asm-1", "cn-shanghai")
    ((credentials, region),) = seen
    assert (credentials.access_key_id, credentials.access_key_secret, region) == (
        "AK-1",
        SECRET_SK,
        "cn-shanghai",
    )
    assert set(p._stack_config) == {f"alicloud:{k}" for k in CREDENTIAL_KEYS}
    configured = MembershipProbe()
    configured.configure(request)
    blob = base64.b64decode(serialize_provider(configured))
    assert SECRET_SK.encode() not in blob
    assert isinstance(dill.loads(blob), MembershipProbe)


def test_the_default_client_of_a_second_product_is_its_sdk_client() -> None:
    client = MembershipProbe().default_client(Credentials("id", "secret"), "cn-shanghai")
    assert type(client).__module__ == "alibabacloud_servicemesh20200111.client"
    assert "servicemesh" in client._endpoint
