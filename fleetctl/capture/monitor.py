"""The recording resource monitor: stands in for the engine while a program runs offline.

It records every ``RegisterResource`` / ``ReadResource`` / invoke request, answers them as a
preview does (inputs echoed, new ids and computed outputs unknown), builds the engine's URNs and
answers data sources through :func:`fleetctl.answers.lookup.answer`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
from google.protobuf import json_format, struct_pb2
from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs, Mocks
from pulumi.runtime.proto import provider_pb2, resource_pb2

from fleetctl.answers.answerfile import AnswerEntry
from fleetctl.answers.curated import FAKE_KUBECONFIG
from fleetctl.answers.lookup import answer
from fleetctl.capture import sdk
from fleetctl.capture.engine import engine_urn
from fleetctl.capture.model import PROVIDER_PREFIX, STACK_TYPE, InvokeRecord, Registration


def struct_to_json(struct: Any) -> dict[str, Any]:
    out: dict[str, Any] = json_format.MessageToDict(struct)
    return out


def strip_provider_ref(ref: str) -> str:
    """``<provider urn>::<id>`` -> ``<provider urn>``."""
    return ref.rsplit("::", 1)[0] if ref else ""


class _ReadMocks(Mocks):
    """Only ``ReadResource`` (``Resource.get``) reaches these: echo the state, keep the id."""

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[Any, Any]]:
        return args.resource_id, dict(args.inputs)

    def call(self, args: MockCallArgs) -> tuple[dict[Any, Any], list[tuple[str, str]] | None]:
        raise AssertionError("the recording monitor answers invokes itself")


def apply_time_outputs(type_: str, name: str) -> dict[str, Any]:
    """Computed outputs meshfleet's components read, for ``preview=False`` runs (the provider
    fills them in on create: transit-router ids, route-table ids, the ASM kubeconfig, the
    security groups of the Fleet and the mesh, the NAT gateway's SNAT table). Nested blocks are
    merged into the block the program sent (``network.securityGroupId`` beside ``vpcId``)."""
    if type_ == "alicloud:cen/transitRouter:TransitRouter":
        return {"transitRouterId": f"tr-{name}"}
    if type_.startswith("alicloud:cen/transitRouter") and type_.endswith("Attachment"):
        return {"transitRouterAttachmentId": f"tr-attach-{name}"}
    if type_ == "alicloud:cen/transitRouterRouteTable:TransitRouterRouteTable":
        return {"transitRouterRouteTableId": f"vtb-{name}"}
    if type_ == "alicloud:servicemesh/serviceMesh:ServiceMesh":
        return {
            "kubeconfig": FAKE_KUBECONFIG.format(cluster=name),
            "network": {"securityGroupId": f"sg-{name}"},
        }
    if type_ == "alicloud:ackone/cluster:Cluster":
        return {"network": {"securityGroupIds": [f"sg-{name}"]}}
    if type_ == "alicloud:vpc/natGateway:NatGateway":
        return {"snatTableIds": f"stb-{name}"}
    if type_ == "alicloud:vpc/network:Network":
        return {"routeTableId": f"vtb-{name}", "routerId": f"vrt-{name}"}
    return {}


def _merged(obj: struct_pb2.Struct, extra: Mapping[str, Any]) -> None:
    for key, value in extra.items():
        if (
            isinstance(value, Mapping)
            and key in obj.fields
            and obj.fields[key].HasField("struct_value")
        ):
            _merged(obj.fields[key].struct_value, value)
        else:
            obj.update({key: value})


class RecordingMonitor(sdk.MonitorBase):
    """A mock monitor that records every request and builds engine-correct URNs."""

    def __init__(
        self,
        *,
        strict_invokes: bool,
        preview: bool,
        config: Mapping[str, Any],
        answers: Sequence[AnswerEntry] = (),
    ) -> None:
        super().__init__(_ReadMocks())
        self.strict_invokes = strict_invokes
        self.preview = preview
        self.config = config
        self.answers = list(answers)
        self.lock = threading.Lock()
        self.registrations: list[Registration] = []
        self.invokes: list[InvokeRecord] = []
        self.stack_outputs: dict[str, Any] = {}
        self.stack_urn = ""
        self.invoke_errors: list[str] = []
        self.provider_regions: dict[str, str] = {}

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        return engine_urn(pulumi.get_stack(), pulumi.get_project(), parent, type_, name)

    def _options(self, request: Any) -> dict[str, Any]:
        opts: dict[str, Any] = {"version": request.version} if request.version else {}
        for key in ("protect", "deleteBeforeReplace", "retainOnDelete", "remote"):
            if getattr(request, key, False):
                opts[key] = True
        for key in ("ignoreChanges", "replaceOnChanges", "aliasURNs"):
            vals = list(getattr(request, key, []))
            if vals:
                opts[key] = vals
        if len(request.aliases):
            # The alias specs the SDK sends (name/type/parent/stack/project or a URN): what the
            # engine matches an old URN against.
            opts["aliases"] = [json_format.MessageToDict(a) for a in request.aliases]
        if request.deletedWith:
            opts["deletedWith"] = request.deletedWith
        if request.importId:
            opts["importId"] = request.importId
        if request.HasField("customTimeouts"):
            ct = request.customTimeouts
            opts["customTimeouts"] = {"create": ct.create, "update": ct.update, "delete": ct.delete}
        return opts

    def _record(self, request: Any, urn: str, rid: str | None, read: bool) -> None:
        if read:
            pdeps: dict[str, list[str]] = {}
            opts: dict[str, Any] = {"read": True}
            if request.version:
                opts["version"] = request.version
        else:
            pdeps = {k: list(v.urns) for k, v in request.propertyDependencies.items()}
            opts = self._options(request)
        inputs = struct_to_json(request.properties if read else request.object)
        reg = Registration(
            type=request.type,
            name=request.name,
            urn=urn,
            parent=request.parent,
            provider=strip_provider_ref(request.provider),
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
        (``transitRouterId``, ``kubeconfig`` ...) are absent, so the SDK resolves them unknown
        and inputs built from them carry the unknown sentinel plus property dependencies, as in
        a real preview. The request's Struct is echoed as is: a deserialise/serialise round trip
        (what MockMonitor does) would re-await resource references on a worker thread and
        deadlock. With ``preview=False`` ids are ``<name>-id`` and the computed outputs
        meshfleet reads are filled in.
        """
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type == STACK_TYPE:
            self.stack_urn = urn
            self._record(request, urn, None, read=False)
            return resource_pb2.RegisterResourceResponse(urn=urn)
        obj = struct_pb2.Struct()
        obj.CopyFrom(request.object)
        rid: str | None = request.importId or None
        if not self.preview:
            rid = rid or f"{request.name}-id"
            _merged(obj, apply_time_outputs(request.type, request.name))
        with self.lock:
            self.remember(urn, rid or "")
        self._record(request, urn, rid, read=False)
        return resource_pb2.RegisterResourceResponse(urn=urn, id=rid or "", object=obj)

    def ReadResource(self, request: Any) -> Any:
        response = super().ReadResource(request)
        self._record(request, response.urn, request.id or None, read=True)
        return response

    def RegisterResourceOutputs(self, request: Any) -> Any:
        if request.urn and request.urn == self.stack_urn:
            with self.lock:
                self.stack_outputs = struct_to_json(request.outputs)
        return super().RegisterResourceOutputs(request)

    def _region(self, provider_ref: str) -> str:
        urn = strip_provider_ref(provider_ref)
        if urn in self.provider_regions:
            return self.provider_regions[urn]
        return str(self.config.get("alicloud:region", "cn-hangzhou"))

    def Invoke(self, request: Any) -> Any:
        if request.tok == "pulumi:pulumi:getResource":
            return super().Invoke(request)
        sdk.ensure_event_loop()
        args = struct_to_json(request.args)
        found = answer(request.tok, args, self._region(request.provider), self.answers)
        source = found.source if found is not None else "unknown"
        record = InvokeRecord(
            token=request.tok,
            args=args,
            provider=strip_provider_ref(request.provider),
            source=source,
        )
        with self.lock:
            self.invokes.append(record)
        if self.strict_invokes and not record.known:
            msg = (
                f"data source {request.tok} (args {json.dumps(args, sort_keys=True)}) has no "
                f"recorded answer (--answers) and is not in fleetctl's catalogue"
                + ("; its answer would be synthesized" if found is not None else "")
            )
            with self.lock:
                self.invoke_errors.append(msg)
            return resource_pb2.ResourceInvokeResponse(
                failures=[provider_pb2.CheckFailure(property="", reason=msg)]
            )
        if found is None:  # no result type known: the engine's unknown answer
            return resource_pb2.ResourceInvokeResponse(unknown=True)
        return resource_pb2.ResourceInvokeResponse(**{"return": sdk.serialize(found.value)})
