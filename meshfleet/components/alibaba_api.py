"""Alibaba Cloud OpenAPI plumbing shared by meshfleet's dynamic resources.

A dynamic resource drives an Alibaba product API through its official SDK client (ACK One's
``alibabacloud-adcp20220101`` for ``FleetFeatures``; ASM's ``alibabacloud-servicemesh20200111``
for ``MeshMembership``). What every such resource needs is here, once:

* :data:`CREDENTIAL_KEYS`: the alicloud provider's credential settings in the stack config;
* :func:`resolve_credentials`: the first complete AccessKey pair, looked up as the alicloud
  provider looks it up (stack config, ``ALICLOUD_*``, ``ALIBABA_CLOUD_*``, then the SDK's own
  default chain: profile file, ECS RAM role, OIDC);
* :func:`openapi_config`: the SDK ``Config`` for a region's endpoint, from which each product's
  client factory builds its client (``Client(openapi_config(credentials, region))``);
* :func:`call_with_retries`: one API call by action name, retrying throttling (or, for calls that
  are safe to repeat, every transient failure: :func:`is_transient`) with capped exponential
  backoff, every other failure raised as an :class:`AlibabaApiError` carrying the API's code,
  message and request id; :func:`is_not_found` for reads and deletes;
* :class:`ApiResourceProvider`: a ``pulumi.dynamic.ResourceProvider`` base that keeps the
  credentials out of the pickled provider (the state stores it as ``__provider``), resolves them
  inside each method and builds the product client for the resource's own region.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import pulumi.dynamic as dyn
from pulumi.output import Unknown
from pulumi.runtime.rpc import UNKNOWN
from Tea.exceptions import TeaException

from meshfleet.errors import MeshfleetError, Problem

T = TypeVar("T")
C = TypeVar("C")

REGION_RE = re.compile(r"^[a-z]{2,}(-[a-z0-9]+)+$")
"""A region id such as ``cn-hangzhou``: it picks a product's endpoint."""


@dataclass(frozen=True)
class CredentialKey:
    """One credential setting of the alicloud provider."""

    provider_arg: str
    """Its ``alicloud.ProviderArgs`` field."""
    secret: bool
    """Read with ``Config.get_secret`` (it is a secret in the stack config)."""


#: The alicloud provider's credential settings, ``alicloud:<key>`` in the stack config. Explicit
#: providers do not read them as the default provider does, so meshfleet copies them into each;
#: dynamic providers receive them through ``configure()``.
CREDENTIAL_KEYS: Mapping[str, CredentialKey] = {
    "accessKey": CredentialKey("access_key", secret=True),
    "secretKey": CredentialKey("secret_key", secret=True),
    "securityToken": CredentialKey("security_token", secret=True),
    "profile": CredentialKey("profile", secret=False),
}
#: Environment variables holding (key id, secret, token), in the order the provider reads them.
ENV_SOURCES: tuple[tuple[str, str, str], ...] = (
    ("ALICLOUD_ACCESS_KEY", "ALICLOUD_SECRET_KEY", "ALICLOUD_SECURITY_TOKEN"),
    (
        "ALIBABA_CLOUD_ACCESS_KEY_ID",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
        "ALIBABA_CLOUD_SECURITY_TOKEN",
    ),
)


@dataclass(frozen=True)
class Credentials:
    """An AccessKey pair (optionally STS) and where it came from; secrets never in repr."""

    access_key_id: str = field(repr=False)
    access_key_secret: str = field(repr=False)
    security_token: str | None = field(default=None, repr=False)
    source: str = ""


ClientFactory = Callable[[Credentials | None, str], C]
"""``(credentials or None for the default chain, region) -> client`` of one product. Must
pickle by reference (a module-level function): the provider holding it is pickled into the
state."""


def resolve_credentials(
    stack_config: Mapping[str, Any], environ: Mapping[str, str]
) -> Credentials | None:
    """The first complete AccessKey pair: stack config, then ALICLOUD_*, then ALIBABA_CLOUD_*.

    A key id and its secret are never taken from two different sources. ``None`` means "use the
    SDK's default credential chain" (profile file, ECS RAM role, OIDC).

    >>> resolve_credentials({}, {"ALICLOUD_ACCESS_KEY": "id", "ALICLOUD_SECRET_KEY": "s"}).source
    'environment ALICLOUD_ACCESS_KEY/ALICLOUD_SECRET_KEY'
    """
    key, secret, token = (
        _config_str(stack_config.get(f"alicloud:{k}"))
        for k in ("accessKey", "secretKey", "securityToken")
    )
    if key and secret:
        return Credentials(key, secret, token, "stack config alicloud:accessKey/secretKey")
    for key_var, secret_var, token_var in ENV_SOURCES:
        key, secret = environ.get(key_var), environ.get(secret_var)
        if key and secret:
            return Credentials(
                key, secret, environ.get(token_var) or None, f"environment {key_var}/{secret_var}"
            )
    return None


def _config_str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def openapi_config(credentials: Credentials | None, region: str) -> Any:
    """The SDK ``Config`` for ``region``'s endpoint: the pair, or the default credential chain."""
    # Imported here: the SDK pulls in the HTTP stack, which the program itself never needs.
    from alibabacloud_tea_openapi.models import Config

    if credentials is None:
        from alibabacloud_credentials.client import Client as CredentialClient

        return Config(credential=CredentialClient(), region_id=region)
    return Config(
        access_key_id=credentials.access_key_id,
        access_key_secret=credentials.access_key_secret,
        security_token=credentials.security_token,
        region_id=region,
    )


class AlibabaApiError(MeshfleetError):
    """An Alibaba Cloud API call failed; carries the API's error code, message and request id."""

    title = "Alibaba Cloud API call failed"

    def __init__(
        self,
        *,
        action: str,
        target: str,
        code: str | None,
        message: str | None,
        request_id: str | None = None,
        attempts: int = 1,
    ) -> None:
        self.action = action
        self.target = target
        self.code = code
        self.api_message = message
        self.request_id = request_id
        self.attempts = attempts
        detail = f"{code or 'no error code'}: {message or 'no message'}"
        if request_id:
            detail += f" (request id {request_id})"
        if attempts > 1:
            detail += f" after {attempts} attempts"
        super().__init__([Problem(f"{action}({target})", code, detail)])


def error_code(exc: TeaException) -> str | None:
    """The API's error code of an SDK exception (None when the response carried none)."""
    code = getattr(exc, "code", None)
    return str(code) if code not in (None, "", "None") else None


def is_throttling(code: str | None) -> bool:
    """Alibaba Cloud flow control: ``Throttling``, ``Throttling.User``, ``Throttling.Api``..."""
    return code is not None and (code == "Throttling" or code.startswith("Throttling."))


def is_throttled(exc: TeaException) -> bool:
    """The default retry rule: the API throttled the call."""
    return is_throttling(error_code(exc))


def is_transient(exc: TeaException) -> bool:
    """What the alicloud provider retries (its NeedRetry): throttling, ``ServiceUnavailable`` and
    any 5xx response. Only for calls whose repetition is harmless or detected afterwards."""
    status = getattr(exc, "status_code", None) or getattr(exc, "statusCode", None)
    return (
        is_throttled(exc)
        or error_code(exc) == "ServiceUnavailable"
        or (isinstance(status, int) and status >= 500)
    )


def is_not_found(code: str | None) -> bool:
    """A missing resource. Unconfirmed for adcp and ASM, whose references list no not-found
    code: their codes for a missing cluster contain ``NotFound`` (e.g. ErrorClusterNotFound), as
    the other ACK APIs' do."""
    return code is not None and "NotFound" in code


@dataclass(frozen=True)
class Backoff:
    """How a throttled call is retried: deterministic exponential backoff, capped."""

    max_attempts: int = 6
    base_delay: float = 1.0
    max_delay: float = 30.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt ``attempt`` (1-based). Defaults: 1+2+4+8+16 =
        31 s of waiting over 6 attempts at most."""
        return min(self.max_delay, self.base_delay * 2 ** (attempt - 1))


def call_with_retries(
    action: str,
    target: str,
    fn: Callable[[], T],
    *,
    backoff: Backoff,
    sleep: Callable[[float], None],
    error: type[AlibabaApiError] = AlibabaApiError,
    retry_if: Callable[[TeaException], bool] = is_throttled,
) -> T:
    """``fn()`` (one SDK call of ``action`` on ``target``, e.g. ``ClusterId=c-1``), retried
    while ``retry_if`` (default: the API throttles); any other SDK failure, or the last retried
    one, as ``error``."""
    for attempt in range(1, backoff.max_attempts + 1):
        try:
            return fn()
        except TeaException as exc:
            code = error_code(exc)
            if retry_if(exc) and attempt < backoff.max_attempts:
                sleep(backoff.delay(attempt))  # one resource per target: no herd to spread
                continue
            raise error(
                action=action,
                target=target,
                code=code,
                message=getattr(exc, "message", None) or str(exc),
                request_id=getattr(exc, "request_id", None),
                attempts=attempt,
            ) from exc
    raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover


class ApiResourceProvider(dyn.ResourceProvider, Generic[C]):
    """A dynamic provider that calls one Alibaba product API through client type ``C``.

    The instance is pickled (dill) into every resource's ``__provider`` input, so it holds only
    plain settings: the client is built inside each method from credentials resolved there, and
    ``configure()`` (run in the provider process, after unpickling) keeps the stack config's
    credential keys on the instance, which ``__getstate__`` drops should anything pickle a
    configured provider again. Subclasses name their product's :meth:`default_client`.
    """

    def __init__(
        self,
        client_factory: ClientFactory[C] | None = None,
        *,
        backoff: Backoff | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        super().__init__()
        backoff = backoff or Backoff()
        if backoff.max_attempts < 1:
            raise ValueError(f"max_attempts ({backoff.max_attempts}) must be >= 1")
        self._client_factory = client_factory
        self._backoff = backoff
        self._sleep = sleep
        self._stack_config: dict[str, Any] = {}

    def default_client(self, credentials: Credentials | None, region: str) -> C:
        """The product's SDK client (the production factory)."""
        raise NotImplementedError

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_stack_config"] = {}  # credentials from configure() never travel with the pickle
        return state

    def configure(self, req: dyn.ConfigureRequest) -> None:
        """Keep the alicloud credential keys of the stack config (provider process only)."""
        self._stack_config = {
            f"alicloud:{k}": req.config.get(f"alicloud:{k}") for k in CREDENTIAL_KEYS
        }

    def client(self, region: str) -> C:
        """A client of the product's endpoint in ``region``, with freshly resolved credentials."""
        credentials = resolve_credentials(self._stack_config, os.environ)
        if self._client_factory is None:
            return self.default_client(credentials, region)
        return self._client_factory(credentials, region)

    def call(
        self,
        action: str,
        target: str,
        fn: Callable[[], T],
        error: type[AlibabaApiError] = AlibabaApiError,
        retry_if: Callable[[TeaException], bool] = is_throttled,
    ) -> T:
        """:func:`call_with_retries` with this provider's backoff and sleep."""
        return call_with_retries(
            action,
            target,
            fn,
            backoff=self._backoff,
            sleep=self.pause,
            error=error,
            retry_if=retry_if,
        )

    def pause(self, seconds: float) -> None:
        (time.sleep if self._sleep is None else self._sleep)(seconds)


def is_unknown(value: Any) -> bool:
    """Unknown at preview: the provider server hands Check/Diff ``Unknown()`` objects (it
    deserializes with keep_unknowns), the wire and the policy pack use the sentinel string."""
    return isinstance(value, Unknown) or (isinstance(value, str) and value == UNKNOWN)


def changed_keys(
    olds: Mapping[str, Any], news: Mapping[str, Any], keys: tuple[str, ...]
) -> list[str]:
    """Input ``keys`` whose value differs; an unknown new value counts as a change."""
    changed = []
    for key in keys:
        new = news.get(key)
        if is_unknown(new) or new != olds.get(key):
            changed.append(key)
    return changed


def check_result(news: dict[str, Any], problems: list[Problem]) -> dyn.CheckResult:
    """A provider's ``check()``: the inputs as they are, one failure per problem (unknown values
    at preview are not problems; :func:`known_at_apply` catches them at apply)."""
    return dyn.CheckResult(
        news, [dyn.CheckFailure(p.path, f"{p.value!r} {p.message}") for p in problems]
    )


def known_at_apply(props: Mapping[str, Any], keys: tuple[str, ...]) -> list[Problem]:
    """A problem for each input of ``keys`` still unknown when the provider must act on it."""
    return [
        Problem(k, None, "is still unknown at apply time") for k in keys if is_unknown(props.get(k))
    ]


def replacing_diff(
    olds: Mapping[str, Any],
    news: Mapping[str, Any],
    keys: tuple[str, ...],
    replace_keys: frozenset[str],
    identity: str,
) -> dyn.DiffResult:
    """Exactly the inputs of ``keys`` that changed; a change of ``replace_keys`` replaces, and
    deletes first unless ``identity`` (what the resource acts on) changed too: the same target
    under a new resource would be switched on by the create and off by the old one's delete."""
    changed = changed_keys(olds, news, keys)
    replaces = sorted(k for k in changed if k in replace_keys)
    return dyn.DiffResult(
        changes=bool(changed),
        replaces=replaces,
        delete_before_replace=bool(replaces) and identity not in changed,
    )
