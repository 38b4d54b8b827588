"""An in-memory ACK One (adcp 2022-01-01) API for FleetFeaturesProvider tests.

It behaves like the SDK client on the surface the provider uses: it accepts only the SDK's own
request models (and records them as ``request.to_map()``, the wire names the SDK sends), answers
with the SDK's response models built by ``from_map``, and raises the SDK's own exceptions
(``alibabacloud_tea_openapi.exceptions``) for queued errors, including throttling.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

import yaml
from alibabacloud_adcp20220101 import models as adcp
from alibabacloud_tea_openapi import exceptions as sdk_errors

from meshfleet.components.alibaba_api import Credentials
from meshfleet.components.fleet_features import AdcpClient

INTRANET = "https://192.168.8.10:6443"
PUBLIC = "https://47.96.1.2:6443"
FLEET_CA = "RkxFRVQtQ0EtU0VDUkVU"  # stand-ins for certificate data, looked for in outputs
FLEET_KEY = "RkxFRVQtS0VZLVNFQ1JFVA=="


def api_error(code: str, message: str, *, status: int = 400) -> sdk_errors.AlibabaCloudException:
    """The exception the SDK raises for an error response (4xx ClientException, 5xx Server)."""
    request_id = f"REQ-{code}"
    cls = sdk_errors.ClientException if status < 500 else sdk_errors.ServerException
    return cls(
        status_code=status,
        code=code,
        message=f"code: {status}, {message} request id: {request_id}",
        request_id=request_id,
        data={"Code": code, "Message": message, "RequestId": request_id},
    )


def throttling(code: str = "Throttling.User") -> sdk_errors.AlibabaCloudException:
    """Flow control as a plain 400 error response (no Retry-After header)."""
    return api_error(code, "Request was denied due to user flow control.")


def throttling_with_retry_after() -> sdk_errors.ThrottlingException:
    """Flow control with a Retry-After header: the SDK raises its ThrottlingException."""
    return sdk_errors.ThrottlingException(
        status_code=429,
        code="Throttling.Api",
        message="code: 429, Request was denied due to api flow control. request id: REQ-T",
        request_id="REQ-T",
        retry_after=1000,
    )


def fleet_kubeconfig(server: str, user: str = "27xxxx-admin") -> str:
    """A kubeconfig shaped like the one DescribeHubClusterKubeconfig returns."""
    return yaml.safe_dump(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {
                    "name": "kubernetes",
                    "cluster": {"server": server, "certificate-authority-data": FLEET_CA},
                }
            ],
            "contexts": [
                {"name": f"{user}-fleet", "context": {"cluster": "kubernetes", "user": user}}
            ],
            "current-context": f"{user}-fleet",
            "users": [
                {
                    "name": user,
                    "user": {"client-certificate-data": FLEET_CA, "client-key-data": FLEET_KEY},
                }
            ],
            "preferences": {},
        }
    )


class FakeAdcp:
    """One Fleet as the ACK One API sees it, plus a log of every request.

    ``binds_mesh`` is the ASM instance the service binds when EnableMesh turns on (the API takes
    no mesh id); ``mesh_reported_after`` is how many DescribeHubClusterDetails calls after that
    still report no MeshId (the binding is asynchronous).
    """

    def __init__(
        self,
        fleet_id: str = "c-fleet0001",
        *,
        binds_mesh: str = "asm-0001",
        mesh_reported_after: int = 0,
    ) -> None:
        self.fleet_id = fleet_id
        self.binds_mesh = binds_mesh
        self.mesh_reported_after = mesh_reported_after
        self.exists = True
        self.enable_mesh = False
        self.mesh_id = ""
        self.public = False
        self.eip_id = ""
        self.deletion_protection = False
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.clients: list[tuple[Credentials | None, str]] = []
        self._errors: dict[str, list[Exception]] = {}
        self._reports_pending = 0

    # -- test controls ----------------------------------------------------------------------

    def fail_next(self, action: str, *errors: Exception) -> None:
        """Raise these errors, in order, on the next calls of ``action``."""
        self._errors.setdefault(action, []).extend(errors)

    def fail_always(self, action: str, error: Exception, times: int = 100) -> None:
        self.fail_next(action, *([error] * times))

    def factory(self) -> Callable[[Credentials | None, str], AdcpClient]:
        """A ClientFactory handing out this fake and recording (credentials, region)."""

        def make(credentials: Credentials | None, region: str) -> AdcpClient:
            self.clients.append((credentials, region))
            return self

        return make

    def actions(self) -> list[str]:
        return [action for action, _ in self.calls]

    def requests(self, action: str) -> list[dict[str, Any]]:
        return [req for name, req in self.calls if name == action]

    # -- the SDK surface ---------------------------------------------------------------------

    def _enter(self, action: str, request: Any, model: type) -> None:
        if not isinstance(request, model):
            raise TypeError(f"{action} takes {model.__name__}, got {type(request).__name__}")
        request.validate()
        self.calls.append((action, request.to_map()))
        _log({"action": action, "request": request.to_map()})
        queued = self._errors.get(action)
        if queued:
            raise queued.pop(0)
        if request.cluster_id != self.fleet_id or not self.exists:
            raise api_error("ErrorClusterNotFound", f"cluster {request.cluster_id} not found")

    def update_hub_cluster_feature(
        self, request: adcp.UpdateHubClusterFeatureRequest
    ) -> adcp.UpdateHubClusterFeatureResponse:
        self._enter("UpdateHubClusterFeature", request, adcp.UpdateHubClusterFeatureRequest)
        if request.enable_mesh is not None:
            if request.enable_mesh and not self.enable_mesh:
                self.mesh_id = self.binds_mesh
                self._reports_pending = self.mesh_reported_after
            if not request.enable_mesh:
                self.mesh_id = ""
            self.enable_mesh = request.enable_mesh
        if request.public_api_server_enabled is not None:
            self.public = request.public_api_server_enabled
            self.eip_id = (request.api_server_eip_id or "eip-auto0001") if self.public else ""
        if request.deletion_protection is not None:
            self.deletion_protection = request.deletion_protection
        return adcp.UpdateHubClusterFeatureResponse().from_map(
            {"headers": {}, "statusCode": 200, "body": {"RequestId": "REQ-U"}}
        )

    def describe_hub_cluster_details(
        self, request: adcp.DescribeHubClusterDetailsRequest
    ) -> adcp.DescribeHubClusterDetailsResponse:
        self._enter("DescribeHubClusterDetails", request, adcp.DescribeHubClusterDetailsRequest)
        mesh: dict[str, Any] = {"EnableMesh": self.enable_mesh}
        if self._reports_pending > 0:
            self._reports_pending -= 1
        elif self.mesh_id:
            mesh["MeshId"] = self.mesh_id
        endpoints = {"IntranetApiServerEndpoint": INTRANET}
        if self.public:
            endpoints["PublicApiServerEndpoint"] = PUBLIC
        body = {
            "RequestId": "REQ-D",
            "Cluster": {
                "ClusterInfo": {"ClusterId": self.fleet_id, "State": "running"},
                "MeshConfig": mesh,
                "ApiServer": {
                    "EnabledPublic": self.public,
                    "ApiServerEipId": self.eip_id or None,
                    "LoadBalancerId": "lb-0001",
                },
                "Endpoints": endpoints,
            },
        }
        return adcp.DescribeHubClusterDetailsResponse().from_map(
            {"headers": {}, "statusCode": 200, "body": body}
        )

    def describe_hub_cluster_kubeconfig(
        self, request: adcp.DescribeHubClusterKubeconfigRequest
    ) -> adcp.DescribeHubClusterKubeconfigResponse:
        self._enter(
            "DescribeHubClusterKubeconfig", request, adcp.DescribeHubClusterKubeconfigRequest
        )
        server = INTRANET if request.private_ip_address else PUBLIC
        return adcp.DescribeHubClusterKubeconfigResponse().from_map(
            {
                "headers": {},
                "statusCode": 200,
                "body": {"RequestId": "REQ-K", "Kubeconfig": fleet_kubeconfig(server)},
            }
        )


# ------------------------------------------------------------------------------------------
# Out-of-process use: Pulumi's own dynamic-provider server (`python -m pulumi.dynamic`)
# unpickles the provider, so its factory must be importable by name; the fake then lives in that
# process and reports through a JSON-lines file named by $FAKE_ADCP_LOG.

_PROCESS_FAKE: FakeAdcp | None = None


def process_factory(credentials: Credentials | None, region: str) -> AdcpClient:
    """A module-level ClientFactory (pickled by reference) serving one FakeAdcp per process."""
    global _PROCESS_FAKE
    if _PROCESS_FAKE is None:
        _PROCESS_FAKE = FakeAdcp()
    _log(
        {
            "client": {
                "region": region,
                "source": credentials.source if credentials else None,
                "access_key_id": credentials.access_key_id if credentials else None,
            }
        }
    )
    return _PROCESS_FAKE


def _log(entry: dict[str, Any]) -> None:
    path = os.environ.get("FAKE_ADCP_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry) + "\n")
