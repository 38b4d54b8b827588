"""Run a Python Pulumi program offline, in preview mode, and record what it registers.

``pulumi preview`` runs a program against the engine's resource monitor; here a recording
subclass of :class:`pulumi.runtime.mocks.MockMonitor` stands in for it, so no Pulumi CLI, plugin
or cloud account is needed. Two entry points:

* :func:`run_program` runs a callable in this process (component tests use it);
* :func:`run_program_dir` runs ``<dir>/__main__.py`` with ``Pulumi.yaml`` and
  ``Pulumi.<stack>.yaml`` the way ``pulumi preview`` does, in a fresh subprocess.

:meth:`Capture.engine_view` turns the raw registrations into contract C1: what the engine would
send a policy pack in ``AnalyzeStackRequest`` (real URNs, the Stack and provider resources,
unknown sentinels, resource references as ids/URNs, internal keys and empty property
dependencies dropped).

Example::

    >>> import pulumi
    >>> cap = run_program(lambda: pulumi.ComponentResource("my:mod:C", "c"),
    ...                   project="p", stack="s", config={})
    >>> [r["type"] for r in cap.engine_view()]
    ['pulumi:pulumi:Stack', 'my:mod:C']
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import subprocess
import sys
import tempfile
import threading
import traceback
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from google.protobuf import json_format

from fleetctl.stackconfig import StackConfigError, load_project, load_stack_config

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
"""The engine's string sentinel for an unknown value (``pulumi.runtime.rpc.UNKNOWN``)."""

_SIG = "4dabf18193072939515e22adb298388d"
_RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
_OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4"
STACK_TYPE = "pulumi:pulumi:Stack"
PROVIDER_PREFIX = "pulumi:providers:"


# Bad input to a capture (no program, an unreadable or invalid Pulumi.yaml or stack config
# file) is the same error fleetctl's stack-config reader raises.
CaptureError = StackConfigError


class ProgramError(Exception):
    """The program itself failed: ``message`` is its error, ``details`` traceback and output."""

    def __init__(self, message: str, details: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class UnexpectedInvokeError(Exception):
    """Raised (with ``strict_invokes=True``) for an invoke fleetctl has no mock answer for."""


@dataclass(frozen=True)
class Registration:
    """One ``RegisterResource`` (or ``ReadResource``) request as the program sent it.

    ``inputs`` is the request's ``object`` as JSON: camelCase keys, unknowns as the
    :data:`UNKNOWN` sentinel, secrets and resource references as the SDK's signature maps.
    ``provider`` is the provider URN (no ``::id``), ``""`` when the request named none.
    ``options`` holds the resource options a reader may care about (protect, ignoreChanges,
    deleteBeforeReplace, replaceOnChanges, retainOnDelete, deletedWith, aliases, customTimeouts,
    importId, version, remote, read).
    """

    type: str
    name: str
    urn: str
    parent: str
    provider: str
    custom: bool
    inputs: dict[str, Any]
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    options: dict[str, Any] = field(default_factory=dict)
    id: str | None = None


@dataclass(frozen=True)
class InvokeRecord:
    """One invoke (data source call): token, args, provider URN, whether fleetctl knew it."""

    token: str
    args: dict[str, Any]
    provider: str
    known: bool


@dataclass
class Capture:
    """Everything a program registered in one preview run, plus helpers for tests and tools."""

    project: str
    stack: str
    config: dict[str, Any]
    registrations: list[Registration]
    invokes: list[InvokeRecord]
    stack_outputs: dict[str, Any] = field(default_factory=dict)
    program_output: str = ""
    logs: list[dict[str, str]] = field(default_factory=list)
    """``pulumi.log`` messages: ``{"severity": "warning", "message": ...}``."""

    # ---- lookups -------------------------------------------------------------------------
    def by_type(self, type_: str) -> list[Registration]:
        """Registrations of one type token, in registration order (the Stack included)."""
        return [r for r in self.registrations if r.type == type_]

    def by_name(self, name: str) -> Registration:
        """The one registration with this logical name; KeyError if none, ValueError if several."""
        found = [r for r in self.registrations if r.name == name]
        if not found:
            raise KeyError(f"no resource named {name!r}")
        if len(found) > 1:
            raise ValueError(f"{len(found)} resources named {name!r}: {[r.urn for r in found]}")
        return found[0]

    def resource(self, urn: str) -> Registration:
        """The registration with this URN (KeyError if none)."""
        for r in self.registrations:
            if r.urn == urn:
                return r
        raise KeyError(f"no resource with URN {urn!r}")

    def counts_by_type(self, *, include_stack: bool = False) -> dict[str, int]:
        """``{type: count}`` of registrations, sorted by type; the Stack only if asked."""
        counts = Counter(
            r.type for r in self.registrations if include_stack or r.type != STACK_TYPE
        )
        return dict(sorted(counts.items()))

    def waits_on(self, urn: str) -> set[str]:
        """URNs the engine makes ``urn`` wait for directly: ``dependencies`` and every
        ``propertyDependencies`` entry. A parent is NOT a wait (the engine creates a child
        as soon as its own dependencies are done), nor is the provider, which the default-
        provider path below would otherwise hide."""
        r = self.resource(urn)
        out = set(r.dependencies)
        for urns in r.property_dependencies.values():
            out.update(urns)
        if r.provider and r.provider in self._urns():
            out.add(r.provider)
        out.discard(urn)
        return out

    def depends_on(self, a: str, b: str) -> bool:
        """True if resource ``a`` (URN or unique logical name) transitively waits on ``b``
        through :meth:`waits_on` edges (dependencies, property dependencies, explicit
        provider). Component resources count as nodes: the SDK already expands a dependency
        on a component into its custom children, so the edges are the ones the engine uses."""
        src, dst = self._to_urn(a), self._to_urn(b)
        seen: set[str] = set()
        todo = [src]
        while todo:
            cur = todo.pop()
            for nxt in self.waits_on(cur) if cur in self._urns() else ():
                if nxt == dst:
                    return True
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return False

    def children(self, urn: str) -> list[Registration]:
        """Registrations whose parent is ``urn``."""
        return [r for r in self.registrations if r.parent == urn]

    def invoked(self, token: str) -> list[InvokeRecord]:
        """Invokes made with this token."""
        return [i for i in self.invokes if i.token == token]

    def _urns(self) -> set[str]:
        return {r.urn for r in self.registrations}

    def _to_urn(self, key: str) -> str:
        return key if key.startswith("urn:pulumi:") else self.by_name(key).urn

    # ---- the engine's view (contract C1) ---------------------------------------------------
    def engine_view(self) -> list[dict[str, Any]]:
        """The resources as the engine sends them to a policy pack in AnalyzeStack (contract C1).

        * URNs are the engine's (the recording monitor builds them so; see ``_engine_urn``).
        * Custom resources without an explicit provider get the default provider the engine
          would register (``pulumi:providers:<pkg>::default[_<version>]``, properties from the
          ``<pkg>:*`` config keys plus ``version``), listed before their first user.
        * Properties: top-level and nested keys starting with ``__`` are dropped (the engine
          marshals with SkipInternalKeys), resource references become the referenced id (or
          the URN for components; an unknown id stays the unknown sentinel), secrets keep the
          secret signature map (KeepSecrets), unknowns are the string sentinel.
        * Empty propertyDependencies entries are dropped.
        """
        view: list[dict[str, Any]] = []
        emitted_defaults: set[str] = set()
        for reg in self.registrations:
            provider = reg.provider
            if reg.custom and not provider and not reg.type.startswith(PROVIDER_PREFIX):
                default = self._default_provider(reg)
                provider = default["urn"]
                if provider not in emitted_defaults:
                    emitted_defaults.add(provider)
                    view.append(default)
            view.append(
                {
                    "type": reg.type,
                    "name": reg.name,
                    "urn": reg.urn,
                    "parent": reg.parent,
                    "provider": provider,
                    "custom": reg.custom,
                    "properties": _engine_value(reg.inputs),
                    "dependencies": list(reg.dependencies),
                    "propertyDependencies": {
                        k: list(v) for k, v in reg.property_dependencies.items() if v
                    },
                }
            )
        return view

    def _default_provider(self, reg: Registration) -> dict[str, Any]:
        pkg = reg.type.split(":")[0]
        version = str(reg.options.get("version") or "")
        name = "default_" + version.replace(".", "_").replace("-", "_") if version else "default"
        props: dict[str, Any] = {}
        for key, value in self.config.items():
            ns, _, short = key.partition(":")
            if ns == pkg and short:
                props[short] = value
        if version:
            props["version"] = version
        urn = f"urn:pulumi:{self.stack}::{self.project}::{PROVIDER_PREFIX}{pkg}::{name}"
        return {
            "type": PROVIDER_PREFIX + pkg,
            "name": name,
            "urn": urn,
            "parent": "",
            "provider": "",
            "custom": True,
            "properties": props,
            "dependencies": [],
            "propertyDependencies": {},
        }

    # ---- (de)serialisation -----------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        """A JSON-able dict that :meth:`from_json` reads back (used across the subprocess)."""
        return {
            "project": self.project,
            "stack": self.stack,
            "config": self.config,
            "registrations": [asdict(r) for r in self.registrations],
            "invokes": [asdict(i) for i in self.invokes],
            "stack_outputs": self.stack_outputs,
            "program_output": self.program_output,
            "logs": self.logs,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Capture:
        """Inverse of :meth:`to_json`."""
        return cls(
            project=data["project"],
            stack=data["stack"],
            config=dict(data["config"]),
            registrations=[Registration(**r) for r in data["registrations"]],
            invokes=[InvokeRecord(**i) for i in data["invokes"]],
            stack_outputs=dict(data.get("stack_outputs", {})),
            program_output=data.get("program_output", ""),
            logs=[dict(entry) for entry in data.get("logs", [])],
        )


def _engine_value(value: Any) -> Any:
    """Normalise one raw property value as the engine marshals it for an analyzer."""
    if isinstance(value, Mapping):
        sig = value.get(_SIG)
        if sig == _RESOURCE_SIG:
            # Engine (KeepResources=false): the id when the reference has one (an unknown id
            # stays unknown), else the URN (components).
            if "id" in value:
                ref_id = value["id"]
                return UNKNOWN if ref_id in ("", None) else ref_id
            return value.get("urn", UNKNOWN)
        if sig == _OUTPUT_SIG:
            # Output values are not enabled by the mock monitor, but be safe: known -> value.
            return _engine_value(value["value"]) if "value" in value else UNKNOWN
        return {
            k: _engine_value(v)
            for k, v in value.items()
            if not (k.startswith("__") and sig is None)
        }
    if isinstance(value, list):
        return [_engine_value(v) for v in value]
    return value


# ==== mock answers for invokes =================================================================

# Zones per region. [C] TR-supported zones from domain-facts.md section 3; other zones from
# Alibaba's region/zone list. Unknown regions get a, b, c (plausible, never validated).
_ZONES: dict[str, list[str]] = {
    "cn-hangzhou": ["b", "g", "h", "i", "j", "k"],
    "cn-shanghai": ["b", "e", "f", "g", "l", "m", "n"],
    "cn-beijing": ["a", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"],
    "cn-shenzhen": ["a", "c", "d", "e", "f"],
    "cn-zhangjiakou": ["a", "b", "c"],
    "cn-hongkong": ["b", "c", "d"],
    "ap-southeast-1": ["a", "b", "c"],
    "eu-central-1": ["a", "b"],
    "us-west-1": ["a", "b"],
}
_TR_ZONES: dict[str, list[str]] = {
    "cn-hangzhou": ["b", "h", "i", "j", "k"],
    "cn-shanghai": ["b", "c", "e", "f", "g", "l", "m", "n"],
}
_INSTANCE_TYPES = [
    ("ecs.g7.xlarge", "ecs.g7", 4, 16.0),
    ("ecs.g7.2xlarge", "ecs.g7", 8, 32.0),
    ("ecs.c7.xlarge", "ecs.c7", 4, 8.0),
    ("ecs.g6.xlarge", "ecs.g6", 4, 16.0),
]
_K8S_VERSION = "1.31.1-aliyun.1"
_ASM_VERSION = "v1.22.6.36-g3b5d3c9e-aliyun"

FAKE_KUBECONFIG = """apiVersion: v1
kind: Config
clusters:
- cluster:
    server: https://192.168.0.1:6443
    certificate-authority-data: RkFLRQ==
  name: {cluster}
contexts:
- context:
    cluster: {cluster}
    user: {cluster}-admin
  name: {cluster}
current-context: {cluster}
users:
- name: {cluster}-admin
  user:
    client-certificate-data: RkFLRQ==
    client-key-data: RkFLRQ==
"""


def _zone_ids(region: str, table: Mapping[str, list[str]]) -> list[str]:
    return [f"{region}-{z}" for z in table.get(region, _ZONES.get(region, ["a", "b", "c"]))]


def _answer_zones(args: Mapping[str, Any], region: str) -> dict[str, Any]:
    ids = _zone_ids(region, _ZONES)
    return {
        "id": f"{region}-zones",
        "ids": ids,
        "zones": [
            {
                "id": z,
                "localName": z,
                "availableInstanceTypes": [t[0] for t in _INSTANCE_TYPES],
                "availableResourceCreations": ["Instance", "VSwitch", "Disk", "Slb"],
                "availableDiskCategories": ["cloud_essd", "cloud_efficiency", "cloud_ssd"],
                "multiZoneIds": [],
                "slbSlaveZoneIds": [],
            }
            for z in ids
        ],
    }


def _answer_instance_types(args: Mapping[str, Any], region: str) -> dict[str, Any]:
    cpu = args.get("cpuCoreCount")
    mem = args.get("memorySize")
    rows = [
        t for t in _INSTANCE_TYPES if (cpu is None or t[2] == cpu) and (mem is None or t[3] == mem)
    ]
    rows = rows or _INSTANCE_TYPES[:1]
    zones = (
        [args["availabilityZone"]] if args.get("availabilityZone") else _zone_ids(region, _ZONES)
    )
    return {
        "id": f"{region}-instance-types",
        "ids": [t[0] for t in rows],
        "instanceTypes": [
            {
                "id": t[0],
                "family": t[1],
                "cpuCoreCount": t[2],
                "memorySize": t[3],
                "availabilityZones": zones,
                "eniAmount": 4,
                "eniQuantity": 4,
                "eniPrivateIpAddressQuantity": 15,
                "eniIpv6AddressQuantity": 15,
                "maximumQueueNumberPerEni": 4,
                "price": "0",
                "nvmeSupport": "unsupported",
                "burstableInstances": [],
                "gpus": [],
                "localStorages": [],
            }
            for t in rows
        ],
    }


def _answer(token: str, args: Mapping[str, Any], region: str) -> dict[str, Any] | None:
    """A plausible answer for the common alicloud data sources, or None if unknown."""
    if token == "alicloud:index/getZones:getZones":
        return _answer_zones(args, region)
    if token == "alicloud:ecs/getInstanceTypes:getInstanceTypes":
        return _answer_instance_types(args, region)
    if token == "alicloud:index/getRegions:getRegions":
        return {
            "id": region,
            "ids": [region],
            "regions": [{"id": region, "regionId": region, "localName": region}],
        }
    if token == "alicloud:cs/getKubernetesVersion:getKubernetesVersion":
        return {
            "id": "kubernetes-versions",
            "clusterType": args.get("clusterType", "ManagedKubernetes"),
            "metadatas": [
                {
                    "version": _K8S_VERSION,
                    "runtimes": [{"name": "containerd", "version": "1.6.36"}],
                },
                {
                    "version": "1.30.7-aliyun.1",
                    "runtimes": [{"name": "containerd", "version": "1.6.34"}],
                },
            ],
        }
    if token == "alicloud:servicemesh/getVersions:getVersions":
        edition = args.get("edition") or "Default"
        vid = f"{edition}:{_ASM_VERSION}"
        return {
            "id": "asm-versions",
            "ids": [vid],
            "versions": [{"edition": edition, "id": vid, "version": _ASM_VERSION}],
        }
    if token == (
        "alicloud:cen/getTransitRouterAvailableResources:getTransitRouterAvailableResources"
    ):
        zones = _zone_ids(region, _TR_ZONES)
        return {
            "id": f"{region}-tr-resources",
            "resources": [
                {
                    "masterZones": zones[:1],
                    "slaveZones": zones[1:],
                    "availableZones": zones,
                    "supportMulticast": False,
                }
            ],
        }
    if token == "alicloud:cs/getClusterCredential:getClusterCredential":
        cid = str(args.get("clusterId", "cluster"))
        return {
            "id": cid,
            "clusterId": cid,
            "clusterName": cid,
            "kubeConfig": FAKE_KUBECONFIG.format(cluster=cid),
            "certificateAuthorities": [
                {"clusterCert": "RkFLRQ==", "clientCert": "RkFLRQ==", "clientKey": "RkFLRQ=="}
            ],
            "expiration": "2099-01-01T00:00:00Z",
        }
    if token in (
        "alicloud:vpc/getNetworks:getNetworks",
        "alicloud:vpc/getSwitches:getSwitches",
        "alicloud:cs/getManagedKubernetesClusters:getManagedKubernetesClusters",
        "alicloud:cs/getKubernetesClusters:getKubernetesClusters",
        "alicloud:servicemesh/getServiceMeshes:getServiceMeshes",
    ):
        # Lookups of existing things: a preview of a fresh account finds none.
        return {"id": token, "ids": [], "names": []}
    if token == "alicloud:ecs/getImages:getImages":
        image = "aliyun_3_x64_20G_alibase_20240819.vhd"
        return {"id": "images", "ids": [image], "images": [{"id": image, "imageId": image}]}
    return None


def _result_fields(token: str) -> dict[str, str]:
    """The camelCase fields of an invoke's result type and their shape (list/map/scalar).

    Found from the Python SDK: ``pkg:mod/getX:getX`` -> ``pulumi_<pkg>[.<mod>].GetXResult``;
    {} if it cannot be found.
    """
    import importlib

    from pulumi import _types

    try:
        pkg, modpath, fn = token.split(":")
        mod = modpath.split("/")[0]
        module_name = f"pulumi_{pkg.replace('-', '_')}" + ("" if mod == "index" else f".{mod}")
        module = importlib.import_module(module_name)
        cls = getattr(module, fn[0].upper() + fn[1:] + "Result", None)
        if cls is None:
            return {}
        fields: dict[str, str] = {}
        for _, pname, prop in _types._py_properties(cls):
            ann = str(getattr(prop.fget, "__annotations__", {}).get("return", ""))
            fields[pname] = (
                "list"
                if ("Sequence" in ann or "List" in ann or "list" in ann)
                else "map"
                if "Mapping" in ann
                else "scalar"
            )
        return fields
    except Exception:  # noqa: BLE001 - any failure just means "no field names known"
        return {}


def _unknown_answer(token: str) -> dict[str, Any] | None:
    """The answer to a data source fleetctl does not know: as unknown as the SDK allows.

    The generated result classes type-check their fields, so a bare unknown cannot stand in
    for a string or a list. List fields get ONE unknown element (``ids[0]`` works and is
    unknown wherever the program passes it; an output-form invoke containing it resolves
    wholly unknown, so its applies are skipped as in a preview); map fields get ``{}``;
    scalars ``None``. None (-> an unknown response) when the result type cannot be found.
    """
    fields = _result_fields(token)
    if not fields:
        return None
    answer: dict[str, Any] = {}
    for name, shape in fields.items():
        if shape == "list":
            answer[name] = [UNKNOWN]
        elif shape == "map":
            answer[name] = {}
    return answer


# ==== the recording monitor ====================================================================


def _struct_to_json(struct: Any) -> dict[str, Any]:
    out: dict[str, Any] = json_format.MessageToDict(struct)
    return out


def _strip_provider_ref(ref: str) -> str:
    """``<provider urn>::<id>`` -> ``<provider urn>``."""
    return ref.rsplit("::", 1)[0] if ref else ""


def _engine_urn(stack: str, project: str, parent: str, type_: str, name: str) -> str:
    """The URN the engine gives a resource: the parent's full qualified type ``$`` type, except
    that children of the root Stack carry no prefix. (The mock monitor prefixes the last
    segment of the parent type, including ``pulumi:pulumi:Stack``: wrong on both counts.)"""
    if parent:
        parent_type = parent.split("::")[2]
        if parent_type != STACK_TYPE:
            type_ = f"{parent_type}${type_}"
    return f"urn:pulumi:{stack}::{project}::{type_}::{name}"


def _make_mocks() -> Any:
    from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs, Mocks

    class _ReadMocks(Mocks):
        """Only ``ReadResource`` (``Resource.get``) reaches these: echo the state, keep the id."""

        def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[Any, Any]]:
            return args.resource_id, dict(args.inputs)

        def call(self, args: MockCallArgs) -> tuple[dict[Any, Any], list[tuple[str, str]] | None]:
            raise AssertionError("the recording monitor answers invokes itself")

    return _ReadMocks()


def _apply_time_outputs(type_: str, name: str) -> dict[str, Any]:
    """Computed outputs meshfleet reads, for ``preview=False`` runs (domain-facts.md section 5)."""
    if type_ == "alicloud:cen/transitRouter:TransitRouter":
        return {"transitRouterId": f"tr-{name}"}
    if type_.startswith("alicloud:cen/transitRouter") and type_.endswith("Attachment"):
        return {"transitRouterAttachmentId": f"tr-attach-{name}"}
    if type_ == "alicloud:cen/transitRouterRouteTable:TransitRouterRouteTable":
        return {"transitRouterRouteTableId": f"vtb-{name}"}
    if type_ == "alicloud:servicemesh/serviceMesh:ServiceMesh":
        return {"kubeconfig": FAKE_KUBECONFIG.format(cluster=name)}
    if type_ == "alicloud:vpc/network:Network":
        return {"routeTableId": f"vtb-{name}", "routerId": f"vrt-{name}"}
    return {}


def _make_monitor(
    mocks: Any, *, strict_invokes: bool, preview: bool, config: Mapping[str, Any]
) -> Any:
    from google.protobuf import struct_pb2
    from pulumi.runtime import rpc
    from pulumi.runtime.mocks import MockMonitor
    from pulumi.runtime.proto import provider_pb2, resource_pb2
    from pulumi.runtime.settings import get_project, get_stack
    from pulumi.runtime.sync_await import _ensure_event_loop, _sync_await

    class RecordingMonitor(MockMonitor):
        """A MockMonitor that records every request and builds engine-correct URNs."""

        def __init__(self) -> None:
            super().__init__(mocks)
            self.lock = threading.Lock()
            self.registrations: list[Registration] = []
            self.invokes: list[InvokeRecord] = []
            self.stack_outputs: dict[str, Any] = {}
            self.stack_urn = ""
            self.invoke_errors: list[str] = []
            self.provider_regions: dict[str, str] = {}

        def make_urn(self, parent: str, type_: str, name: str) -> str:
            return _engine_urn(get_stack(), get_project(), parent, type_, name)

        def _record(self, request: Any, urn: str, rid: str | None, read: bool) -> None:
            pdeps = (
                {k: list(v.urns) for k, v in request.propertyDependencies.items()}
                if not read
                else {}
            )
            opts: dict[str, Any] = {"version": request.version} if request.version else {}
            if not read:
                for key in ("protect", "deleteBeforeReplace", "retainOnDelete", "remote"):
                    if getattr(request, key, False):
                        opts[key] = True
                for key in ("ignoreChanges", "replaceOnChanges", "aliasURNs"):
                    vals = list(getattr(request, key, []))
                    if vals:
                        opts[key] = vals
                if request.deletedWith:
                    opts["deletedWith"] = request.deletedWith
                if request.importId:
                    opts["importId"] = request.importId
                if request.HasField("customTimeouts"):
                    ct = request.customTimeouts
                    opts["customTimeouts"] = {
                        "create": ct.create,
                        "update": ct.update,
                        "delete": ct.delete,
                    }
            else:
                opts["read"] = True
            inputs = _struct_to_json(request.properties if read else request.object)
            reg = Registration(
                type=request.type,
                name=request.name,
                urn=urn,
                parent=request.parent,
                provider=_strip_provider_ref(request.provider),
                custom=True if read else bool(request.custom),
                inputs=inputs,
                dependencies=list(request.dependencies),
                property_dependencies=pdeps,
                options=opts,
                id=rid,
            )
            with self.lock:
                self.registrations.append(reg)
                if reg.type.startswith(PROVIDER_PREFIX) and "region" in inputs:
                    self.provider_regions[urn] = str(inputs["region"])

        def RegisterResource(self, request: Any) -> Any:
            """Answer as a preview of a new resource: the inputs echoed, no id.

            The engine's preview echoes the provider-checked inputs; computed outputs
            (``transitRouterId``, ``kubeconfig`` ...) are absent, so the SDK resolves them
            unknown and inputs built from them carry the unknown sentinel plus property
            dependencies, as in a real preview. The request's Struct is echoed as is: a
            deserialise/serialise round trip (what MockMonitor does) would re-await resource
            references on a worker thread and deadlock. With ``preview=False`` ids are
            ``<name>-id`` and the computed outputs meshfleet reads are filled in.
            """
            urn = self.make_urn(request.parent, request.type, request.name)
            if request.type == STACK_TYPE:
                self.stack_urn = urn
                self._record(request, urn, None, read=False)
                return resource_pb2.RegisterResourceResponse(urn=urn)
            obj = struct_pb2.Struct()
            obj.CopyFrom(request.object)
            rid: str | None = request.importId or None
            if not preview:
                rid = rid or f"{request.name}-id"
                extra = _apply_time_outputs(request.type, request.name)
                if extra:
                    obj.update(extra)
            with self.lock:
                self.resources[urn] = MockMonitor.ResourceRegistration(urn, rid or "", {})
            self._record(request, urn, rid, read=False)
            return resource_pb2.RegisterResourceResponse(urn=urn, id=rid or "", object=obj)

        def ReadResource(self, request: Any) -> Any:
            response = super().ReadResource(request)
            self._record(request, response.urn, request.id or None, read=True)
            return response

        def RegisterResourceOutputs(self, request: Any) -> Any:
            if request.urn and request.urn == self.stack_urn:
                with self.lock:
                    self.stack_outputs = _struct_to_json(request.outputs)
            return super().RegisterResourceOutputs(request)

        def _region(self, provider_ref: str) -> str:
            urn = _strip_provider_ref(provider_ref)
            if urn in self.provider_regions:
                return self.provider_regions[urn]
            return str(config.get("alicloud:region", "cn-hangzhou"))

        def Invoke(self, request: Any) -> Any:
            if request.tok == "pulumi:pulumi:getResource":
                return super().Invoke(request)
            _ensure_event_loop()
            args = _struct_to_json(request.args)
            answer = _answer(request.tok, args, self._region(request.provider))
            with self.lock:
                self.invokes.append(
                    InvokeRecord(
                        token=request.tok,
                        args=args,
                        provider=_strip_provider_ref(request.provider),
                        known=answer is not None,
                    )
                )
            if answer is None:
                if strict_invokes:
                    msg = (
                        f"unexpected invoke {request.tok} (args {json.dumps(args, sort_keys=True)})"
                    )
                    with self.lock:
                        self.invoke_errors.append(msg)
                    return resource_pb2.ResourceInvokeResponse(
                        failures=[provider_pb2.CheckFailure(property="", reason=msg)]
                    )
                answer = _unknown_answer(request.tok)
                if answer is None:
                    return resource_pb2.ResourceInvokeResponse(unknown=True)
            ret = _sync_await(rpc.serialize_properties(answer, {}))
            return resource_pb2.ResourceInvokeResponse(**{"return": ret})

    return RecordingMonitor()


def _config_string(value: Any) -> str:
    """Config values reach a program as strings; objects/lists/numbers/bools as JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value)


def run_program(
    program: Callable[[], Any],
    *,
    project: str,
    stack: str,
    config: Mapping[str, Any],
    strict_invokes: bool = False,
    preview: bool = True,
    organization: str = "organization",
    root_directory: str | None = None,
) -> Capture:
    """Run ``program`` in this process under recording mocks and return what it registered.

    ``config`` uses full keys (``"meshfleet:fleet"``); non-string values are passed as JSON, as
    the CLI does. ``preview=True`` (default) behaves as ``pulumi preview``: new resources have
    unknown ids and computed outputs. ``strict_invokes=True`` makes an invoke without a mock
    answer fail the program (component tests: an unexpected invoke is an error).

    The run happens in a fresh :mod:`contextvars` context and the global Pulumi settings are
    restored afterwards, so two runs in one process do not see each other's root stack, config
    or monitor. Raises :class:`ProgramError` if the program (or an apply in it) fails.
    """
    from pulumi.runtime import settings as settings_mod

    saved = dict(settings_mod.SETTINGS.__dict__)
    ctx = contextvars.Context()
    try:
        return ctx.run(
            _run_in_context,
            program,
            project,
            stack,
            dict(config),
            strict_invokes,
            preview,
            organization,
            root_directory,
        )
    finally:
        for key, value in saved.items():
            setattr(settings_mod.SETTINGS, key, value)


def _run_in_context(
    program: Callable[[], Any],
    project: str,
    stack: str,
    config: dict[str, Any],
    strict_invokes: bool,
    preview: bool,
    organization: str,
    root_directory: str | None,
) -> Capture:
    import asyncio

    from google.protobuf import empty_pb2
    from pulumi.runtime import config as config_mod
    from pulumi.runtime import settings as settings_mod
    from pulumi.runtime.mocks import MockEngine, MockSettings
    from pulumi.runtime.stack import run_in_stack

    monitor = _make_monitor(
        _make_mocks(), strict_invokes=strict_invokes, preview=preview, config=config
    )
    features = set(monitor.GetDeploymentInfo(empty_pb2.Empty()).supportedFeatures)
    # pulumi.log goes to the engine's Log RPC; a private logger (not in the logging registry,
    # so nothing global changes) collects it for the report, as the CLI shows diagnostics.
    logs: list[dict[str, str]] = []
    logger = logging.Logger("fleetctl.program", level=logging.DEBUG)
    logger.addHandler(_ListHandler(logs))
    settings = MockSettings(
        monitor=monitor,
        monitor_features=features,
        engine=MockEngine(logger),
        project=project,
        stack=stack,
        dry_run=preview,
        organization=organization,
        root_directory=root_directory,
        callbacks=None,
        outputs=set(),
        lock=threading.Lock(),
    )
    settings_mod.configure(settings)
    config_mod.set_all_config({k: _config_string(v) for k, v in config.items()})

    async def main() -> None:
        await run_in_stack(program)

    try:  # the caller's loop (e.g. a test using pulumi.runtime.test) is restored afterwards
        previous: asyncio.AbstractEventLoop | None = (
            asyncio.get_event_loop_policy().get_event_loop())
    except RuntimeError:
        previous = None
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    error: BaseException | None = None
    try:
        loop.run_until_complete(main())
    except BaseException as exn:  # noqa: BLE001 - reported as ProgramError below
        error = exn
    finally:
        try:
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            asyncio.set_event_loop(previous)
            loop.close()
    if monitor.invoke_errors and strict_invokes:
        raise UnexpectedInvokeError("; ".join(monitor.invoke_errors))
    if error is not None:
        if isinstance(error, KeyboardInterrupt):
            raise error
        raise ProgramError(_error_message(error), _program_traceback(error)) from error
    return Capture(
        project=project,
        stack=stack,
        config=config,
        registrations=list(monitor.registrations),
        invokes=list(monitor.invokes),
        stack_outputs=dict(monitor.stack_outputs),
        logs=logs,
    )


class _ListHandler(logging.Handler):
    def __init__(self, sink: list[dict[str, str]]) -> None:
        super().__init__(level=logging.INFO)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink.append({"severity": record.levelname.lower(), "message": record.getMessage()})


def _error_message(exn: BaseException) -> str:
    text = str(exn).strip() or type(exn).__name__
    name = type(exn).__name__
    return text if text.startswith(name) else f"{name}: {text}"


def _program_traceback(exn: BaseException) -> str:
    """The program's own traceback frames (no Pulumi SDK, asyncio, runpy or fleetctl frames);
    the error message itself is in ``ProgramError.message``."""
    frames = traceback.extract_tb(exn.__traceback__)
    own = str(Path(__file__).resolve().parent) + os.sep
    skip = ("site-packages", "<frozen ", f"{os.sep}asyncio{os.sep}", own)
    kept = [f for f in frames if not any(s in f.filename for s in skip)]
    return "".join(traceback.format_list(kept)) if kept else ""


# ==== program directories ======================================================================


def run_program_dir(
    program_dir: Path,
    *,
    stack: str,
    config_file: Path | None = None,
    strict_invokes: bool = False,
    preview: bool = True,
    python: str = sys.executable,
    timeout: float = 600.0,
) -> Capture:
    """Run ``<program_dir>/__main__.py`` as ``pulumi preview --stack <stack>`` would.

    Reads the project name from ``Pulumi.yaml`` and the config from ``Pulumi.<stack>.yaml``
    (or ``config_file``). The program runs in a FRESH SUBPROCESS with cwd and ``sys.path[0]``
    the program directory, like the Python language host: a program imports its own packages
    (``components`` ...) and module state, the Pulumi runtime's global settings and the
    process-wide resource-package registry cannot leak between two runs that way, whatever
    the program does; the price is one interpreter start (~0.3 s). Raises CaptureError for
    bad input, ProgramError when the program fails (its message, traceback and output).
    """
    program_dir = Path(program_dir).resolve()
    if not (program_dir / "__main__.py").is_file():
        raise CaptureError(f"{program_dir}: no __main__.py (fleetctl runs Python programs)")
    project = load_project(program_dir)
    config = load_stack_config(program_dir, project, stack, config_file)
    request = {
        "program_dir": str(program_dir),
        "project": project["name"],
        "stack": stack,
        "config": config,
        "strict_invokes": strict_invokes,
        "preview": preview,
    }
    fleetctl_root = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(program_dir), fleetctl_root] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])
    )
    env["PULUMI_PROJECT"] = str(project["name"])
    env["PULUMI_STACK"] = stack
    env["PULUMI_DRY_RUN"] = "true" if preview else "false"
    with tempfile.TemporaryDirectory(prefix="fleetctl-capture-") as tmp:
        req_path = Path(tmp) / "request.json"
        out_path = Path(tmp) / "capture.json"
        req_path.write_text(json.dumps(request))
        proc = subprocess.run(
            [python, "-m", "fleetctl.capture", str(req_path), str(out_path)],
            cwd=program_dir,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        output = (proc.stdout + proc.stderr).strip()
        if not out_path.is_file():
            raise ProgramError(
                f"the program runner exited with code {proc.returncode} without a result",
                output,
            )
        result = json.loads(out_path.read_text())
    if "error" in result:
        err = result["error"]
        details = err.get("details", "")
        if output:
            details = (details + "\n" + output).strip()
        if err.get("kind") == "capture":
            raise CaptureError(err["message"])
        if err.get("kind") == "invoke":
            raise UnexpectedInvokeError(err["message"])
        raise ProgramError(err["message"], details)
    cap = Capture.from_json(result["capture"])
    cap.program_output = output
    return cap


def _child_main(argv: Sequence[str]) -> int:
    """Subprocess side of :func:`run_program_dir`: run the program, write the capture JSON."""
    import runpy

    req_path, out_path = Path(argv[0]), Path(argv[1])
    req = json.loads(req_path.read_text())
    program_dir = req["program_dir"]
    os.chdir(program_dir)
    if sys.path[:1] != [program_dir]:
        sys.path.insert(0, program_dir)
    main_py = str(Path(program_dir) / "__main__.py")

    def program() -> None:
        runpy.run_path(main_py, run_name="__main__")

    result: dict[str, Any]
    try:
        cap = run_program(
            program,
            project=req["project"],
            stack=req["stack"],
            config=req["config"],
            strict_invokes=req["strict_invokes"],
            preview=req["preview"],
            root_directory=program_dir,
        )
        result = {"capture": cap.to_json()}
    except ProgramError as exn:
        result = {"error": {"kind": "program", "message": exn.message, "details": exn.details}}
    except UnexpectedInvokeError as exn:
        result = {"error": {"kind": "invoke", "message": str(exn)}}
    out_path.write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(_child_main(sys.argv[1:]))
