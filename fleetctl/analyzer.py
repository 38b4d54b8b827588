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

import json
import os
import selectors
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import grpc
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from fleetctl.policy_config import (
    ENFORCEMENT_LEVELS,
    AnalyzerInfo,
    PolicyConfigError,
    PolicyInfo,
    resolve_config,
)

__all__ = [
    "ENFORCEMENT_LEVELS",
    "AnalyzerInfo",
    "Diagnostic",
    "PolicyConfigError",
    "PolicyInfo",
    "PolicyPackError",
    "PolicyPackRunner",
    "resolve_config",
]

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
class Diagnostic:
    """One violation reported by the pack."""

    policy_name: str
    policy_pack_name: str
    message: str
    enforcement_level: str
    urn: str
    severity: str
    description: str


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
