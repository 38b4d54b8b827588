"""The provider behind ``FleetFeatures``: create, read, update and delete against ACK One.

The ACK One API (adcp 2022-01-01), through the official SDK ``alibabacloud-adcp20220101``:

* ``UpdateHubClusterFeature`` turns ``EnableMesh``, ``PublicApiServerEnabled``
  (+ ``ApiServerEipId``) and ``DeletionProtection`` on or off;
* ``DescribeHubClusterDetails`` reads them back (``MeshConfig``, ``ApiServer``, ``Endpoints``);
* ``DescribeHubClusterKubeconfig(PrivateIpAddress=...)`` returns the Fleet's kubeconfig, intranet
  unless the public endpoint is wanted. It becomes the secret output ``kubeconfig``.

The Fleet's mesh (read from the SDK's models.py): ``UpdateHubClusterFeature`` has an
``EnableMesh`` flag but NO mesh-id parameter, and no other adcp request names a mesh to bind
(``AttachClusterToHub`` only has an ``AttachToMesh`` flag); ASM's DescribeServiceMeshDetail
reports ``OwnerType: ackone`` for "an ASM instance created for ACK One". So enabling the mesh
gives the Fleet a mesh the service creates or chooses, reported in
``DescribeHubClusterDetails.Cluster.MeshConfig.MeshId`` (the output ``boundMeshId``); it cannot
bind a given ASM instance. meshfleet's spec makes that a choice (``mesh.mode``): ``standalone``
leaves the Fleet's mesh off, ``fleet`` turns it on and uses what it reports. An optional declared
``meshId`` is verified, never set: a Fleet already bound to another mesh is refused before
anything changes, and after enabling it polls (bounded) until MeshId is reported and fails with
both ids if it differs. ``read`` reports the bound id as ``meshId`` when one is declared.

Order and rollback: deletion protection is switched on only after the features are switched and
the binding verified, in a call of its own (switched off, it goes first), so a failed binding never
leaves a protected Fleet that ``pulumi destroy`` cannot delete; when the features call succeeds
but the binding fails, the features this call changed are switched back before the error is
raised. Deleting the resource switches protection off first, then the features.

Credentials are the alicloud provider's (``meshfleet.components.alibaba_api``: stack config,
environment, then the SDK's default chain), resolved inside each provider method so the pickled
provider (stored in the state as ``__provider``) never holds them. The endpoint is the Fleet's own
region (``regionId``), not ``alicloud:region``: a multi-region stack has one region per provider.
What the engine and the policy pack see of this resource is described in ``docs/contracts.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import pulumi.dynamic as dyn
from alibabacloud_adcp20220101 import models as adcp

from meshfleet.components.alibaba_api import (
    REGION_RE,
    AlibabaApiError,
    ApiResourceProvider,
    Backoff,
    ClientFactory,
    Credentials,
    changed_keys,
    check_result,
    is_not_found,
    is_unknown,
    known_at_apply,
    openapi_config,
    replacing_diff,
)
from meshfleet.errors import MeshfleetError, Problem

KIND = "meshfleet:ackone:FleetFeatures"
"""The ``kind`` input: dynamic resources all share one type token, this tells them apart."""

# The inputs the engine (and the policy pack) see, as docs/contracts.md describes them.
# "apiServerEipId" is optional and only present when set.
INPUT_KEYS: tuple[str, ...] = (
    "kind",
    "fleetId",
    "regionId",
    "meshId",
    "enableMesh",
    "publicApiServerEnabled",
    "deletionProtection",
    "privateKubeconfig",
    "apiServerEipId",
)
REPLACE_KEYS = frozenset({"fleetId", "regionId"})
"""Another Fleet is another resource; everything else is switched in place."""

OUTPUT_KEYS: tuple[str, ...] = ("kubeconfig", "boundMeshId", "apiServerEndpoint")

# The values the Fleet has when nobody asked for a feature (adcp API reference: DeletionProtection
# "Default value: false"; a Fleet is created without mesh and, from ackone.Cluster, without EIP).
FEATURE_DEFAULTS: Mapping[str, bool] = {
    "enableMesh": False,
    "publicApiServerEnabled": False,
    "deletionProtection": False,
}

T = TypeVar("T")


# --------------------------------------------------------------------------------------------
# Errors


class FleetFeaturesError(MeshfleetError):
    """FleetFeatures arguments (or resource inputs) are wrong as written."""

    title = "Invalid FleetFeatures arguments"


class AdcpApiError(AlibabaApiError):
    """An ACK One (adcp) API call failed; carries the API's error code, message and request id."""

    title = "ACK One API call failed"


class MeshBindingError(MeshfleetError):
    """The Fleet's mesh feature is not bound to the declared ASM instance."""

    title = "Fleet mesh binding does not match"


# --------------------------------------------------------------------------------------------
# The SDK seam: what the provider needs from an adcp client, and how it gets one.


class AdcpClient(Protocol):
    """The adcp operations FleetFeatures uses (of ``alibabacloud_adcp20220101.client.Client``)."""

    def update_hub_cluster_feature(
        self, request: adcp.UpdateHubClusterFeatureRequest
    ) -> adcp.UpdateHubClusterFeatureResponse: ...

    def describe_hub_cluster_details(
        self, request: adcp.DescribeHubClusterDetailsRequest
    ) -> adcp.DescribeHubClusterDetailsResponse: ...

    def describe_hub_cluster_kubeconfig(
        self, request: adcp.DescribeHubClusterKubeconfigRequest
    ) -> adcp.DescribeHubClusterKubeconfigResponse: ...


def build_adcp_client(credentials: Credentials | None, region: str) -> AdcpClient:
    """The production factory: the official SDK client for ``region``'s adcp endpoint."""
    # Imported here: the client pulls in the HTTP stack, which the program itself never needs.
    from alibabacloud_adcp20220101.client import Client

    client: AdcpClient = Client(openapi_config(credentials, region))
    return client


# --------------------------------------------------------------------------------------------
# The provider


class FleetFeaturesProvider(ApiResourceProvider[AdcpClient]):
    """CRUD for the Fleet's features against the adcp API (credentials, retries and pickling:
    ``ApiResourceProvider``)."""

    def __init__(
        self,
        client_factory: ClientFactory[AdcpClient] | None = None,
        *,
        max_attempts: int = 6,
        base_delay: float = 1.0,
        max_delay: float = 30.0,
        mesh_checks: int = 30,
        mesh_check_interval: float = 10.0,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        """``client_factory`` defaults to :func:`build_adcp_client`; tests pass a fake.

        ``max_attempts`` bounds the tries of one call when the API throttles (exponential backoff
        from ``base_delay`` capped at ``max_delay``); ``mesh_checks`` x ``mesh_check_interval``
        bounds the wait for the Fleet to report its mesh binding. ``sleep`` is for tests.
        """
        if max_attempts < 1 or mesh_checks < 1:
            raise ValueError(
                f"max_attempts ({max_attempts}) and mesh_checks ({mesh_checks}) must be >= 1"
            )
        super().__init__(
            client_factory, backoff=Backoff(max_attempts, base_delay, max_delay), sleep=sleep
        )
        self._mesh_checks = mesh_checks
        self._mesh_check_interval = mesh_check_interval

    def default_client(self, credentials: Credentials | None, region: str) -> AdcpClient:
        return build_adcp_client(credentials, region)

    def _call(self, action: str, fleet_id: str, fn: Callable[[], T]) -> T:
        return self.call(action, f"ClusterId={fleet_id}", fn, error=AdcpApiError)

    def _update(self, client: AdcpClient, request: adcp.UpdateHubClusterFeatureRequest) -> None:
        self._call(
            "UpdateHubClusterFeature",
            request.cluster_id,
            lambda: client.update_hub_cluster_feature(request),
        )

    def _details(self, client: AdcpClient, fleet_id: str) -> _LiveFleet:
        request = adcp.DescribeHubClusterDetailsRequest(cluster_id=fleet_id)
        response = self._call(
            "DescribeHubClusterDetails",
            fleet_id,
            lambda: client.describe_hub_cluster_details(request),
        )
        return _LiveFleet.from_response(response)

    def _kubeconfig(self, client: AdcpClient, fleet_id: str, private: bool) -> str:
        request = adcp.DescribeHubClusterKubeconfigRequest(
            cluster_id=fleet_id, private_ip_address=private
        )
        response = self._call(
            "DescribeHubClusterKubeconfig",
            fleet_id,
            lambda: client.describe_hub_cluster_kubeconfig(request),
        )
        body = response.body
        if body is None or not body.kubeconfig:
            raise AdcpApiError(
                action="DescribeHubClusterKubeconfig",
                target=f"ClusterId={fleet_id}",
                code=None,
                message="the response carries no Kubeconfig",
                request_id=getattr(body, "request_id", None),
            )
        return str(body.kubeconfig)

    def _await_mesh_binding(
        self, client: AdcpClient, fleet_id: str, mesh_id: str | None
    ) -> _LiveFleet:
        """Poll until the Fleet reports its mesh; fail if it is not ``mesh_id`` (when given)."""
        for check in range(1, self._mesh_checks + 1):
            live = self._details(client, fleet_id)
            if live.enable_mesh and live.mesh_id:
                if mesh_id is not None:
                    _require_binding(fleet_id, mesh_id, live.mesh_id)
                return live
            if check < self._mesh_checks:
                self.pause(self._mesh_check_interval)
        raise MeshBindingError(
            [
                Problem(
                    f"fleet {fleet_id}.MeshConfig",
                    None,
                    f"reported no mesh binding after {self._mesh_checks} checks "
                    f"({self._mesh_check_interval:g}s apart); the declared ASM instance is "
                    f"{mesh_id or '(none: the Fleet chooses)'}. The features this call switched "
                    "were switched back; run `pulumi up` again to retry, or check the Fleet in "
                    "the ACK One console.",
                )
            ]
        )

    def _outputs(
        self, client: AdcpClient, props: Mapping[str, Any], live: _LiveFleet
    ) -> dict[str, Any]:
        fleet_id = str(props["fleetId"])
        private = not bool(props["publicApiServerEnabled"])
        outs = {k: props[k] for k in INPUT_KEYS if k in props}
        outs["privateKubeconfig"] = private
        outs["kubeconfig"] = self._kubeconfig(client, fleet_id, private)
        outs["boundMeshId"] = live.mesh_id if live.enable_mesh else ""
        outs["apiServerEndpoint"] = (
            live.intranet_endpoint if private else live.public_endpoint
        ) or ""
        return outs

    # -- ResourceProvider ------------------------------------------------------------------------

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> dyn.CheckResult:
        """Type-check the inputs; unknown values (preview) pass and are checked at apply."""
        return check_result(news, _problems(news))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dyn.DiffResult:
        """Exactly the inputs that changed; replace only for another Fleet or region. Same
        Fleet, other region (a spec fix): the old features are switched off first, or the
        delete would undo the create."""
        return replacing_diff(olds, news, INPUT_KEYS, REPLACE_KEYS, "fleetId")

    def _switch(
        self,
        client: AdcpClient,
        request: adcp.UpdateHubClusterFeatureRequest,
        props: Mapping[str, Any],
        undo: adcp.UpdateHubClusterFeatureRequest,
    ) -> _LiveFleet:
        """Send ``request`` (when it switches anything), verify the mesh binding; on a failed
        verification send ``undo`` (what the request changed, switched back), then raise."""
        fleet_id = str(props["fleetId"])
        if len(request.to_map()) > 1:  # more than ClusterId: something to switch
            self._update(client, request)
        try:
            if props["enableMesh"]:
                return self._await_mesh_binding(client, fleet_id, props.get("meshId") or None)
            return self._details(client, fleet_id)
        except MeshfleetError as failure:
            if len(request.to_map()) > 1 and len(undo.to_map()) > 1:
                try:
                    self._update(client, undo)
                except AdcpApiError as rollback:
                    raise FleetFeaturesError(
                        [
                            *failure.problems,
                            Problem(
                                "rollback",
                                undo.to_map(),
                                f"could not be sent ({rollback.code}): switch "
                                "these features back by hand",
                            ),
                        ]
                    ) from failure
            raise

    def _protect(self, client: AdcpClient, fleet_id: str, on: bool) -> None:
        self._update(
            client, adcp.UpdateHubClusterFeatureRequest(cluster_id=fleet_id, deletion_protection=on)
        )

    def create(self, props: dict[str, Any]) -> dyn.CreateResult:
        """Switch on the declared features the Fleet lacks, verify, then deletion protection,
        then fetch the kubeconfig."""
        _raise_problems(props)
        fleet_id, declared = str(props["fleetId"]), props.get("meshId") or None
        client = self.client(str(props["regionId"]))
        live = self._details(client, fleet_id)
        if props["enableMesh"] and live.enable_mesh and live.mesh_id and declared:
            # Refuse before touching anything: the API cannot move a Fleet to another mesh.
            _require_binding(fleet_id, declared, live.mesh_id)
        request = adcp.UpdateHubClusterFeatureRequest(cluster_id=fleet_id)
        if bool(props["enableMesh"]) != live.enable_mesh:
            request.enable_mesh = bool(props["enableMesh"])
        _set_public(request, props, live)
        undo = _undo(request, live.enable_mesh, live.public_api_server, live.eip_id)
        live = self._switch(client, request, props, undo)
        # Last, once the binding is verified; always sent (the API does not report it).
        self._protect(client, fleet_id, bool(props["deletionProtection"]))
        return dyn.CreateResult(fleet_id, self._outputs(client, props, live))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dyn.UpdateResult:
        """Send only the features whose inputs changed; re-verify the mesh; refresh kubeconfig.
        Deletion protection switched off goes first, switched on goes last."""
        _raise_problems(news)
        fleet_id = str(news["fleetId"])
        changed = _changed_keys(olds, news)
        client = self.client(str(news["regionId"]))
        protect = bool(news["deletionProtection"]) if "deletionProtection" in changed else None
        if protect is False:
            self._protect(client, fleet_id, False)
        request = adcp.UpdateHubClusterFeatureRequest(cluster_id=fleet_id)
        if "enableMesh" in changed:
            request.enable_mesh = bool(news["enableMesh"])
        if "publicApiServerEnabled" in changed:
            request.public_api_server_enabled = bool(news["publicApiServerEnabled"])
        if news.get("publicApiServerEnabled") and (
            "apiServerEipId" in changed or "publicApiServerEnabled" in changed
        ):
            request.api_server_eip_id = news.get("apiServerEipId") or None
            request.public_api_server_enabled = True
        undo = _undo(
            request,
            bool(olds.get("enableMesh")),
            bool(olds.get("publicApiServerEnabled")),
            olds.get("apiServerEipId") or "",
        )
        live = self._switch(client, request, news, undo)
        if protect:
            self._protect(client, fleet_id, True)
        return dyn.UpdateResult(self._outputs(client, news, live))

    def read(self, id_: str, props: dict[str, Any]) -> dyn.ReadResult:
        """Refresh from DescribeHubClusterDetails; a vanished Fleet reads as deleted (id "")."""
        fleet_id = str(props.get("fleetId") or id_)
        region = props.get("regionId")
        if not isinstance(region, str) or not REGION_RE.match(region):
            # `pulumi import` / `.get()` without inputs: the endpoint cannot be chosen.
            raise FleetFeaturesError(
                [Problem("regionId", region, "is needed to read the Fleet (it picks the endpoint)")]
            )
        client = self.client(region)
        try:
            live = self._details(client, fleet_id)
        except AdcpApiError as exc:
            if is_not_found(exc.code):
                return dyn.ReadResult("", {})
            raise
        observed = dict(props)
        observed["fleetId"] = fleet_id
        observed["enableMesh"] = live.enable_mesh
        if props.get("meshId") and live.enable_mesh and live.mesh_id:
            observed["meshId"] = live.mesh_id  # drift to another mesh shows as a meshId diff
        observed["publicApiServerEnabled"] = live.public_api_server
        if live.public_api_server and props.get("apiServerEipId") and live.eip_id:
            observed["apiServerEipId"] = live.eip_id
        # deletionProtection is not reported by the API: the last value we set stands.
        return dyn.ReadResult(fleet_id, self._outputs(client, observed, live))

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        """Restore the defaults this resource changed, so the Fleet itself stays deletable:
        deletion protection first (in a call of its own), then the features."""
        fleet_id = str(props["fleetId"])
        request = adcp.UpdateHubClusterFeatureRequest(cluster_id=fleet_id)
        if props.get("enableMesh"):
            request.enable_mesh = FEATURE_DEFAULTS["enableMesh"]
        if props.get("publicApiServerEnabled"):
            request.public_api_server_enabled = FEATURE_DEFAULTS["publicApiServerEnabled"]
        if not props.get("deletionProtection") and len(request.to_map()) == 1:
            return  # every feature already at its default: nothing to undo
        try:
            client = self.client(str(props["regionId"]))
            if props.get("deletionProtection"):
                self._protect(client, fleet_id, FEATURE_DEFAULTS["deletionProtection"])
            if len(request.to_map()) > 1:
                self._update(client, request)
        except AdcpApiError as exc:
            if not is_not_found(exc.code):
                raise  # the Fleet is gone already: nothing left to restore


# --------------------------------------------------------------------------------------------
# Helpers


@dataclass(frozen=True)
class _LiveFleet:
    """What DescribeHubClusterDetails says about the features this resource manages."""

    enable_mesh: bool
    mesh_id: str
    public_api_server: bool
    eip_id: str
    intranet_endpoint: str
    public_endpoint: str

    @staticmethod
    def from_response(response: adcp.DescribeHubClusterDetailsResponse) -> _LiveFleet:
        cluster = response.body.cluster if response.body is not None else None
        mesh = cluster.mesh_config if cluster is not None else None
        api = cluster.api_server if cluster is not None else None
        endpoints = cluster.endpoints if cluster is not None else None
        return _LiveFleet(
            enable_mesh=bool(mesh and mesh.enable_mesh),
            mesh_id=(mesh.mesh_id if mesh else None) or "",
            public_api_server=bool(api and api.enabled_public),
            eip_id=(api.api_server_eip_id if api else None) or "",
            intranet_endpoint=(endpoints.intranet_api_server_endpoint if endpoints else None) or "",
            public_endpoint=(endpoints.public_api_server_endpoint if endpoints else None) or "",
        )


def _set_public(
    request: adcp.UpdateHubClusterFeatureRequest, props: Mapping[str, Any], live: _LiveFleet
) -> None:
    """Ask for the public endpoint (and EIP) only when the Fleet differs from the declaration."""
    want = bool(props["publicApiServerEnabled"])
    eip = props.get("apiServerEipId") or None
    if want != live.public_api_server or (want and eip and eip != live.eip_id):
        request.public_api_server_enabled = want
        if want and eip:
            request.api_server_eip_id = eip


def _undo(
    request: adcp.UpdateHubClusterFeatureRequest, enable_mesh: bool, public: bool, eip: str
) -> adcp.UpdateHubClusterFeatureRequest:
    """The request that switches back what ``request`` changes, to the values before it."""
    undo = adcp.UpdateHubClusterFeatureRequest(cluster_id=request.cluster_id)
    if request.enable_mesh is not None and request.enable_mesh != enable_mesh:
        undo.enable_mesh = enable_mesh
    if request.public_api_server_enabled is not None and (
        request.public_api_server_enabled != public or request.api_server_eip_id
    ):
        undo.public_api_server_enabled = public
        if public and eip:
            undo.api_server_eip_id = eip
    return undo


def _require_binding(fleet_id: str, declared: str, bound: str) -> None:
    if bound != declared:
        raise MeshBindingError(
            [
                Problem(
                    f"fleet {fleet_id}.MeshConfig.MeshId",
                    bound,
                    f"is not the declared ASM instance {declared!r}. UpdateHubClusterFeature has "
                    "no "
                    "mesh-id parameter, so the binding cannot be moved from here: use mesh mode "
                    "fleet "
                    "(the Fleet's own mesh) or standalone (the Fleet's mesh off)",
                )
            ]
        )


def _changed_keys(olds: Mapping[str, Any], news: Mapping[str, Any]) -> list[str]:
    return changed_keys(olds, news, INPUT_KEYS)


def _problems(props: Mapping[str, Any]) -> list[Problem]:
    problems: list[Problem] = []

    def known(key: str) -> bool:
        return not is_unknown(props.get(key))

    if props.get("kind") != KIND:
        problems.append(Problem("kind", props.get("kind"), f"must be {KIND!r}"))
    for key in ("fleetId", "meshId"):
        value = props.get(key)
        if key == "meshId" and value is None:
            continue  # optional: the Fleet chooses its mesh (mode fleet) or has none
        if known(key) and (not isinstance(value, str) or not value.strip()):
            problems.append(Problem(key, value, "must be a non-empty id string"))
    if props.get("meshId") is not None and props.get("enableMesh") is False:
        problems.append(
            Problem("meshId", props.get("meshId"), "is verified only with enableMesh=true")
        )
    region = props.get("regionId")
    if known("regionId") and (not isinstance(region, str) or not REGION_RE.match(region)):
        problems.append(Problem("regionId", region, "must be a region id such as 'cn-hangzhou'"))
    for key in ("enableMesh", "publicApiServerEnabled", "deletionProtection", "privateKubeconfig"):
        if known(key) and not isinstance(props.get(key), bool):
            problems.append(Problem(key, props.get(key), "must be a boolean"))
    eip = props.get("apiServerEipId")
    if eip is not None and known("apiServerEipId"):
        if not isinstance(eip, str) or not eip:
            problems.append(Problem("apiServerEipId", eip, "must be an EIP id string"))
        elif props.get("publicApiServerEnabled") is False:
            problems.append(
                Problem("apiServerEipId", eip, "needs publicApiServerEnabled=true to be used")
            )
    if (
        isinstance(props.get("privateKubeconfig"), bool)
        and isinstance(props.get("publicApiServerEnabled"), bool)
        and props["privateKubeconfig"] == props["publicApiServerEnabled"]
    ):
        problems.append(
            Problem(
                "privateKubeconfig",
                props["privateKubeconfig"],
                "must be the opposite of publicApiServerEnabled",
            )
        )
    return problems


def _raise_problems(props: Mapping[str, Any]) -> None:
    problems = _problems(props) + known_at_apply(props, INPUT_KEYS)
    if problems:
        raise FleetFeaturesError(problems)
