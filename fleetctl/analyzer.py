"""A client of the Pulumi analyzer gRPC protocol: run a CrossGuard policy pack as the engine does.

``pulumi preview --policy-pack DIR`` starts ``python -u -m pulumi.policy <engine-address> .`` in
DIR with the stack's project, name, dry-run flag, organisation and config in the environment,
reads the port the pack prints, then calls GetAnalyzerInfo, Configure (with a *resolved* config:
schema defaults filled in, the ``"all"`` level applied, every policy's level explicit),
ConfigureStack, Analyze per resource and AnalyzeStack once. :class:`PolicyPackRunner` does the
same, so ``fleetctl check`` and the policy tests exercise the real path, unknown sentinels and all.

The engine-address argument is parsed by ``pulumi.policy`` but never dialled (pulumi 3.272 builds
its runtime Settings without an engine, and ``pulumi.log`` then writes to stderr), so no Engine
service is served here; a placeholder address is passed.

Example (stack = engine-view resource dicts, as ``Capture.engine_view()`` returns them)::

    with PolicyPackRunner("policies", config={"all": "mandatory"}) as pack:
        for d in pack.analyze_stack(stack):
            print(d.enforcement_level, d.policy_name, d.urn)
"""

from __future__ import annotations

import copy
import json
import os
import selectors
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import grpc
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

ENFORCEMENT_LEVELS = ("advisory", "mandatory", "remediate", "disabled")
_LEVEL_TO_PROTO = {
    "advisory": analyzer_pb2.ADVISORY,
    "mandatory": analyzer_pb2.MANDATORY,
    "remediate": analyzer_pb2.REMEDIATE,
    "disabled": analyzer_pb2.DISABLED,
}
_PROTO_TO_LEVEL = {v: k for k, v in _LEVEL_TO_PROTO.items()}
_PROTO_TO_SEVERITY = {
    analyzer_pb2.POLICY_SEVERITY_UNSPECIFIED: "",
    analyzer_pb2.POLICY_SEVERITY_LOW: "low",
    analyzer_pb2.POLICY_SEVERITY_MEDIUM: "medium",
    analyzer_pb2.POLICY_SEVERITY_HIGH: "high",
    analyzer_pb2.POLICY_SEVERITY_CRITICAL: "critical",
}
# Placeholder for the engine address argument: pulumi.policy parses it but never connects.
_ENGINE_ADDRESS = "127.0.0.1:0"
_MAX_MESSAGE = 1024 * 1024 * 400  # what pulumi_policy itself allows, stacks can be big


class PolicyPackError(RuntimeError):
    """The pack could not be started or answered an RPC with an error."""


@dataclass(frozen=True)
class PolicyInfo:
    """One policy as the pack describes it in GetAnalyzerInfo."""

    name: str
    description: str
    enforcement_level: str
    severity: str = ""
    config_schema: Mapping[str, Any] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    remediation_steps: str = ""
    url: str = ""
    stack_policy: bool = True


@dataclass(frozen=True)
class AnalyzerInfo:
    """The pack's name, version, policies and programmatic initial config."""

    name: str
    version: str
    policies: tuple[PolicyInfo, ...]
    initial_config: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def policy(self, name: str) -> PolicyInfo:
        """The policy called ``name`` (KeyError naming it if the pack has none)."""
        for p in self.policies:
            if p.name == name:
                return p
        raise KeyError(f"policy pack {self.name!r} has no policy {name!r}")


@dataclass(frozen=True)
class Diagnostic:
    """One violation reported by the pack."""

    policy_name: str
    policy_pack_name: str
    message: str
    enforcement_level: str
    urn: str
    severity: str
    description: str


class PolicyConfigError(ValueError):
    """A policy pack config the CLI would refuse; ``errors`` lists every problem at once."""

    def __init__(self, errors: Sequence[str]) -> None:
        self.errors = list(errors)
        n = len(self.errors)
        super().__init__(
            f"invalid policy pack config ({n} problem{'s' if n != 1 else ''}):\n - "
            + "\n - ".join(self.errors)
        )


def _split_entry(value: Any, where: str, errors: list[str]) -> tuple[str | None, dict[str, Any]]:
    """A config entry is a level string or an object with an optional enforcementLevel (the
    CLI's ``parsePolicyPackConfig`` / ``extractEnforcementLevel``)."""
    levels = ", ".join(ENFORCEMENT_LEVELS)
    if isinstance(value, str):
        if value in ENFORCEMENT_LEVELS:
            return value, {}
        errors.append(f"{where}: enforcement level must be one of {levels}, got {value!r}")
        return None, {}
    if isinstance(value, Mapping):
        props = {k: v for k, v in value.items() if k != "enforcementLevel"}
        level = value.get("enforcementLevel")
        if level is None or level in ENFORCEMENT_LEVELS:
            return level, props
        errors.append(
            f"{where}.enforcementLevel: enforcement level must be one of {levels}, got {level!r}"
        )
        return None, props
    errors.append(f"{where}: expected an enforcement level or an object, got {value!r}")
    return None, {}


def _policy_schema(p: PolicyInfo) -> dict[str, Any]:
    """The JSON Schema the CLI validates a policy's config against (``convertSchema``): an
    object with the policy's properties and required keys. fleetctl adds
    ``additionalProperties: false`` so that a misspelt key is an error, not a silent no-op."""
    schema: dict[str, Any] = {
        "type": "object",
        "additionalProperties": False,
        "properties": dict(p.config_schema),
    }
    if p.required:
        schema["required"] = list(p.required)
    return schema


def _where(policy: str, path: Sequence[Any]) -> str:
    out = policy
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else f".{step}"
    return out


def _schema_errors(p: PolicyInfo, props: Mapping[str, Any]) -> list[str]:
    """Every JSON-Schema error of one policy's resolved properties, as the CLI reports them
    (``validatePolicyConfig``: gojsonschema with format checks), each named by its path."""
    from jsonschema import Draft7Validator
    from jsonschema.exceptions import SchemaError

    schema = _policy_schema(p)
    try:
        Draft7Validator.check_schema(schema)
    except SchemaError as exc:
        return [f"{p.name}: the pack's config schema is invalid: {exc.message}"]
    validator = Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)
    found = sorted(
        validator.iter_errors(dict(props)),
        key=lambda e: ([str(s) for s in e.absolute_path], e.message),
    )
    return [f"{_where(p.name, list(e.absolute_path))}: {_say(e)}" for e in found]


def _say(e: Any) -> str:
    """One JSON-Schema error in words that name what was expected and what was given (the
    library's own message for the keywords without a clearer phrasing)."""
    if e.validator == "type":
        return f"expected {e.validator_value}, got {e.instance!r}"
    if e.validator == "enum":
        return f"expected one of {list(e.validator_value)}, got {e.instance!r}"
    if e.validator == "additionalProperties" and isinstance(e.instance, Mapping):
        known = sorted(e.schema.get("properties") or {})
        extra = sorted(set(e.instance) - set(known))
        return (
            f"has no config key {', '.join(repr(k) for k in extra)} "
            f"(known: {', '.join(known) or 'none'})"
        )
    return str(e.message)


def resolve_config(
    info: AnalyzerInfo, user_config: Mapping[str, Any] | None
) -> dict[str, dict[str, Any]]:
    """Resolve and validate a ``--policy-pack-config`` object as the Pulumi CLI does before
    Configure (``ReconcilePolicyPackConfig`` in pulumi/pulumi's ``pkg/resource/analyzer``).

    Every policy gets its default level and schema defaults, then the pack's initial config,
    then the ``"all"`` level, then per-policy entries; each policy's resulting properties are
    then validated against its config schema with JSON Schema (``jsonschema``, draft 7, formats
    checked). Every problem is collected and raised at once as :class:`PolicyConfigError`.
    Unlike the CLI (which ignores them) unknown policy names, unknown property keys and
    properties under ``"all"`` are errors, so a typo cannot silently do nothing.

    >>> info = AnalyzerInfo("p", "1", (PolicyInfo("a", "d", "mandatory",
    ...     config_schema={"unknowns": {"type": "string", "default": "advisory"}}),))
    >>> resolve_config(info, {"all": "advisory"})
    {'a': {'enforcementLevel': 'advisory', 'unknowns': 'advisory'}}
    >>> resolve_config(info, {"a": {"unknowns": 3}, "b": "loud"})
    Traceback (most recent call last):
    ...
    fleetctl.analyzer.PolicyConfigError: invalid policy pack config (2 problems):
     - policy pack config: unknown policy 'b' (known: a)
     - a.unknowns: expected string, got 3
    """
    errors: list[str] = []
    result: dict[str, dict[str, Any]] = {}
    for p in info.policies:
        entry: dict[str, Any] = {"enforcementLevel": p.enforcement_level}
        for key, schema in p.config_schema.items():
            if isinstance(schema, Mapping) and "default" in schema:
                entry[key] = copy.deepcopy(schema["default"])
        result[p.name] = entry
    layers: list[tuple[str, Any]] = [
        ("initial config", info.initial_config),
        ("policy pack config", user_config or {}),
    ]
    for label, layer in layers:
        if not isinstance(layer, Mapping):
            errors.append(f"{label}: expected a JSON object keyed by policy name")
            continue
        if "all" in layer:
            level, props = _split_entry(layer["all"], f"{label}: 'all'", errors)
            if props:
                errors.append(
                    f"{label}: 'all' accepts only an enforcement level, got keys {sorted(props)}"
                )
            if level is not None:
                for entry in result.values():
                    entry["enforcementLevel"] = level
        for name, value in layer.items():
            if name == "all":
                continue
            if name not in result:
                known = ", ".join(sorted(result))
                errors.append(f"{label}: unknown policy {name!r} (known: {known})")
                continue
            level, props = _split_entry(value, f"{label}: {name!r}", errors)
            if level is not None:
                result[name]["enforcementLevel"] = level
            result[name].update(props)
    for p in info.policies:
        props = {k: v for k, v in result[p.name].items() if k != "enforcementLevel"}
        errors.extend(_schema_errors(p, props))
    if errors:
        raise PolicyConfigError(errors)
    return result


def _struct(value: Mapping[str, Any]) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(value)
    return s


class PolicyPackRunner:
    """Start a policy pack as the Pulumi engine does and talk to it over gRPC.

    ``config`` is the user's policy pack config (as in ``--policy-pack-config``); it is resolved
    with :func:`resolve_config` before Configure. ``env`` adds variables for the pack process.
    """

    def __init__(
        self,
        pack_dir: str | Path,
        *,
        config: Mapping[str, Any] | None = None,
        project: str = "meshfleet",
        stack: str = "example",
        organization: str = "organization",
        python: str = sys.executable,
        dry_run: bool = True,
        stack_config: Mapping[str, str] | None = None,
        env: Mapping[str, str] | None = None,
        start_timeout: float = 60.0,
    ) -> None:
        self.pack_dir = Path(pack_dir).resolve()
        self.user_config = dict(config or {})
        self.project = project
        self.stack = stack
        self.organization = organization
        self.python = python
        self.dry_run = dry_run
        self.stack_config = dict(stack_config or {})
        self.extra_env = dict(env or {})
        self.start_timeout = start_timeout
        self._proc: subprocess.Popen[bytes] | None = None
        self._stderr: Any = None
        self._channel: grpc.Channel | None = None
        self._stub: analyzer_pb2_grpc.AnalyzerStub | None = None
        self._info: AnalyzerInfo | None = None
        self.resolved_config: dict[str, dict[str, Any]] = {}

    # -- lifecycle -----------------------------------------------------------------------------
    def __enter__(self) -> PolicyPackRunner:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def start(self) -> None:
        """Start the pack, read its port, connect, fetch its info and configure it."""
        if not (self.pack_dir / "PulumiPolicy.yaml").is_file():
            raise PolicyPackError(f"{self.pack_dir} is not a policy pack (no PulumiPolicy.yaml)")
        env = dict(os.environ)
        env.update(
            PULUMI_PROJECT=self.project,
            PULUMI_STACK=self.stack,
            PULUMI_DRY_RUN="true" if self.dry_run else "false",
            PULUMI_ORGANIZATION=self.organization,
            PULUMI_CONFIG=json.dumps(self.stack_config),
        )
        env.update(self.extra_env)
        # stderr goes to a temporary file, not a pipe: nobody drains a pipe while the pack runs.
        self._stderr = tempfile.TemporaryFile()
        self._proc = subprocess.Popen(
            [self.python, "-u", "-m", "pulumi.policy", _ENGINE_ADDRESS, "."],
            cwd=self.pack_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
        )
        try:
            port = self._read_port()
            self._channel = grpc.insecure_channel(
                f"127.0.0.1:{port}",
                options=[
                    ("grpc.max_receive_message_length", _MAX_MESSAGE),
                    ("grpc.max_send_message_length", _MAX_MESSAGE),
                ],
            )
            grpc.channel_ready_future(self._channel).result(timeout=self.start_timeout)
            self._stub = analyzer_pb2_grpc.AnalyzerStub(self._channel)
            self._info = self._fetch_info()
            self.resolved_config = resolve_config(self._info, self.user_config)
            self._configure()
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Stop the pack process and close the channel (idempotent)."""
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        if self._proc is not None:
            if self._proc.poll() is None:
                self._proc.terminate()
                try:
                    self._proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self._proc.kill()
                    self._proc.wait()
            if self._proc.stdout is not None:
                self._proc.stdout.close()
            self._proc = None
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def stderr_text(self) -> str:
        """What the pack wrote to stderr so far."""
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        data: bytes = self._stderr.read()
        return data.decode(errors="replace")

    def _read_port(self) -> int:
        assert self._proc is not None and self._proc.stdout is not None
        sel = selectors.DefaultSelector()
        sel.register(self._proc.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + self.start_timeout
        buf = b""
        try:
            while b"\n" not in buf:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise PolicyPackError(
                        f"policy pack {self.pack_dir} printed no port within "
                        f"{self.start_timeout:.0f}s; stderr:\n{self.stderr_text()}"
                    )
                if not sel.select(timeout=min(remaining, 0.5)):
                    if self._proc.poll() is not None:
                        break
                    continue
                chunk = os.read(self._proc.stdout.fileno(), 4096)
                if not chunk:
                    break
                buf += chunk
        finally:
            sel.close()
        line = buf.split(b"\n", 1)[0].strip()
        if not line.isdigit():
            code = self._proc.poll()
            if code is None:
                try:
                    code = self._proc.wait(timeout=2)
                except subprocess.TimeoutExpired:
                    code = None
            raise PolicyPackError(
                f"policy pack {self.pack_dir} failed to start (exit code {code}, "
                f"stdout {buf.decode(errors='replace')!r}); stderr:\n{self.stderr_text()}"
            )
        return int(line)

    def _call(self, method: str, request: Any) -> Any:
        if self._stub is None:
            raise PolicyPackError("the policy pack is not running (use it as a context manager)")
        try:
            return getattr(self._stub, method)(request)
        except grpc.RpcError as e:
            raise PolicyPackError(
                f"{method} failed: {e}; pack stderr:\n{self.stderr_text()}"
            ) from e

    # -- protocol ------------------------------------------------------------------------------
    def _fetch_info(self) -> AnalyzerInfo:
        raw = self._call("GetAnalyzerInfo", empty_pb2.Empty())
        policies = []
        for p in raw.policies:
            schema = json_format.MessageToDict(p.configSchema.properties)
            policies.append(
                PolicyInfo(
                    name=p.name,
                    description=p.description,
                    enforcement_level=_PROTO_TO_LEVEL[p.enforcementLevel],
                    severity=_PROTO_TO_SEVERITY.get(p.severity, ""),
                    config_schema=schema,
                    required=tuple(p.configSchema.required),
                    remediation_steps=p.remediation_steps,
                    url=p.url,
                    stack_policy=p.policy_type != analyzer_pb2.POLICY_TYPE_RESOURCE,
                )
            )
        initial: dict[str, dict[str, Any]] = {}
        for name, cfg in raw.initialConfig.items():
            entry = json_format.MessageToDict(cfg.properties)
            if cfg.enforcementLevel != analyzer_pb2.ADVISORY or cfg.HasField("properties"):
                entry["enforcementLevel"] = _PROTO_TO_LEVEL[cfg.enforcementLevel]
            initial[name] = entry
        return AnalyzerInfo(raw.name, raw.version, tuple(policies), initial)

    def _configure(self) -> None:
        request = analyzer_pb2.ConfigureAnalyzerRequest()
        for name, entry in self.resolved_config.items():
            props = {k: v for k, v in entry.items() if k != "enforcementLevel"}
            cfg = request.policyConfig[name]
            cfg.enforcementLevel = _LEVEL_TO_PROTO[entry["enforcementLevel"]]
            if props:
                cfg.properties.CopyFrom(_struct(props))
        self._call("Configure", request)
        self._call(
            "ConfigureStack",
            analyzer_pb2.AnalyzerStackConfigureRequest(
                stack=self.stack,
                project=self.project,
                organization=self.organization,
                dry_run=self.dry_run,
                config=self.stack_config,
            ),
        )

    def reconfigure(self, config: Mapping[str, Any] | None) -> None:
        """Resolve and send a new policy pack config (the pack keeps running)."""
        self.resolved_config = resolve_config(self.info(), config)
        self.user_config = dict(config or {})
        self._configure()

    def info(self) -> AnalyzerInfo:
        """The pack's description (names, default levels, config schemas)."""
        if self._info is None:
            raise PolicyPackError("the policy pack is not running (use it as a context manager)")
        return self._info

    def plugin_version(self) -> str:
        """The pulumi-policy SDK version the pack runs on."""
        return str(self._call("GetPluginInfo", empty_pb2.Empty()).version)

    @staticmethod
    def _providers(resources: Sequence[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
        return {
            str(r["urn"]): r
            for r in resources
            if str(r.get("type", "")).startswith("pulumi:providers:")
        }

    @staticmethod
    def _provider_message(
        res: Mapping[str, Any], providers: Mapping[str, Mapping[str, Any]]
    ) -> analyzer_pb2.AnalyzerProviderResource | None:
        ref = str(res.get("provider") or "")
        # An engine-view dict gives the bare URN; an engine reference is "<urn>::<id>": take both.
        prov = providers.get(ref) or providers.get(ref.rsplit("::", 1)[0])
        if prov is None:
            return None
        return analyzer_pb2.AnalyzerProviderResource(
            type=str(prov["type"]),
            properties=_struct(prov.get("properties") or {}),
            urn=str(prov["urn"]),
            name=str(prov.get("name", "")),
        )

    @staticmethod
    def to_analyzer_resource(
        res: Mapping[str, Any], providers: Mapping[str, Mapping[str, Any]]
    ) -> analyzer_pb2.AnalyzerResource:
        """Turn one engine-view resource dict into the AnalyzerResource the engine would send."""
        for key in ("type", "urn"):
            if not res.get(key):
                raise ValueError(f"resource {res.get('name', '?')!r}: missing {key!r}")
        provider = PolicyPackRunner._provider_message(res, providers)
        parent = str(res.get("parent") or "")
        msg = analyzer_pb2.AnalyzerResource(
            type=str(res["type"]),
            properties=_struct(res.get("properties") or {}),
            urn=str(res["urn"]),
            name=str(res.get("name") or str(res["urn"]).rsplit("::", 1)[-1]),
            options=analyzer_pb2.AnalyzerResourceOptions(parent=parent),
            parent=parent,
            dependencies=[str(d) for d in res.get("dependencies") or ()],
        )
        if provider is not None:
            msg.provider.CopyFrom(provider)
        for key, urns in (res.get("propertyDependencies") or {}).items():
            if urns:  # the engine drops empty entries
                msg.propertyDependencies[key].urns.extend(str(u) for u in urns)
        return msg

    def _diagnostics(self, response: Any) -> list[Diagnostic]:
        return [
            Diagnostic(
                policy_name=d.policyName,
                policy_pack_name=d.policyPackName,
                message=d.message,
                enforcement_level=_PROTO_TO_LEVEL[d.enforcementLevel],
                urn=d.urn,
                severity=_PROTO_TO_SEVERITY.get(d.severity, ""),
                description=d.description,
            )
            for d in response.diagnostics
        ]

    def stack_request(self, resources: Sequence[Mapping[str, Any]]) -> Any:
        """The AnalyzeStackRequest for an engine-view stack (a benchmark times the RPC alone)."""
        providers = self._providers(resources)
        return analyzer_pb2.AnalyzeStackRequest(
            resources=[self.to_analyzer_resource(r, providers) for r in resources]
        )

    def analyze_stack_request(self, request: Any) -> list[Diagnostic]:
        """Send a prepared AnalyzeStackRequest."""
        return self._diagnostics(self._call("AnalyzeStack", request))

    def analyze_stack(self, resources: Sequence[Mapping[str, Any]]) -> list[Diagnostic]:
        """AnalyzeStack over a whole engine-view stack; the diagnostics in the pack's order."""
        return self.analyze_stack_request(self.stack_request(resources))

    def analyze(
        self, resource: Mapping[str, Any], stack: Sequence[Mapping[str, Any]] = ()
    ) -> list[Diagnostic]:
        """Analyze one resource (its provider is looked up in ``stack``, or the resource itself)."""
        providers = self._providers([*stack, resource])
        r = self.to_analyzer_resource(resource, providers)
        request = analyzer_pb2.AnalyzeRequest(
            type=r.type, properties=r.properties, urn=r.urn, name=r.name, options=r.options
        )
        if r.HasField("provider"):
            request.provider.CopyFrom(r.provider)
        return self._diagnostics(self._call("Analyze", request))
