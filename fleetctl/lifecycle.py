"""The provider's lifecycle facts for every resource type meshfleet registers.

Two halves, kept apart on purpose:

* the schema facts (``lifecycle_facts.toml`` next to this module): per type, which inputs force
  a replacement, which outputs are computed, which inputs are not read back or never looked at by
  Update, whether ``name`` is auto-named. They are mechanical, generated once from the shared
  provider-facts JSON and checked against it by ``tests/fleetctl/test_lifecycle.py``; a data file
  keeps 25 types of word lists out of the code;
* the risks (below, in Python): what an in-place update, a replacement or a deletion actually does
  when the provider's Update/Delete code is read, with the reason. They are judgement, written from
  the JSON's notes and checked against terraform-provider-alicloud's Go source
  (release/v2 at ``SOURCE_COMMIT``).

``fleetctl.diff`` uses both to say what ``pulumi preview --diff`` would do with a change.

    >>> mesh = facts_for("alicloud:servicemesh/serviceMesh:ServiceMesh")
    >>> sorted(mesh.force_new)[:2], mesh.update_risks["clusterIds"].severity
    (['edition', 'loadBalancer.apiServerPublicEip'], 'destructive')
    >>> sorted(facts_for(DYNAMIC_TYPE, {"kind": "meshfleet:ackone:FleetFeatures"}).force_new)
    ['fleetId', 'regionId']
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

DYNAMIC_TYPE = "pulumi-python:dynamic:Resource"
"""The one type token of every Pulumi dynamic resource; the ``kind`` input tells them apart."""

FACTS_FILE = Path(__file__).with_name("lifecycle_facts.toml")

Severity = Literal["destructive", "risky"]
When = Literal["change", "decrease", "to_off", "present"]
_OFF: tuple[Any, ...] = (None, False, 0, "", [], {})


@dataclass(frozen=True)
class Risk:
    """What a change does beyond what its name suggests.

    ``when`` narrows it: ``change`` (any change), ``decrease`` (a number goes down), ``to_off``
    (a truthy value becomes false, 0, empty or unset), ``present`` (ANY update of the resource
    while the input is set in the program).
    """

    severity: Severity
    reason: str
    when: When = "change"

    def applies(self, old: Any, new: Any) -> bool:
        """Whether the change ``old`` -> ``new`` of the input triggers this risk."""
        if self.when == "present":
            return new not in _OFF
        if self.when == "to_off":
            return old not in _OFF and new in _OFF
        if self.when == "decrease":
            try:
                return float(new) < float(old)
            except (TypeError, ValueError):
                return False
        return True


@dataclass(frozen=True)
class TypeFacts:
    """The lifecycle facts of one resource type (inputs by Pulumi camelCase name)."""

    key: str
    """The type token, or for a dynamic resource its ``kind``."""
    force_new: frozenset[str] = frozenset()
    outputs: frozenset[str] = frozenset()
    optional_computed: frozenset[str] = frozenset()
    not_read_back: frozenset[str] = frozenset()
    update_not_handled: frozenset[str] = frozenset()
    autoname: bool = False
    dynamic: bool = False
    delete_before_replace_unless_changed: frozenset[str] = frozenset()
    """Dynamic resources whose provider asks for delete-before-replace unless one of these
    inputs changed (FleetFeatures: same Fleet, other region)."""
    notes_digest: str = ""
    source: str = "../shared/provider-facts/alicloud-schema.json"
    update_risks: Mapping[str, Risk] = field(default_factory=dict)
    """Input (or ``block.field``) -> what an in-place update of it does."""
    unset_risks: Mapping[str, Risk] = field(default_factory=dict)
    """Inputs the program must set: left unset, the provider's Read still fills them in."""
    order_risks: Mapping[str, Risk] = field(default_factory=dict)
    """List inputs Read rewrites in the API's order: another order is a diff."""
    replace_risk: Risk | None = None
    """What goes wrong when Pulumi replaces it create-before-delete (its default)."""
    delete_risks: Mapping[str, Risk] = field(default_factory=dict)
    """Input -> what stops (or complicates) deleting the resource while the input is truthy."""


def _d(reason: str, when: When = "change") -> Risk:
    return Risk("destructive", reason, when)


def _r(reason: str, when: When = "change") -> Risk:
    return Risk("risky", reason, when)


_API_ORDER = "Read writes the list in the API's order: a program order that differs is a diff on "

# The risks, from each type's update/read notes in the shared JSON and the Update/Delete functions
# they describe. Keyed like the facts file; every input named here exists in the JSON and is not
# ForceNew (the test checks both).
_RISKS: dict[str, dict[str, Any]] = {
    "alicloud:vpc/network:Network": {
        "update_risks": {
            "cidrBlock": _r(
                "not ForceNew: sent in place through ModifyVpcAttribute(CidrBlock); "
                "the API decides whether the new range is acceptable"
            ),
            "secondaryCidrBlocks": _r(
                "diffed as a set: removed blocks are unassociated first "
                "(UnassociateVpcCidrBlock), then added ones associated"
            ),
        },
    },
    "alicloud:vpc/switch:Switch": {
        "update_risks": {
            "ipv6CidrBlockMask": _d(
                "with enableIpv6 staying true the Update cancels IPv6 "
                "(CancelIpv6) and re-enables it: the old IPv6 block is "
                "released, not moved"
            ),
        },
    },
    "alicloud:vpc/routeEntry:RouteEntry": {
        "replace_risk": _d(
            "no Update, every input is ForceNew: create-before-delete adds a second "
            "entry for the same destination, which may collide with the old one "
            "(set deleteBeforeReplace)"
        ),
    },
    "alicloud:vpc/natGateway:NatGateway": {
        "update_risks": {
            "vswitchId": _r("sent in place with natType through UpdateNatGatewayNatType"),
            "natType": _r("sent in place with vswitchId through UpdateNatGatewayNatType"),
        },
    },
    "alicloud:vpc/snatEntry:SnatEntry": {
        "update_risks": {
            "snatIp": _r(
                "changed in place through ModifySnatEntry: outbound traffic of the source "
                "leaves from the new address"
            ),
        },
    },
    "alicloud:cs/managedKubernetes:ManagedKubernetes": {
        "update_risks": {
            "version": _r(
                "UpgradeCluster: a one-way control-plane upgrade (CancelTask is tried "
                "only when the task fails)"
            ),
            "clusterSpec": _r(
                "only ack.standard -> ack.pro.* migrates (migrateCluster); any other "
                "change is skipped silently and Read writes back the live spec, so "
                "the diff comes back on every preview"
            ),
            "vswitchIds": _r(
                "ModifyCluster sends the complete new list (SetVswitchIds): the "
                "control-plane vSwitch set is replaced, not patched"
            ),
            "customSan": _r(
                "ApiServerCustomCertSans with action 'overwrite': the SAN list is "
                "replaced by the new value"
            ),
            "enableRrsa": _r("RRSA cannot be switched off: the Update fails", "to_off"),
        },
        "unset_risks": {
            "serviceCidr": _d(
                "Optional, ForceNew, not Computed but read back from ServiceCidr: "
                "left unset it plans a REPLACEMENT once the API reports the CIDR"
            ),
            "podCidr": _d(
                "Optional, ForceNew, not Computed but read back from ContainerCidr: left "
                "unset it plans a REPLACEMENT once the API reports a CIDR"
            ),
        },
        "order_risks": {"vswitchIds": _r(_API_ORDER + "every preview (ModifyCluster)")},
        "delete_risks": {
            "deletionProtection": _d(
                "DeleteCluster is refused while deletion protection is on: "
                "switch it off (spec deletionProtection: false), `pulumi up`, "
                "then delete"
            ),
        },
    },
    "alicloud:cs/nodePool:NodePool": {
        "update_risks": {
            "nodeCount": _d(
                "lowering it (desiredSize unset) releases the first N nodes of the "
                "API's list without draining (ReleaseNode=true, DrainNode=false), and "
                "the other changes of the same update are not sent",
                "decrease",
            ),
            "instances": _d(
                "removed ids are released without draining (ReleaseNode=true, DrainNode=false)"
            ),
            "desiredSize": _r(
                "ModifyClusterNodePool scales the pool in: ACK removes nodes to "
                "reach the lower size",
                "decrease",
            ),
            "kubeletConfiguration": _r(
                "goes to the node_config API with "
                "rolling_policy.max_parallelism: rolled out to the pool's "
                "existing nodes"
            ),
            "containerdConfig": _r(
                "goes to the node_config API with "
                "rolling_policy.max_parallelism: rolled out to the pool's "
                "existing nodes"
            ),
            "upgradePolicy": _d(
                "while it is set, EVERY update also POSTs the node-pool upgrade "
                "API: an unrelated change (a label) can start a node upgrade or "
                "replacement (use_replace)",
                "present",
            ),
        },
        "order_risks": {
            "vswitchIds": _r(_API_ORDER + "every preview (ModifyClusterNodePool)"),
            "instanceTypes": _r(_API_ORDER + "every preview (ModifyClusterNodePool)"),
        },
    },
    "alicloud:cs/autoscalingConfig:AutoscalingConfig": {
        "update_risks": {
            key: _r(
                "Update re-sends the whole config (CreateAutoscalingConfig) reading this key "
                "with GetOk: switching it to false/0 sends nothing, the old value stays",
                "to_off",
            )
            for key in (
                "skipNodesWithSystemPods",
                "skipNodesWithLocalStorage",
                "daemonsetEvictionForNodes",
                "recycleNodeDeletionEnabled",
                "scaleUpFromZero",
                "maxGracefulTerminationSec",
                "minReplicaCount",
            )
        },
    },
    "alicloud:ackone/cluster:Cluster": {
        "update_risks": {
            "argocdEnabled": _r(
                "UpdateHubClusterFeature(ArgoCDEnabled, true when unset), then a "
                "wait for running and a fixed 4-minute sleep"
            ),
        },
    },
    "alicloud:servicemesh/serviceMesh:ServiceMesh": {
        "update_risks": {
            "clusterIds": _d(
                "any change removes EVERY old member (RemoveClusterFromServiceMesh, "
                "one by one, waiting for running) and then adds every new one: adding "
                "or removing one cluster detaches all of them from the mesh"
            ),
            "version": _r("UpgradeMeshEditionPartially: an in-place control-plane upgrade"),
            "loadBalancer.pilotPublicEipId": _d(
                "UnBindEip then BindEip, but UnBindEip takes its "
                "EipId from the NEW value: the old EIP is not "
                "unbound"
            ),
        },
        "unset_risks": {
            "version": _d(
                "Optional, not Computed, read back: left unset, the preview after the "
                "API reports a version shows a diff and the Update calls "
                "UpgradeMeshEditionPartially with ExpectedVersion ''"
            ),
            "edition": _d(
                "Optional, ForceNew, not Computed, read back from Profile: left unset "
                "it plans a REPLACEMENT of the mesh once the API reports the edition"
            ),
        },
        "order_risks": {
            "clusterIds": _d(
                _API_ORDER + "every preview, and that diff detaches and re-adds every member"
            ),
        },
        "delete_risks": {
            "clusterIds": _r(
                "DeleteServiceMesh with members still attached fails "
                "(ClustersNotEmpty, issue 12) unless `force` is set"
            ),
        },
    },
    "alicloud:cen/transitRouterVpcAttachment:TransitRouterVpcAttachment": {
        "update_risks": {
            "zoneMappings": _r(
                "a set: one UpdateTransitRouterVpcAttachmentZones removes old-minus-"
                "new and adds new-minus-old mappings; another vSwitch in a zone is "
                "remove+add of that zone's mapping"
            ),
        },
    },
    "alicloud:cen/transitRouterRouteTableAssociation:TransitRouterRouteTableAssociation": {
        "replace_risk": _d(
            "an attachment is associated with ONE route table: a create-before-"
            "delete replacement is expected to collide (set deleteBeforeReplace)"
        ),
    },
    "pulumi:providers:alicloud": {
        "update_risks": {
            "region": _d(
                "updated in place, NOT replaced (no ForcesProviderReplace in "
                "pulumi-alicloud): every resource of this provider stays where it is "
                "while Pulumi now calls the new region's endpoints; a refresh then finds "
                "them missing"
            ),
        },
    },
    "meshfleet:ackone:FleetFeatures": {
        "update_risks": {
            "enableMesh": _r(
                "switches the Fleet's mesh feature off (UpdateHubClusterFeature)", "to_off"
            ),
            "meshId": _r(
                "the adcp API cannot move a Fleet to another mesh: the update fails "
                "verifying the binding"
            ),
        },
    },
    "alicloud:vpc/ipamIpamPoolAllocation:IpamIpamPoolAllocation": {
        "replace_risk": _d(
            "IPAM lets no two allocations of one pool overlap: a create-before-"
            "delete replacement by an overlapping CIDR collides with the "
            "allocation it replaces; ask for deleteBeforeReplace"
        ),
    },
    "alicloud:ecs/eipAssociation:EipAssociation": {
        "replace_risk": _d(
            "an EIP is bound to one instance at a time: create-before-delete binds "
            "it again before the old association is removed, and the create "
            "fails; ask for deleteBeforeReplace"
        ),
    },
}


def _load() -> tuple[str, dict[str, TypeFacts]]:
    data = tomllib.loads(FACTS_FILE.read_text())
    commit = str(data.pop("source_commit"))
    table: dict[str, TypeFacts] = {}
    for key, raw in data.items():

        def words(name: str, raw: dict[str, Any] = raw) -> frozenset[str]:
            return frozenset(str(w) for w in raw.get(name, ()))

        table[key] = TypeFacts(
            key=key,
            force_new=words("force_new"),
            outputs=words("outputs"),
            optional_computed=words("optional_computed"),
            not_read_back=words("not_read_back"),
            update_not_handled=words("update_not_handled"),
            autoname=bool(raw.get("autoname", False)),
            dynamic=bool(raw.get("dynamic", False)),
            delete_before_replace_unless_changed=words("delete_before_replace_unless_changed"),
            notes_digest=str(raw.get("notes_digest", "")),
            source=str(raw.get("source", TypeFacts.source)),
            **_RISKS.get(key, {}),
        )
    unknown = set(_RISKS) - set(table)
    if unknown:  # a typo in a key would silently drop its risks
        raise RuntimeError(f"risks for types without facts: {sorted(unknown)}")
    return commit, table


SOURCE_COMMIT, FACTS = _load()
"""The terraform-provider-alicloud commit the facts come from, and the table by key."""


def facts_for(type_: str, properties: Mapping[str, Any] | None = None) -> TypeFacts | None:
    """The facts of a resource of type ``type_`` (a dynamic one by its ``kind`` input)."""
    if type_ == DYNAMIC_TYPE:
        kind = (properties or {}).get("kind")
        return FACTS.get(kind) if isinstance(kind, str) else None
    return FACTS.get(type_)


def counts() -> dict[str, dict[str, int]]:
    """Per key: how many facts of each kind the table holds (for reports)."""
    out: dict[str, dict[str, int]] = {}
    for key, f in sorted(FACTS.items()):
        out[key] = {
            "force_new": len(f.force_new),
            "outputs": len(f.outputs),
            "optional_computed": len(f.optional_computed),
            "not_read_back": len(f.not_read_back),
            "update_not_handled": len(f.update_not_handled),
            "risks": len(f.update_risks)
            + len(f.unset_risks)
            + len(f.order_risks)
            + len(f.delete_risks)
            + (f.replace_risk is not None),
        }
    return out


if __name__ == "__main__":
    cols = (
        "force_new",
        "outputs",
        "optional_computed",
        "not_read_back",
        "update_not_handled",
        "risks",
    )
    print(f"{'type':<80} " + " ".join(c[:10].rjust(10) for c in cols))
    for key, row in counts().items():
        print(f"{key:<80} " + " ".join(str(row[c]).rjust(10) for c in cols))
