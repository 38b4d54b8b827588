"""Connection path (4): the ACK One Fleet's mesh feature, API endpoint and kubeconfig.

pulumi_alicloud's ``ackone.Cluster`` exposes neither the Fleet's mesh feature, nor its public API
endpoint, nor its kubeconfig. The ACK One API (adcp 2022-01-01) does, so ``FleetFeatures`` is a
Pulumi dynamic resource that drives it through the official SDK ``alibabacloud-adcp20220101``:

* ``UpdateHubClusterFeature`` turns ``EnableMesh``, ``PublicApiServerEnabled``
  (+ ``ApiServerEipId``) and ``DeletionProtection`` on or off;
* ``DescribeHubClusterDetails`` reads them back (``MeshConfig``, ``ApiServer``, ``Endpoints``);
* ``DescribeHubClusterKubeconfig(PrivateIpAddress=...)`` returns the Fleet's kubeconfig, intranet
  unless the public endpoint is wanted. It becomes the secret output ``kubeconfig``.

Binding to the ASM instance (a judgement, read from the SDK's models.py):
``UpdateHubClusterFeature`` has an ``EnableMesh`` flag but NO mesh-id parameter, and no other adcp
request names a mesh to bind (``AttachClusterToHub`` only has an ``AttachToMesh`` flag). The service
chooses the ASM instance itself and reports its choice in
``DescribeHubClusterDetails.Cluster.MeshConfig.MeshId``. So this resource cannot *set* the binding,
it *verifies* it: before enabling, a Fleet already bound to a different mesh is refused (nothing is
changed); after enabling, it polls (bounded) until MeshId is reported and fails with both ids if it
is not the declared ``meshId``. ``read`` reports the bound id as ``meshId``, so a rebinding done
outside Pulumi shows up as a diff at the next refresh.

Credentials come from the same places as the alicloud provider's: the stack config
(``alicloud:accessKey`` / ``alicloud:secretKey`` / ``alicloud:securityToken``, handed to
``configure()`` by the engine in the provider process), then the environment
(``ALICLOUD_ACCESS_KEY`` / ``ALICLOUD_SECRET_KEY`` / ``ALICLOUD_SECURITY_TOKEN``, then
``ALIBABA_CLOUD_ACCESS_KEY_ID`` / ``ALIBABA_CLOUD_ACCESS_KEY_SECRET`` /
``ALIBABA_CLOUD_SECURITY_TOKEN``), and finally the Alibaba Cloud default credential chain (profile
file, ECS RAM role, OIDC). They are resolved inside each provider method, so the pickled provider
(stored in the state as ``__provider``) never holds them. The endpoint is the Fleet's own region
(``regionId``), not ``alicloud:region``: a multi-region stack has one region per provider.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import pulumi
import pulumi.dynamic as dyn
from alibabacloud_adcp20220101 import models as adcp
from pulumi.output import Unknown
from pulumi.runtime.rpc import UNKNOWN
from Tea.exceptions import TeaException

from meshfleet.errors import MeshfleetError, Problem

KIND = "meshfleet:ackone:FleetFeatures"
"""The ``kind`` input: dynamic resources all share one type token, this tells them apart."""

# The inputs the engine (and the policy pack) see, contract C3. "apiServerEipId" is optional and
# only present when set.
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

_REGION_RE = re.compile(r"^[a-z]{2,}(-[a-z0-9]+)+$")

T = TypeVar("T")


# --------------------------------------------------------------------------------------------
# Errors


class FleetFeaturesError(MeshfleetError):
    """FleetFeatures arguments (or resource inputs) are wrong as written."""

    title = "Invalid FleetFeatures arguments"


class AdcpApiError(MeshfleetError):
    """An ACK One (adcp) API call failed; carries the API's error code and message."""

    title = "ACK One API call failed"

    def __init__(
        self,
        *,
        action: str,
        fleet_id: str,
        code: str | None,
        message: str | None,
        request_id: str | None = None,
        attempts: int = 1,
    ) -> None:
        self.action = action
        self.fleet_id = fleet_id
        self.code = code
        self.api_message = message
        self.request_id = request_id
        self.attempts = attempts
        detail = f"{code or 'no error code'}: {message or 'no message'}"
        if request_id:
            detail += f" (request id {request_id})"
        if attempts > 1:
            detail += f" after {attempts} attempts"
        super().__init__([Problem(f"{action}(ClusterId={fleet_id})", code, detail)])


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


@dataclass(frozen=True)
class Credentials:
    """An AccessKey pair (optionally STS) and where it came from; secrets never in repr."""

    access_key_id: str = field(repr=False)
    access_key_secret: str = field(repr=False)
    security_token: str | None = field(default=None, repr=False)
    source: str = ""


ClientFactory = Callable[["Credentials | None", str], AdcpClient]
"""``(credentials or None for the default chain, region) -> client``. Must pickle by reference
(a module-level function), because the provider that holds it is pickled into the state."""


def build_adcp_client(credentials: Credentials | None, region: str) -> AdcpClient:
    """The production factory: the official SDK client for ``region``'s adcp endpoint."""
    # Imported here: the client pulls in the HTTP stack, which the program itself never needs.
    from alibabacloud_adcp20220101.client import Client
    from alibabacloud_tea_openapi.models import Config

    if credentials is None:
        from alibabacloud_credentials.client import Client as CredentialClient

        config = Config(credential=CredentialClient(), region_id=region)
    else:
        config = Config(
            access_key_id=credentials.access_key_id,
            access_key_secret=credentials.access_key_secret,
            security_token=credentials.security_token,
            region_id=region,
        )
    client: AdcpClient = Client(config)
    return client


# (config key, env names in order) per credential part, as the alicloud provider reads them.
_CONFIG_KEYS = ("alicloud:accessKey", "alicloud:secretKey", "alicloud:securityToken")
_ENV_SOURCES: tuple[tuple[str, str, str], ...] = (
    ("ALICLOUD_ACCESS_KEY", "ALICLOUD_SECRET_KEY", "ALICLOUD_SECURITY_TOKEN"),
    (
        "ALIBABA_CLOUD_ACCESS_KEY_ID",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
        "ALIBABA_CLOUD_SECURITY_TOKEN",
    ),
)


def resolve_credentials(
    stack_config: Mapping[str, Any], environ: Mapping[str, str]
) -> Credentials | None:
    """The first complete AccessKey pair: stack config, then ALICLOUD_*, then ALIBABA_CLOUD_*.

    A key id and its secret are never taken from two different sources. ``None`` means "use the
    SDK's default credential chain" (profile file, ECS RAM role, OIDC).

    >>> resolve_credentials({}, {"ALICLOUD_ACCESS_KEY": "id", "ALICLOUD_SECRET_KEY": "s"}).source
    'environment ALICLOUD_ACCESS_KEY/ALICLOUD_SECRET_KEY'
    """
    key, secret, token = (_config_str(stack_config.get(k)) for k in _CONFIG_KEYS)
    if key and secret:
        return Credentials(key, secret, token, "stack config alicloud:accessKey/secretKey")
    for key_var, secret_var, token_var in _ENV_SOURCES:
        key, secret = environ.get(key_var), environ.get(secret_var)
        if key and secret:
            return Credentials(
                key, secret, environ.get(token_var) or None, f"environment {key_var}/{secret_var}"
            )
    return None


def _config_str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


# --------------------------------------------------------------------------------------------
# The provider


class FleetFeaturesProvider(dyn.ResourceProvider):
    """CRUD for the Fleet's features against the adcp API.

    The instance is pickled (dill) into every FleetFeatures' ``__provider`` input, so it holds only
    plain settings: the client is built inside each method from credentials resolved there, and
    ``configure()`` (run in the provider process, after unpickling) keeps the stack config on the
    instance but ``__getstate__`` drops it should anything pickle a configured provider again.
    """

    def __init__(
        self,
        client_factory: ClientFactory | None = None,
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
        super().__init__()
        if max_attempts < 1 or mesh_checks < 1:
            raise ValueError(
                f"max_attempts ({max_attempts}) and mesh_checks ({mesh_checks}) must be >= 1"
            )
        self._client_factory = client_factory
        self._max_attempts = max_attempts
        self._base_delay = base_delay
        self._max_delay = max_delay
        self._mesh_checks = mesh_checks
        self._mesh_check_interval = mesh_check_interval
        self._sleep = sleep
        self._stack_config: dict[str, Any] = {}

    # -- pickling and configuration ------------------------------------------------------------

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_stack_config"] = {}  # credentials from configure() never travel with the pickle
        return state

    def configure(self, req: dyn.ConfigureRequest) -> None:
        """Keep the alicloud credential keys of the stack config (provider process only)."""
        self._stack_config = {k: req.config.get(k) for k in _CONFIG_KEYS}

    def _client(self, region: str) -> AdcpClient:
        credentials = resolve_credentials(self._stack_config, os.environ)
        factory = self._client_factory or build_adcp_client
        return factory(credentials, region)

    # -- the calls, with throttling retries and readable errors ---------------------------------

    def _call(self, action: str, fleet_id: str, fn: Callable[[], T]) -> T:
        for attempt in range(1, self._max_attempts + 1):
            try:
                return fn()
            except TeaException as exc:
                code = _code(exc)
                if _is_throttling(code) and attempt < self._max_attempts:
                    # Deterministic exponential backoff: one resource per Fleet, so no herd to
                    # spread. Defaults: 1+2+4+8+16 = 31 s of waiting over 6 attempts at most.
                    self._pause(min(self._max_delay, self._base_delay * 2 ** (attempt - 1)))
                    continue
                raise AdcpApiError(
                    action=action,
                    fleet_id=fleet_id,
                    code=code,
                    message=getattr(exc, "message", None) or str(exc),
                    request_id=getattr(exc, "request_id", None),
                    attempts=attempt,
                ) from exc
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    def _pause(self, seconds: float) -> None:
        (time.sleep if self._sleep is None else self._sleep)(seconds)

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
                fleet_id=fleet_id,
                code=None,
                message="the response carries no Kubeconfig",
                request_id=getattr(body, "request_id", None),
            )
        return str(body.kubeconfig)

    def _await_mesh_binding(self, client: AdcpClient, fleet_id: str, mesh_id: str) -> _LiveFleet:
        """Poll until the Fleet reports its mesh; fail if it is not ``mesh_id``."""
        for check in range(1, self._mesh_checks + 1):
            live = self._details(client, fleet_id)
            if live.enable_mesh and live.mesh_id:
                _require_binding(fleet_id, mesh_id, live.mesh_id)
                return live
            if check < self._mesh_checks:
                self._pause(self._mesh_check_interval)
        raise MeshBindingError(
            [
                Problem(
                    f"fleet {fleet_id}.MeshConfig",
                    None,
                    f"reported no mesh binding after {self._mesh_checks} checks "
                    f"({self._mesh_check_interval:g}s apart); the declared ASM instance is "
                    f"{mesh_id!r}. The feature request was accepted: run `pulumi up` again to "
                    "resume, or check the Fleet in the ACK One console.",
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
        failures = [dyn.CheckFailure(p.path, f"{p.value!r} {p.message}") for p in _problems(news)]
        return dyn.CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dyn.DiffResult:
        """Exactly the inputs that changed; replace only for another Fleet or region."""
        changed = _changed_keys(olds, news)
        replaces = sorted(k for k in changed if k in REPLACE_KEYS)
        return dyn.DiffResult(
            changes=bool(changed),
            replaces=replaces,
            # Same Fleet, other region (a spec fix): the old features must be switched off before
            # the new resource switches them on, or the delete would undo the create.
            delete_before_replace=bool(replaces) and "fleetId" not in changed,
        )

    def create(self, props: dict[str, Any]) -> dyn.CreateResult:
        """Switch on the declared features the Fleet lacks, verify, fetch the kubeconfig."""
        _raise_problems(props)
        fleet_id, mesh_id = str(props["fleetId"]), str(props["meshId"])
        client = self._client(str(props["regionId"]))
        live = self._details(client, fleet_id)
        if props["enableMesh"] and live.enable_mesh and live.mesh_id:
            # Refuse before touching anything: the API cannot move a Fleet to another mesh.
            _require_binding(fleet_id, mesh_id, live.mesh_id)
        request = adcp.UpdateHubClusterFeatureRequest(
            cluster_id=fleet_id,
            # DescribeHubClusterDetails does not report deletion protection: always send it.
            deletion_protection=bool(props["deletionProtection"]),
        )
        if bool(props["enableMesh"]) != live.enable_mesh:
            request.enable_mesh = bool(props["enableMesh"])
        _set_public(request, props, live)
        self._update(client, request)
        if props["enableMesh"]:
            live = self._await_mesh_binding(client, fleet_id, mesh_id)
        else:
            live = self._details(client, fleet_id)
        return dyn.CreateResult(fleet_id, self._outputs(client, props, live))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dyn.UpdateResult:
        """Send only the features whose inputs changed; re-verify the mesh; refresh kubeconfig."""
        _raise_problems(news)
        fleet_id, mesh_id = str(news["fleetId"]), str(news["meshId"])
        changed = _changed_keys(olds, news)
        client = self._client(str(news["regionId"]))
        request = adcp.UpdateHubClusterFeatureRequest(cluster_id=fleet_id)
        if "enableMesh" in changed:
            request.enable_mesh = bool(news["enableMesh"])
        if "deletionProtection" in changed:
            request.deletion_protection = bool(news["deletionProtection"])
        if "publicApiServerEnabled" in changed:
            request.public_api_server_enabled = bool(news["publicApiServerEnabled"])
        if news.get("publicApiServerEnabled") and (
            "apiServerEipId" in changed or "publicApiServerEnabled" in changed
        ):
            request.api_server_eip_id = news.get("apiServerEipId") or None
            request.public_api_server_enabled = True
        if len(request.to_map()) > 1:  # more than ClusterId: something to switch
            self._update(client, request)
        if news["enableMesh"]:
            live = self._await_mesh_binding(client, fleet_id, mesh_id)
        else:
            live = self._details(client, fleet_id)
        return dyn.UpdateResult(self._outputs(client, news, live))

    def read(self, id_: str, props: dict[str, Any]) -> dyn.ReadResult:
        """Refresh from DescribeHubClusterDetails; a vanished Fleet reads as deleted (id "")."""
        fleet_id = str(props.get("fleetId") or id_)
        region = props.get("regionId")
        if not isinstance(region, str) or not _REGION_RE.match(region):
            # `pulumi import` / `.get()` without inputs: the endpoint cannot be chosen.
            raise FleetFeaturesError(
                [Problem("regionId", region, "is needed to read the Fleet (it picks the endpoint)")]
            )
        client = self._client(region)
        try:
            live = self._details(client, fleet_id)
        except AdcpApiError as exc:
            if _is_not_found(exc.code):
                return dyn.ReadResult("", {})
            raise
        observed = dict(props)
        observed["fleetId"] = fleet_id
        observed["enableMesh"] = live.enable_mesh
        if live.enable_mesh and live.mesh_id:
            observed["meshId"] = live.mesh_id  # drift to another mesh shows as a meshId diff
        observed["publicApiServerEnabled"] = live.public_api_server
        if live.public_api_server and props.get("apiServerEipId") and live.eip_id:
            observed["apiServerEipId"] = live.eip_id
        # deletionProtection is not reported by the API: the last value we set stands.
        return dyn.ReadResult(fleet_id, self._outputs(client, observed, live))

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        """Restore the defaults this resource changed, so the Fleet itself stays deletable."""
        fleet_id = str(props["fleetId"])
        request = adcp.UpdateHubClusterFeatureRequest(cluster_id=fleet_id)
        if props.get("enableMesh"):
            request.enable_mesh = FEATURE_DEFAULTS["enableMesh"]
        if props.get("publicApiServerEnabled"):
            request.public_api_server_enabled = FEATURE_DEFAULTS["publicApiServerEnabled"]
        if props.get("deletionProtection"):
            request.deletion_protection = FEATURE_DEFAULTS["deletionProtection"]
        if len(request.to_map()) == 1:
            return  # every feature already at its default: nothing to undo
        try:
            self._update(self._client(str(props["regionId"])), request)
        except AdcpApiError as exc:
            if not _is_not_found(exc.code):
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


def _require_binding(fleet_id: str, declared: str, bound: str) -> None:
    if bound != declared:
        raise MeshBindingError(
            [
                Problem(
                    f"fleet {fleet_id}.MeshConfig.MeshId",
                    bound,
                    f"is not the declared ASM instance {declared!r}. UpdateHubClusterFeature has "
                    "no mesh-id parameter, so the binding cannot be moved from here: declare "
                    "the bound mesh, or disable the Fleet's mesh and bind it to the declared one.",
                )
            ]
        )


def _is_unknown(value: Any) -> bool:
    """Unknown at preview: the provider server hands Check/Diff ``Unknown()`` objects (it
    deserializes with keep_unknowns), the wire and the policy pack use the sentinel string."""
    return isinstance(value, Unknown) or (isinstance(value, str) and value == UNKNOWN)


def _changed_keys(olds: Mapping[str, Any], news: Mapping[str, Any]) -> list[str]:
    """Input keys whose value differs; an unknown new value counts as a change."""
    changed = []
    for key in INPUT_KEYS:
        new = news.get(key)
        if _is_unknown(new) or new != olds.get(key):
            changed.append(key)
    return changed


def _problems(props: Mapping[str, Any]) -> list[Problem]:
    problems: list[Problem] = []

    def known(key: str) -> bool:
        return not _is_unknown(props.get(key))

    if props.get("kind") != KIND:
        problems.append(Problem("kind", props.get("kind"), f"must be {KIND!r}"))
    for key in ("fleetId", "meshId"):
        value = props.get(key)
        if known(key) and (not isinstance(value, str) or not value.strip()):
            problems.append(Problem(key, value, "must be a non-empty id string"))
    region = props.get("regionId")
    if known("regionId") and (not isinstance(region, str) or not _REGION_RE.match(region)):
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
    problems = _problems(props)
    unknown = [k for k in INPUT_KEYS if _is_unknown(props.get(k))]
    problems += [Problem(k, None, "is still unknown at apply time") for k in unknown]
    if problems:
        raise FleetFeaturesError(problems)


def _code(exc: TeaException) -> str | None:
    code = getattr(exc, "code", None)
    return str(code) if code not in (None, "", "None") else None


def _is_throttling(code: str | None) -> bool:
    """Alibaba Cloud flow control: ``Throttling``, ``Throttling.User``, ``Throttling.Api``..."""
    return code is not None and (code == "Throttling" or code.startswith("Throttling."))


def _is_not_found(code: str | None) -> bool:
    # [U] adcp does not list its not-found code; its codes for a missing cluster contain
    # "NotFound" (e.g. ErrorClusterNotFound) as the other ACK APIs' do.
    return code is not None and "NotFound" in code


# --------------------------------------------------------------------------------------------
# The resource


@dataclass(frozen=True)
class FleetFeaturesArgs:
    """What to switch on for one ACK One Fleet (contract C3)."""

    fleet_id: pulumi.Input[str]
    """The Fleet's id (``ackone.Cluster.id``). Pass the Output so the dependency is recorded."""

    region: str
    """The Fleet's region, e.g. ``cn-hangzhou``: it selects the adcp endpoint. Required."""

    mesh_id: pulumi.Input[str]
    """The ASM instance the Fleet's mesh feature must be bound to (``servicemesh.ServiceMesh.id``).
    Verified, not set: the adcp API takes no mesh id (see the module docstring)."""

    enable_mesh: bool = True
    """Turn the Fleet's mesh feature on (``EnableMesh``). Default True: path (4) needs it."""

    public_api_server: bool = False
    """Associate an EIP with the Fleet's API server (``PublicApiServerEnabled``) and export the
    public kubeconfig. Default False: intranet endpoint and intranet kubeconfig (``cen`` mode)."""

    deletion_protection: bool = True
    """Turn on the Fleet's deletion protection. Default True; deleting this resource turns it off
    again, so ``pulumi destroy`` can still delete the Fleet afterwards."""

    api_server_eip_id: pulumi.Input[str] | None = None
    """An existing EIP for the public endpoint (``ApiServerEipId``); only with
    ``public_api_server``. Default None: the service allocates one."""

    def __post_init__(self) -> None:
        problems: list[Problem] = []
        for name in ("fleet_id", "mesh_id"):
            value = getattr(self, name)
            if value is None or (isinstance(value, str) and not value.strip()):
                problems.append(Problem(name, value, "must be an id or an Output of one"))
        if not isinstance(self.region, str) or not _REGION_RE.match(self.region):
            problems.append(
                Problem("region", self.region, "must be a region id like 'cn-hangzhou'")
            )
        for name in ("enable_mesh", "public_api_server", "deletion_protection"):
            if not isinstance(getattr(self, name), bool):
                problems.append(Problem(name, getattr(self, name), "must be True or False"))
        if self.api_server_eip_id is not None and not self.public_api_server:
            problems.append(
                Problem("api_server_eip_id", self.api_server_eip_id, "needs public_api_server=True")
            )
        if problems:
            raise FleetFeaturesError(problems)


class FleetFeatures(dyn.Resource):
    """The Fleet's mesh feature, API endpoint, deletion protection and kubeconfig.

    Registers as ``pulumi-python:dynamic:Resource`` with the C3 inputs. Give it
    ``opts.depends_on`` every ``ackone.MembershipAttachment`` of the Fleet: the mesh must be
    enabled after the clusters joined. ``fleet_id`` and ``mesh_id`` carry their own dependencies.
    """

    kubeconfig: pulumi.Output[str]
    """The Fleet's kubeconfig, intranet unless ``public_api_server``. Secret."""

    boundMeshId: pulumi.Output[str]  # camelCase: dynamic outputs keep their property names
    """The ASM instance id the Fleet reports (``""`` when the mesh feature is off)."""

    apiServerEndpoint: pulumi.Output[str]
    """The Fleet API server endpoint matching the kubeconfig (intranet or public)."""

    def __init__(
        self, name: str, args: FleetFeaturesArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        props: dict[str, Any] = {
            "kind": KIND,
            "fleetId": args.fleet_id,
            "regionId": args.region,
            "meshId": args.mesh_id,
            "enableMesh": args.enable_mesh,
            "publicApiServerEnabled": args.public_api_server,
            "deletionProtection": args.deletion_protection,
            "privateKubeconfig": not args.public_api_server,
            "apiServerEipId": args.api_server_eip_id,  # None is dropped from the inputs
            # Outputs only: None inputs are not sent, but declaring them creates the attributes.
            "kubeconfig": None,
            "boundMeshId": None,
            "apiServerEndpoint": None,
        }
        # The engine encrypts kubeconfig in the state; the Python attribute is marked secret too
        # so that anything derived from it (the merged kubeconfig) stays secret in every run.
        secret_opts = pulumi.ResourceOptions(additional_secret_outputs=["kubeconfig"])
        super().__init__(
            FleetFeaturesProvider(), name, props, pulumi.ResourceOptions.merge(opts, secret_opts)
        )
        self.kubeconfig = pulumi.Output.secret(self.kubeconfig)
