"""The provider behind ``MeshMembership``: one cluster's membership of one ASM instance.

Why a resource of its own: on ANY change of ``ServiceMesh.cluster_ids`` the alicloud provider
removes every old member and then adds every new one (terraform-provider-alicloud
``resource_alicloud_service_mesh_service_mesh.go``, the ``cluster_ids`` branch of its Update),
and its Read rewrites the list in the API's order; adding one cluster would detach them all. So
the ``ServiceMesh`` is created without members, and each member is this resource, keyed by
cluster.

The ASM API (servicemesh 2020-01-11) through the official SDK ``alibabacloud-servicemesh20200111``
(request models read in its ``models.py``):

* ``AddClusterIntoServiceMesh(ServiceMeshId, ClusterId)`` and
  ``RemoveClusterFromServiceMesh(ServiceMeshId, ClusterId)`` change membership;
* ``DescribeServiceMeshDetail(ServiceMeshId)`` gives the mesh's state
  (``ServiceMesh.ServiceMeshInfo.State``) and its members (``ServiceMesh.Clusters``): the same
  call and fields the provider reads ``cluster_ids`` and waits for ``running`` from;
* ``DescribeClustersInServiceMesh(ServiceMeshId)`` gives each member's own ``State``;
* ``DescribeServiceMeshClusters(ServiceMeshId)`` lists, per the SDK, "the clusters that can be
  added to" the mesh with a ``ForbiddenFlag`` (1 no admin rights, 2 another VPC without a private
  connection, 3 a CIDR conflict, 4 an ``istio-system`` namespace exists) and ``ForbiddenInfo``:
  it explains a refused add, and is never read as the member list (the SDK's wording says it is
  not one; the lead's notes read it as one: both readings are safe here).

Lifecycle, as the provider does between its calls: every add and remove starts when the mesh is
``running`` and is followed by a wait until the member is (or is no longer) listed, the member
``running`` and the mesh ``running`` again. Creating a membership for a cluster that is already a
member adopts it (no call). An add or remove that fails is re-read: if the mesh now shows the
wanted state it stands (a retried call that had worked), if the mesh is busy (not ``running``,
e.g. another add) the call is retried once it is running again, otherwise the API's error is
raised with the cluster's ForbiddenFlag when ASM reports one. Deleting removes the member; a mesh
or member already gone is done. Read reports a member that left as deleted. Every input is a
replace key; a replacement that keeps the cluster (another mesh or region) deletes first, since
the same cluster cannot be added to a second mesh, nor adopted and then removed.

Throttling, ``ServiceUnavailable`` and 5xx answers are retried as the provider's NeedRetry does
(``alibaba_api.is_transient``); a repeated add or remove is harmless because the outcome is read
back. Waits are bounded by ``wait_timeout`` (default 20 minutes per add or remove: the provider
gives each add its whole 10-minute update timeout, and adding a member installs the data plane's
components into the cluster), polled every ``poll_interval`` (10 s; the provider polls every 5 s).
The inputs (a contract with the policy pack) are in ``docs/contracts.md``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import pulumi.dynamic as dyn
from alibabacloud_servicemesh20200111 import models as asm

from meshfleet.components.alibaba_api import (
    REGION_RE,
    AlibabaApiError,
    ApiResourceProvider,
    Backoff,
    ClientFactory,
    Credentials,
    check_result,
    is_not_found,
    is_transient,
    is_unknown,
    known_at_apply,
    openapi_config,
    replacing_diff,
)
from meshfleet.errors import MeshfleetError, Problem

KIND = "meshfleet:servicemesh:MeshMembership"
"""The ``kind`` input: dynamic resources all share one type token, this tells them apart."""
INPUT_KEYS: tuple[str, ...] = ("kind", "meshId", "clusterId", "regionId")
REPLACE_KEYS = frozenset({"meshId", "clusterId", "regionId"})
"""Another mesh, cluster or endpoint is another membership: nothing is updated in place."""
OUTPUT_KEYS: tuple[str, ...] = ()
RUNNING = "running"
#: What ForbiddenFlag means (DescribeServiceMeshClusters' model documentation).
FORBIDDEN = {
    1: "you have no administrator rights on the cluster",
    2: "the cluster is in another VPC with no private connection to the mesh's",
    3: "a CIDR block of the cluster conflicts with the mesh's or another member's",
    4: "the cluster already has a namespace named istio-system",
}

T = TypeVar("T")


class MeshMembershipError(MeshfleetError):
    """A MeshMembership's inputs are wrong, or the mesh did not reach the wanted state."""

    title = "ASM mesh membership failed"


class AsmApiError(AlibabaApiError):
    """An ASM (servicemesh) API call failed; carries the API's code, message and request id."""

    title = "ASM API call failed"


class AsmClient(Protocol):
    """The ASM operations MeshMembership uses (of
    ``alibabacloud_servicemesh20200111.client.Client``)."""

    def add_cluster_into_service_mesh(
        self, request: asm.AddClusterIntoServiceMeshRequest
    ) -> asm.AddClusterIntoServiceMeshResponse: ...

    def remove_cluster_from_service_mesh(
        self, request: asm.RemoveClusterFromServiceMeshRequest
    ) -> asm.RemoveClusterFromServiceMeshResponse: ...

    def describe_service_mesh_detail(
        self, request: asm.DescribeServiceMeshDetailRequest
    ) -> asm.DescribeServiceMeshDetailResponse: ...

    def describe_clusters_in_service_mesh(
        self, request: asm.DescribeClustersInServiceMeshRequest
    ) -> asm.DescribeClustersInServiceMeshResponse: ...

    def describe_service_mesh_clusters(
        self, request: asm.DescribeServiceMeshClustersRequest
    ) -> asm.DescribeServiceMeshClustersResponse: ...


def build_asm_client(credentials: Credentials | None, region: str) -> AsmClient:
    """The production factory: the official SDK client for ``region``'s ASM endpoint."""
    # Imported here: the client pulls in the HTTP stack, which the program itself never needs.
    from alibabacloud_servicemesh20200111.client import Client

    client: AsmClient = Client(openapi_config(credentials, region))
    return client


@dataclass(frozen=True)
class _Mesh:
    """What the ASM API says about the mesh and the cluster this resource manages."""

    exists: bool
    state: str
    member: bool
    member_state: str | None
    """The member's own state (None: not listed by DescribeClustersInServiceMesh)."""

    @property
    def settled(self) -> bool:
        """The mesh is running and the member, if any, is running too."""
        return self.state == RUNNING and self.member_state in (None, RUNNING)


class MeshMembershipProvider(ApiResourceProvider[AsmClient]):
    """Create (add or adopt), read, delete (remove) one member of one ASM instance."""

    def __init__(
        self,
        client_factory: ClientFactory[AsmClient] | None = None,
        *,
        max_attempts: int = 6,
        base_delay: float = 1.0,
        max_delay: float = 30.0,
        wait_timeout: float = 1200.0,
        poll_interval: float = 10.0,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        """``client_factory`` defaults to :func:`build_asm_client`; tests pass a fake.
        ``wait_timeout`` bounds each wait for the mesh (seconds), polled every
        ``poll_interval``; ``max_attempts``/``base_delay``/``max_delay`` bound one call's
        retries of transient failures."""
        if wait_timeout <= 0 or poll_interval <= 0:
            raise ValueError(
                f"wait_timeout ({wait_timeout}) and poll_interval ({poll_interval}) must be > 0"
            )
        super().__init__(
            client_factory, backoff=Backoff(max_attempts, base_delay, max_delay), sleep=sleep
        )
        self._checks = max(1, math.ceil(wait_timeout / poll_interval))
        self._interval = poll_interval

    def default_client(self, credentials: Credentials | None, region: str) -> AsmClient:
        return build_asm_client(credentials, region)

    # -- API calls ---------------------------------------------------------------------------

    def _call(self, action: str, mesh_id: str, fn: Callable[[], T]) -> T:
        return self.call(
            action, f"ServiceMeshId={mesh_id}", fn, error=AsmApiError, retry_if=is_transient
        )

    def _look(self, client: AsmClient, mesh_id: str, cluster_id: str) -> _Mesh:
        """The mesh's state and whether (and how) ``cluster_id`` is a member."""
        try:
            detail = self._call(
                "DescribeServiceMeshDetail",
                mesh_id,
                lambda: client.describe_service_mesh_detail(
                    asm.DescribeServiceMeshDetailRequest(service_mesh_id=mesh_id)
                ),
            )
        except AsmApiError as exc:
            if is_not_found(exc.code):
                return _Mesh(False, "", False, None)
            raise
        mesh = detail.body.service_mesh if detail.body is not None else None
        info = mesh.service_mesh_info if mesh is not None else None
        state = str((info.state if info is not None else None) or "")
        member = cluster_id in ((mesh.clusters if mesh is not None else None) or [])
        member_state = None
        if member:
            listed = self._call(
                "DescribeClustersInServiceMesh",
                mesh_id,
                lambda: client.describe_clusters_in_service_mesh(
                    asm.DescribeClustersInServiceMeshRequest(service_mesh_id=mesh_id)
                ),
            )
            for c in (listed.body.clusters if listed.body is not None else None) or []:
                if c.cluster_id == cluster_id:
                    member_state = str(c.state or "") or None
        return _Mesh(True, state, member, member_state)

    def _await(
        self, client: AsmClient, mesh_id: str, cluster_id: str, *, member: bool | None, doing: str
    ) -> _Mesh:
        """Poll until the mesh is running and membership is ``member`` (None: either)."""
        seen = None
        for check in range(1, self._checks + 1):
            seen = self._look(client, mesh_id, cluster_id)
            if not seen.exists:
                raise MeshMembershipError(
                    [
                        Problem(
                            f"mesh {mesh_id}", None, f"is gone while {doing} cluster {cluster_id}"
                        )
                    ]
                )
            if seen.settled and (member is None or seen.member == member):
                return seen
            if check < self._checks:
                self.pause(self._interval)
        assert seen is not None
        raise MeshMembershipError(
            [
                Problem(
                    f"mesh {mesh_id}",
                    {"state": seen.state, "member": seen.member, "memberState": seen.member_state},
                    f"did not settle within {self._checks * self._interval:g}s while {doing} "
                    "cluster "
                    f"{cluster_id}; nothing was rolled back: run `pulumi up` again to resume (the "
                    "membership is read back first), or check the mesh in the ASM console",
                )
            ]
        )

    def _change(self, client: AsmClient, mesh_id: str, cluster_id: str, *, add: bool) -> None:
        """Add or remove the member once the mesh is running; busy meshes are waited for."""
        doing = "adding" if add else "removing"
        for _ in range(self._checks):
            live = self._await(client, mesh_id, cluster_id, member=None, doing=doing)
            if live.member == add:
                return  # already as wanted: adopted, or removed by someone else
            try:
                self._send(client, mesh_id, cluster_id, add=add)
            except AsmApiError as exc:
                after = self._look(client, mesh_id, cluster_id)
                if not after.exists and not add:
                    return  # the mesh is gone, and its members with it
                if after.member == add:
                    break  # the call had worked (a retry after a lost answer), or a race
                if after.exists and after.state != RUNNING:
                    continue  # the mesh was busy (another add or an update): wait, try again
                if add:
                    raise self._refused(client, mesh_id, cluster_id, exc) from exc
                raise
            break
        self._await(client, mesh_id, cluster_id, member=add, doing=doing)

    def _send(self, client: AsmClient, mesh_id: str, cluster_id: str, *, add: bool) -> None:
        if add:
            adding = asm.AddClusterIntoServiceMeshRequest(
                service_mesh_id=mesh_id, cluster_id=cluster_id
            )
            self._call(
                "AddClusterIntoServiceMesh",
                mesh_id,
                lambda: client.add_cluster_into_service_mesh(adding),
            )
        else:
            removing = asm.RemoveClusterFromServiceMeshRequest(
                service_mesh_id=mesh_id, cluster_id=cluster_id
            )
            self._call(
                "RemoveClusterFromServiceMesh",
                mesh_id,
                lambda: client.remove_cluster_from_service_mesh(removing),
            )

    def _refused(
        self, client: AsmClient, mesh_id: str, cluster_id: str, exc: AsmApiError
    ) -> MeshfleetError:
        """The add's error, with ASM's reason when it lists the cluster as forbidden."""
        try:
            found = self._call(
                "DescribeServiceMeshClusters",
                mesh_id,
                lambda: client.describe_service_mesh_clusters(
                    asm.DescribeServiceMeshClustersRequest(service_mesh_id=mesh_id)
                ),
            )
        except AsmApiError:
            return exc
        for c in (found.body.clusters if found.body is not None else None) or []:
            if c.cluster_id == cluster_id and c.forbidden_flag:
                reason = FORBIDDEN.get(c.forbidden_flag, f"ForbiddenFlag {c.forbidden_flag}")
                return MeshMembershipError(
                    [
                        *exc.problems,
                        Problem(
                            f"cluster {cluster_id}",
                            c.forbidden_info or c.forbidden_flag,
                            f"cannot join mesh {mesh_id}: {reason}",
                        ),
                    ]
                )
        return exc

    # -- ResourceProvider --------------------------------------------------------------------

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> dyn.CheckResult:
        """Type-check the inputs; unknown values (preview) pass and are checked at apply."""
        return check_result(news, _problems(news))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dyn.DiffResult:
        """Every input replaces; deleting first unless the cluster changed (a cluster is in one
        mesh at a time, and a new membership of the same pair would be removed by the old)."""
        return replacing_diff(olds, news, INPUT_KEYS, REPLACE_KEYS, "clusterId")

    def create(self, props: dict[str, Any]) -> dyn.CreateResult:
        """Add the cluster (or adopt it when it is a member already) and wait for it."""
        mesh_id, cluster_id = _ids(props)
        client = self.client(str(props["regionId"]))
        self._change(client, mesh_id, cluster_id, add=True)
        return dyn.CreateResult(f"{mesh_id}:{cluster_id}", {k: props[k] for k in INPUT_KEYS})

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> dyn.UpdateResult:
        """Nothing is updated in place (every input replaces): the inputs stand."""
        _ids(news)
        return dyn.UpdateResult({k: news[k] for k in INPUT_KEYS})

    def read(self, id_: str, props: dict[str, Any]) -> dyn.ReadResult:
        """Still a member? A member that left (or a mesh that is gone) reads as deleted."""
        mesh_id, _, cluster_id = id_.partition(":")
        mesh_id, cluster_id = props.get("meshId") or mesh_id, props.get("clusterId") or cluster_id
        region = props.get("regionId")
        if not isinstance(region, str) or not REGION_RE.match(region):
            # `pulumi import` without inputs: the endpoint cannot be chosen.
            raise MeshMembershipError(
                [
                    Problem(
                        "regionId",
                        region,
                        "is needed to read the membership (it picks the endpoint)",
                    )
                ]
            )
        live = self._look(self.client(region), str(mesh_id), str(cluster_id))
        if not live.member:
            return dyn.ReadResult("", {})
        return dyn.ReadResult(
            id_, {"kind": KIND, "meshId": mesh_id, "clusterId": cluster_id, "regionId": region}
        )

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        """Remove the member and wait until it is gone: a mesh with members cannot be deleted
        (ErrorPermitted.ClustersNotEmpty, terraform-provider-alicloud issue #5259)."""
        mesh_id, cluster_id = str(props["meshId"]), str(props["clusterId"])
        client = self.client(str(props["regionId"]))
        if not self._look(client, mesh_id, cluster_id).member:
            return  # the mesh is gone, or the cluster left already
        self._change(client, mesh_id, cluster_id, add=False)


def _problems(props: Mapping[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    if props.get("kind") != KIND:
        problems.append(Problem("kind", props.get("kind"), f"must be {KIND!r}"))
    for key in ("meshId", "clusterId"):
        value = props.get(key)
        if not is_unknown(value) and (
            not isinstance(value, str) or not value.strip() or ":" in value
        ):
            problems.append(Problem(key, value, "must be a non-empty id string"))
    region = props.get("regionId")
    if not is_unknown(region) and (not isinstance(region, str) or not REGION_RE.match(region)):
        problems.append(Problem("regionId", region, "must be a region id such as 'cn-hangzhou'"))
    return problems


def _ids(props: Mapping[str, Any]) -> tuple[str, str]:
    """(mesh id, cluster id) of known, valid inputs; else every problem at once."""
    problems = _problems(props) + known_at_apply(props, INPUT_KEYS)
    if problems:
        raise MeshMembershipError(problems)
    return str(props["meshId"]), str(props["clusterId"])
