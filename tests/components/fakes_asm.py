"""An in-memory ASM (servicemesh 2020-01-11) API for MeshMembershipProvider tests.

Like ``fakes_adcp``: it takes only the SDK's own request models (recorded as ``to_map()``, the
wire names), answers with the SDK's response models built by ``from_map``, and raises the SDK's
exceptions. It enforces the API's rules as the provider meets them:

* an unknown cluster cannot be added, a cluster in another mesh neither;
* a cluster that is already a member cannot be added again;
* while a membership change runs the mesh is busy (``updating``) and refuses another change;
  each change keeps it busy for ``busy_for`` reads of its state, then it is ``running``;
* a new member is ``starting`` for ``starting_for`` reads of the member list;
* DescribeServiceMeshClusters lists the clusters that can be added, with their ForbiddenFlag.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from alibabacloud_servicemesh20200111 import models as asm

from meshfleet.components.alibaba_api import Credentials
from meshfleet.components.mesh_membership import AsmClient
from tests.components.fakes_adcp import api_error

ADD = "AddClusterIntoServiceMesh"
REMOVE = "RemoveClusterFromServiceMesh"
DETAIL = "DescribeServiceMeshDetail"
MEMBERS = "DescribeClustersInServiceMesh"
CANDIDATES = "DescribeServiceMeshClusters"


class FakeAsm:
    """One region's ASM service: meshes, their members, and the clusters it knows."""

    def __init__(
        self,
        meshes: tuple[str, ...] = ("asm-0001",),
        clusters: tuple[str, ...] = ("c-a", "c-b", "c-c"),
        *,
        busy_for: int = 2,
        starting_for: int = 1,
    ) -> None:
        self.members: dict[str, list[str]] = {m: [] for m in meshes}
        self.known = set(clusters)
        self.forbidden: dict[str, tuple[int, str]] = {}
        self.busy_for, self.starting_for = busy_for, starting_for
        self._busy: dict[str, int] = {m: 0 for m in meshes}
        self._starting: dict[tuple[str, str], int] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.clients: list[tuple[Credentials | None, str]] = []
        self._errors: dict[str, list[Exception]] = {}
        self.lose_answer_of: set[str] = set()
        """Actions whose next success raises a 5xx anyway (the change was made)."""

    # -- test controls ----------------------------------------------------------------------

    def fail_next(self, action: str, *errors: Exception) -> None:
        self._errors.setdefault(action, []).extend(errors)

    def factory(self) -> Callable[[Credentials | None, str], AsmClient]:
        def make(credentials: Credentials | None, region: str) -> AsmClient:
            self.clients.append((credentials, region))
            return self

        return make

    def actions(self) -> list[str]:
        return [a for a, _ in self.calls]

    def requests(self, action: str) -> list[dict[str, Any]]:
        return [r for a, r in self.calls if a == action]

    def make_busy(self, mesh: str, reads: int) -> None:
        """The mesh is updating (someone else's change) for this many state reads."""
        self._busy[mesh] = reads

    # -- the SDK surface ---------------------------------------------------------------------

    def _enter(self, action: str, request: Any, model: type) -> str:
        if not isinstance(request, model):
            raise TypeError(f"{action} takes {model.__name__}, got {type(request).__name__}")
        request.validate()
        self.calls.append((action, request.to_map()))
        queued = self._errors.get(action)
        if queued:
            raise queued.pop(0)
        mesh = str(request.service_mesh_id)
        if mesh not in self.members:
            raise api_error("ServiceMesh.NotFound", f"service mesh {mesh} not found", status=404)
        return mesh

    def _change(self, action: str, mesh: str) -> None:
        if self._busy[mesh] > 0:
            raise api_error(
                "ErrorPermitted.MeshStatusNotRunning",
                f"the service mesh {mesh} is updating, try again later",
            )
        self._busy[mesh] = self.busy_for

    def _ok(self, response: type, action: str) -> Any:
        if action in self.lose_answer_of:
            self.lose_answer_of.discard(action)
            raise api_error("InternalError", "the answer was lost", status=503)
        return response().from_map(
            {
                "headers": {},
                "statusCode": 200,
                "body": {"RequestId": f"REQ-{action}", "Code": "200"},
            }
        )

    def add_cluster_into_service_mesh(
        self, request: asm.AddClusterIntoServiceMeshRequest
    ) -> asm.AddClusterIntoServiceMeshResponse:
        mesh = self._enter(ADD, request, asm.AddClusterIntoServiceMeshRequest)
        cluster = str(request.cluster_id)
        if cluster not in self.known:
            raise api_error("ErrorClusterNotFound", f"cluster {cluster} not found")
        if cluster in self.members[mesh]:
            raise api_error(
                "ErrorPermitted.ClusterAlreadyAdded",
                f"cluster {cluster} is already in the service mesh",
            )
        if any(cluster in m for other, m in self.members.items() if other != mesh):
            raise api_error(
                "ErrorPermitted.ClusterInOtherMesh",
                f"cluster {cluster} belongs to another service mesh",
            )
        if cluster in self.forbidden:
            raise api_error("ErrorPermitted.ClusterForbidden", "the cluster cannot be added")
        self._change(ADD, mesh)
        self.members[mesh].append(cluster)
        self._starting[(mesh, cluster)] = self.starting_for
        return self._ok(asm.AddClusterIntoServiceMeshResponse, ADD)

    def remove_cluster_from_service_mesh(
        self, request: asm.RemoveClusterFromServiceMeshRequest
    ) -> asm.RemoveClusterFromServiceMeshResponse:
        mesh = self._enter(REMOVE, request, asm.RemoveClusterFromServiceMeshRequest)
        cluster = str(request.cluster_id)
        if cluster not in self.members[mesh]:
            raise api_error("ErrorClusterNotFound", f"cluster {cluster} is not in the mesh")
        self._change(REMOVE, mesh)
        self.members[mesh].remove(cluster)
        return self._ok(asm.RemoveClusterFromServiceMeshResponse, REMOVE)

    def describe_service_mesh_detail(
        self, request: asm.DescribeServiceMeshDetailRequest
    ) -> asm.DescribeServiceMeshDetailResponse:
        mesh = self._enter(DETAIL, request, asm.DescribeServiceMeshDetailRequest)
        state = "running"
        if self._busy[mesh] > 0:
            self._busy[mesh] -= 1
            state = "updating"
        body = {
            "RequestId": "REQ-D",
            "ServiceMesh": {
                "Clusters": list(self.members[mesh]),
                "ServiceMeshInfo": {"ServiceMeshId": mesh, "State": state, "Profile": "Pro"},
            },
        }
        return asm.DescribeServiceMeshDetailResponse().from_map(
            {"headers": {}, "statusCode": 200, "body": body}
        )

    def describe_clusters_in_service_mesh(
        self, request: asm.DescribeClustersInServiceMeshRequest
    ) -> asm.DescribeClustersInServiceMeshResponse:
        mesh = self._enter(MEMBERS, request, asm.DescribeClustersInServiceMeshRequest)
        listed = []
        for cluster in self.members[mesh]:
            left = self._starting.get((mesh, cluster), 0)
            if left > 0:
                self._starting[(mesh, cluster)] = left - 1
            listed.append({"ClusterId": cluster, "State": "starting" if left else "running"})
        return asm.DescribeClustersInServiceMeshResponse().from_map(
            {"headers": {}, "statusCode": 200, "body": {"RequestId": "REQ-M", "Clusters": listed}}
        )

    def describe_service_mesh_clusters(
        self, request: asm.DescribeServiceMeshClustersRequest
    ) -> asm.DescribeServiceMeshClustersResponse:
        mesh = self._enter(CANDIDATES, request, asm.DescribeServiceMeshClustersRequest)
        listed = []
        for cluster in sorted(self.known - set(self.members[mesh])):
            flag, info = self.forbidden.get(cluster, (0, ""))
            listed.append(
                {
                    "ClusterId": cluster,
                    "ForbiddenFlag": flag,
                    **({"ForbiddenInfo": info} if info else {}),
                }
            )
        return asm.DescribeServiceMeshClustersResponse().from_map(
            {"headers": {}, "statusCode": 200, "body": {"RequestId": "REQ-C", "Clusters": listed}}
        )


# A module-level ClientFactory (pickled by reference, as the state would hold the provider).
PROCESS_FAKE = FakeAsm()


def process_factory(credentials: Credentials | None, region: str) -> AsmClient:
    PROCESS_FAKE.clients.append((credentials, region))
    return PROCESS_FAKE
