"""The lifecycle table against what we did not write: the shared provider-facts JSON (generated
from terraform-provider-alicloud's Go source) and meshfleet's own dynamic providers.

The JSON lives outside the repository (``../shared/provider-facts/`` from the project root, or
the file named by ``MESHFLEET_PROVIDER_FACTS``); without it the JSON checks skip, saying so.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import pkgutil
from pathlib import Path
from typing import Any

import pytest

from fleetctl import lifecycle
from fleetctl.lifecycle import DYNAMIC_TYPE, FACTS, SOURCE_COMMIT, Risk, facts_for

REPO = Path(__file__).resolve().parents[2]
SHARED_JSON = REPO / ".." / "shared" / "provider-facts" / "alicloud-schema.json"
ENV = "MESHFLEET_PROVIDER_FACTS"

# Every type the meshfleet program registers now or after the day-2 work (issue 12).
REQUIRED = [
    "alicloud:vpc/network:Network",
    "alicloud:vpc/switch:Switch",
    "alicloud:vpc/routeEntry:RouteEntry",
    "alicloud:vpc/natGateway:NatGateway",
    "alicloud:vpc/snatEntry:SnatEntry",
    "alicloud:ecs/eipAddress:EipAddress",
    "alicloud:ecs/securityGroupRule:SecurityGroupRule",
    "alicloud:cs/managedKubernetes:ManagedKubernetes",
    "alicloud:cs/nodePool:NodePool",
    "alicloud:cs/autoscalingConfig:AutoscalingConfig",
    "alicloud:ackone/cluster:Cluster",
    "alicloud:ackone/membershipAttachment:MembershipAttachment",
    "alicloud:servicemesh/serviceMesh:ServiceMesh",
    "alicloud:cen/instance:Instance",
    "alicloud:cen/transitRouter:TransitRouter",
    "alicloud:cen/transitRouterVpcAttachment:TransitRouterVpcAttachment",
    "alicloud:cen/transitRouterPeerAttachment:TransitRouterPeerAttachment",
    "alicloud:cen/transitRouterRouteTable:TransitRouterRouteTable",
    "alicloud:cen/transitRouterRouteTableAssociation:TransitRouterRouteTableAssociation",
    "alicloud:cen/transitRouterRouteTablePropagation:TransitRouterRouteTablePropagation",
    "alicloud:cen/transitRouterRouteEntry:TransitRouterRouteEntry",
    "alicloud:vpc/ipamIpamPoolAllocation:IpamIpamPoolAllocation",
    "pulumi:providers:alicloud",
    "meshfleet:ackone:FleetFeatures",
    "meshfleet:servicemesh:MeshMembership",
]
ALICLOUD = sorted(k for k in FACTS if k.startswith("alicloud:"))


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    path = Path(os.environ[ENV]) if os.environ.get(ENV) else SHARED_JSON
    if not path.is_file():
        pytest.skip(
            f"no provider-facts JSON at {path.resolve()} (set {ENV} to its path): the "
            "lifecycle table is NOT checked against the provider's schema"
        )
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def _expected(res: dict[str, Any]) -> dict[str, set[str]]:
    """The table's word lists as the JSON says they should be."""
    fields = res["fields"]
    force_new = set(res["summary"]["force_new"])
    for name, f in fields.items():
        if not f.get("force_new"):
            force_new |= {
                f"{name}.{sub}"
                for sub, g in (f.get("fields") or {}).items()
                if isinstance(g, dict) and g.get("force_new")
            }
    return {
        "force_new": force_new,
        "outputs": {n for n, f in fields.items() if not f["pulumi_input"]},
        "optional_computed": {n for n, f in fields.items() if f["pulumi_input"] and f["computed"]},
        "not_read_back": set(res["summary"]["not_read_back"]),
        "update_not_handled": set(res["summary"]["update_not_handled"]),
    }


def _notes_digest(res: dict[str, Any]) -> str:
    notes = json.dumps(
        [res.get("read_notes", []), res.get("update_notes", []), res.get("notes", [])]
    )
    return hashlib.sha256(notes.encode()).hexdigest()[:12]


def test_the_table_covers_every_type_meshfleet_registers() -> None:
    assert sorted(set(REQUIRED) - set(FACTS)) == []


def test_the_json_is_the_one_the_table_was_read_from(schema: dict[str, Any]) -> None:
    assert schema["source"]["commit"] == SOURCE_COMMIT, (
        f"the provider-facts JSON now comes from {schema['source']['commit']}, the table from "
        f"{SOURCE_COMMIT}: re-check fleetctl/lifecycle_facts.toml and the risks in "
        "fleetctl/lifecycle.py, then set source_commit"
    )


@pytest.mark.parametrize("token", ALICLOUD)
def test_schema_facts_equal_the_json(schema: dict[str, Any], token: str) -> None:
    assert token in schema["resources"], f"{token} is in the lifecycle table, not in the JSON"
    res, facts = schema["resources"][token], FACTS[token]
    problems = []
    for name, want in _expected(res).items():
        got = set(getattr(facts, name))
        if got != want:
            problems.append(
                f"{name}: only in the table {sorted(got - want)}, only in the JSON "
                f"{sorted(want - got)}"
            )
    name_field = res["fields"].get("name")
    autoname = bool(
        name_field
        and name_field["type"] == "string"
        and (name_field["optional"] or name_field["required"])
    )
    if facts.autoname != autoname:
        problems.append(f"autoname: table {facts.autoname}, JSON says {autoname}")
    if facts.notes_digest != _notes_digest(res):
        problems.append(
            f"the JSON's read/update notes changed: re-read them, adjust the risks in "
            f"fleetctl/lifecycle.py, then set notes_digest = "
            f'"{_notes_digest(res)}"'
        )
    assert not problems, f"{token}:\n  " + "\n  ".join(problems)


def _field(fields: dict[str, Any], path: str) -> dict[str, Any] | None:
    top, _, sub = path.partition(".")
    f = fields.get(top)
    if f is None or not sub:
        return f
    nested = (f.get("fields") or {}).get(sub)
    return nested if isinstance(nested, dict) else None


@pytest.mark.parametrize(
    "token",
    [
        t
        for t in ALICLOUD
        if FACTS[t].update_risks
        or FACTS[t].unset_risks
        or FACTS[t].order_risks
        or FACTS[t].delete_risks
    ],
)
def test_every_risk_names_a_real_input(schema: dict[str, Any], token: str) -> None:
    res, facts = schema["resources"][token], FACTS[token]
    fields, problems = res["fields"], []
    kinds = {
        "update_risks": facts.update_risks,
        "unset_risks": facts.unset_risks,
        "order_risks": facts.order_risks,
        "delete_risks": facts.delete_risks,
    }
    for kind, risks in kinds.items():
        for path in risks:
            f = _field(fields, path)
            if f is None or not fields[path.split(".")[0]]["pulumi_input"]:
                problems.append(f"{kind}: {path} is not an input in the JSON")
                continue
            if kind == "update_risks" and (
                path in facts.force_new or path.split(".")[0] in facts.force_new
            ):
                problems.append(f"{kind}: {path} is ForceNew, it is never updated in place")
            if kind == "order_risks" and f.get("type") != "list":
                problems.append(f"{kind}: {path} is a {f.get('type')}, not a list")
    readback = set(res["summary"]["optional_not_computed_read_back"])
    problems += [
        f"unset_risks: {p} is not optional, not computed and read back"
        for p in facts.unset_risks
        if p not in readback
    ]
    assert not problems, f"{token}:\n  " + "\n  ".join(problems)


def test_fleet_features_facts_are_its_providers() -> None:
    ff = importlib.import_module("meshfleet.components.fleet_features")
    facts = facts_for(DYNAMIC_TYPE, {"kind": ff.KIND})
    assert facts is not None and facts.dynamic
    assert facts.force_new == set(ff.REPLACE_KEYS)
    assert facts.outputs == set(ff.OUTPUT_KEYS)
    assert set(facts.update_risks) <= set(ff.INPUT_KEYS)
    # The table's delete-before-replace rule is the provider's own diff.
    provider = ff.FleetFeaturesProvider(client_factory=lambda *_: None)
    olds = {
        "kind": ff.KIND,
        "fleetId": "c-1",
        "regionId": "cn-hangzhou",
        "meshId": "m-1",
        "enableMesh": True,
        "publicApiServerEnabled": False,
        "deletionProtection": True,
        "privateKubeconfig": True,
    }
    for change in (
        {"regionId": "cn-shanghai"},
        {"fleetId": "c-2"},
        {"fleetId": "c-2", "regionId": "cn-shanghai"},
    ):
        result = provider.diff("c-1", olds, {**olds, **change})
        assert set(result.replaces or ()) == set(change) & facts.force_new
        table_dbr = not set(change) & facts.delete_before_replace_unless_changed
        assert bool(result.delete_before_replace) == table_dbr, change


def test_mesh_membership_facts_are_its_providers() -> None:
    kind = "meshfleet:servicemesh:MeshMembership"
    package = importlib.import_module("meshfleet.components")
    modules = [
        importlib.import_module(f"meshfleet.components.{m.name}")
        for m in pkgutil.iter_modules(package.__path__)
    ]
    found = [m for m in modules if getattr(m, "KIND", None) == kind]
    if not found:
        pytest.skip(
            f"no meshfleet.components module has KIND = {kind!r} yet (issue 12 item 1): "
            "its lifecycle facts are checked once it exists"
        )
    facts = facts_for(DYNAMIC_TYPE, {"kind": kind})
    assert facts is not None
    assert facts.force_new == set(found[0].REPLACE_KEYS)


def test_facts_for_tells_dynamic_resources_apart_by_kind() -> None:
    assert facts_for(DYNAMIC_TYPE, {"kind": "meshfleet:ackone:FleetFeatures"}) is not None
    assert facts_for(DYNAMIC_TYPE, {"kind": "someone:else:Thing"}) is None
    assert facts_for(DYNAMIC_TYPE, {"kind": "<unknown>"}) is None
    assert facts_for(DYNAMIC_TYPE, {}) is None
    assert facts_for("alicloud:vpc/switch:Switch") is FACTS["alicloud:vpc/switch:Switch"]
    assert facts_for("alicloud:nope/nope:Nope") is None


@pytest.mark.parametrize(
    ("risk", "old", "new", "applies"),
    [
        (Risk("risky", "r"), 1, 2, True),
        (Risk("risky", "r", "decrease"), 3, 2, True),
        (Risk("risky", "r", "decrease"), "3", "5", False),
        (Risk("risky", "r", "decrease"), None, 5, False),
        (Risk("risky", "r", "to_off"), True, False, True),
        (Risk("risky", "r", "to_off"), 30, 0, True),
        (Risk("risky", "r", "to_off"), False, True, False),
        (Risk("risky", "r", "present"), None, {"useReplace": True}, True),
        (Risk("risky", "r", "present"), {"a": 1}, None, False),
    ],
)
def test_risk_conditions(risk: Risk, old: Any, new: Any, applies: bool) -> None:
    assert risk.applies(old, new) is applies


def test_counts_cover_every_key() -> None:
    rows = lifecycle.counts()
    assert set(rows) == set(FACTS)
    assert rows["alicloud:servicemesh/serviceMesh:ServiceMesh"]["force_new"] == 5
