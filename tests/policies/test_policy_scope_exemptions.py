"""Who the rules apply to (Fleet and mesh groups, MeshMembership resources, ACK Serverless and
Edge members, clusters not declared in the stack), one advisory per undecidable value, and
per-resource exemptions, through the real analyzer path."""

from __future__ import annotations

import pytest

from fleetctl.analyzer import PolicyConfigError, PolicyPackRunner
from tests.conftest import PACK_DIR
from tests.policies.stackbuilder import (
    T_EDGE,
    T_SERVERLESS,
    UNKNOWN,
    Ref,
    StackBuilder,
    two_region_fleet,
)
from tests.policies.test_policy_rules import found

COMPANION = "value-unknown-at-preview"
EXEMPTIONS = "policy-exemptions"


def _meshed_by_memberships() -> tuple[StackBuilder, dict[str, Ref]]:
    """The compliant topology with the mesh's clusterIds empty and one MeshMembership each."""
    sb, r = two_region_fleet()
    for key in ("c1", "c2", "c3"):
        sb.unlink(r["mesh"], "clusterIds", r[key])
        r[f"mm-{key}"] = sb.mesh_membership(f"mesh-member-{key}", r["mesh"], r[key])
    return sb, r


def test_mesh_memberships_make_members_as_cluster_ids_do(pack: PolicyPackRunner) -> None:
    sb, r = _meshed_by_memberships()
    assert pack.analyze_stack(sb.resources) == []
    sb.set(r["c3"], serviceCidr="10.0.128.0/20")  # a Terway member's Service CIDR in the mesh VPC
    assert ("terway-service-cidr-overlaps-mesh-vpc", "ack-3") in found(
        pack.analyze_stack(sb.resources)
    )


def test_mesh_membership_dropped_is_an_advisory(pack: PolicyPackRunner) -> None:
    sb, r = _meshed_by_memberships()
    sb.remove(r["mm-c2"])
    diags = pack.analyze_stack(sb.resources)
    assert found(diags) == {("cluster-not-in-mesh", "ack-2")}
    assert {d.enforcement_level for d in diags} == {"advisory"}


def test_mesh_member_outside_the_fleet_breaks_path_4(pack: PolicyPackRunner) -> None:
    sb, r = _meshed_by_memberships()
    sb.remove(r["m2"])  # ack-2 stays in the mesh, leaves the Fleet that manages the mesh
    diags = pack.analyze_stack(sb.resources)
    assert found(diags) == {("cluster-not-in-fleet", "ack-2")}
    assert diags[0].enforcement_level == "mandatory" and "path (4)" in diags[0].message


def test_serverless_member_is_checked_not_dropped(pack: PolicyPackRunner) -> None:
    sb, r = two_region_fleet()
    n = sb.vswitch("ask-h", r["vpc1"], "10.0.64.0/20", "cn-hangzhou-h")
    ask = sb.add(
        T_SERVERLESS,
        "ask-1",
        {
            "name": "ask-1",
            "vswitchIds": [n.id],
            "serviceCidr": "192.168.0.0/20",  # = ack-1's
            "deletionProtection": True,
        },
        r["hz"],
        {"vswitchIds": [n]},
    )
    sb.membership("member-ask", r["fleet"], ask, r["hz"])
    sb.link(r["mesh"], "clusterIds", ask)
    diags = pack.analyze_stack(sb.resources)
    assert found(diags) == {("service-cidr-overlaps-service-cidr", "ask-1")}
    assert "ACK Serverless cluster" in diags[0].message


def test_edge_member_pod_cidr_across_vpcs(pack: PolicyPackRunner) -> None:
    sb, r = two_region_fleet()
    edge = sb.add(
        T_EDGE,
        "edge-1",
        {
            "name": "edge-1",
            "workerVswitchIds": [r["n3"].id],
            "podCidr": "172.16.0.0/20",
            "serviceCidr": "192.168.48.0/20",
            "slbInternetEnabled": False,
            "deletionProtection": True,
        },
        r["sh"],
        {"workerVswitchIds": [r["n3"]]},
    )
    sb.membership("member-edge", r["fleet"], edge, r["hz"])
    sb.link(r["mesh"], "clusterIds", edge)
    assert found(pack.analyze_stack(sb.resources)) == {
        ("pod-cidr-overlaps-pod-cidr-across-vpcs", "edge-1")
    }


def test_tenant_sandboxes_never_meet(pack: PolicyPackRunner) -> None:
    """Three copies of one template, no Fleet, mesh or CEN: only per-cluster rules apply."""
    sb = StackBuilder(project="sandboxes", stack="dev")
    hz = sb.provider("hz", "cn-hangzhou")
    for t in ("a", "b", "c"):
        v = sb.vpc(f"tenant-{t}", "10.0.0.0/16", hz)
        n = sb.vswitch(f"tenant-{t}-node", v, "10.0.0.0/20", "cn-hangzhou-h")
        sb.cluster(f"tenant-{t}-ack", [n], pod_cidr="172.16.0.0/16", service_cidr="192.168.0.0/20")
    assert pack.analyze_stack(sb.resources) == []


def test_member_not_declared_in_the_stack(pack: PolicyPackRunner) -> None:
    sb, r = two_region_fleet()
    sb.membership("member-existing", r["fleet"], "c-existing-cluster", r["hz"])
    diags = pack.analyze_stack(sb.resources)
    assert found(diags) == {(COMPANION, "fleet")}
    body = diags[0].message.split("\n", 1)[1]
    assert "c-existing-cluster" in body and "not declared in this stack" in body


def test_one_unknown_value_one_advisory(pack: PolicyPackRunner) -> None:
    """An IPAM-sized VPC: its CIDR and the vSwitch CIDRs computed from it are unknown. One
    advisory, on the VPC, whatever the number of vSwitches and rules waiting for it."""
    sb = StackBuilder(project="ipam", stack="dev")
    hz = sb.provider("hz", "cn-hangzhou")
    vpc = sb.vpc("ipam-vpc", None, hz, ipv4IpamPoolId="ipam-pool-1", ipv4CidrMask=20.0)
    switches = []
    for zone in ("h", "i", "j"):
        sw = sb.vswitch(f"sw-{zone}", vpc, "10.0.0.0/24", f"cn-hangzhou-{zone}")
        sb.set(sw, cidrBlock=UNKNOWN)
        switches.append(sw)
    for sw in switches:  # the CIDR is computed from the VPC's output: a property dependency
        for res in sb._resources:
            if res["urn"] == sw.urn:
                res["propertyDependencies"]["cidrBlock"] = [vpc.urn]
    sb.cluster(
        "ack",
        switches,
        pod_vswitches=switches,
        service_cidr="192.168.0.0/20",
        addons=["terway-eniip"],
    )
    diags = pack.analyze_stack(sb.resources)
    assert found(diags) == {(COMPANION, "ipam-vpc")}, [d.message for d in diags]
    body = diags[0].message.split("\n", 1)[1]
    assert "vswitch-outside-vpc" in body and "service-cidr-overlaps-vpc-cidr" in body


# --- exemptions ---------------------------------------------------------------------------------


def _overlapping_members() -> list[dict[str, object]]:
    sb, r = two_region_fleet()
    sb.set(r["c2"], podCidr="172.16.128.0/17")
    return sb.resources


def _exempt(**fields: object) -> dict[str, object]:
    entry = {
        "policy": "pod-cidr-overlaps-pod-cidr",
        "resource": "ack-2",
        "reason": "renumbered in the Q3 window (NET-42)",
        "owner": "netops",
        **fields,
    }
    return {EXEMPTIONS: {"exemptions": [entry]}}


def _bodies(diags: list, policy: str) -> list[str]:  # type: ignore[type-arg]
    return [d.message.split("\n", 1)[1] for d in diags if d.policy_name == policy]


@pytest.mark.parametrize(
    "resource",
    [
        "ack-2",
        "ack-*",
        "alicloud:cs/managedKubernetes:ManagedKubernetes",
        "urn:pulumi:test::meshfleet::alicloud:cs/managedKubernetes:ManagedKubernetes::ack-2",
    ],
)
def test_exemption_in_force_silences_and_is_listed(
    configured: PolicyPackRunner, resource: str
) -> None:
    configured.reconfigure(_exempt(resource=resource, expires="2999-12-31"))
    diags = configured.analyze_stack(_overlapping_members())
    assert found(diags) == {(EXEMPTIONS, "ack-2")}
    (d,) = diags
    assert (d.enforcement_level, d.severity) == ("advisory", "low")
    body = d.message.split("\n", 1)[1]
    assert body.startswith("exemption in force: pod-cidr-overlaps-pod-cidr")
    assert "NET-42" in body and "netops" in body and "2999-12-31" in body


def test_expired_exemption_silences_nothing(configured: PolicyPackRunner) -> None:
    configured.reconfigure(_exempt(expires="2001-01-31"))
    diags = configured.analyze_stack(_overlapping_members())
    assert found(diags) == {("pod-cidr-overlaps-pod-cidr", "ack-2"), (EXEMPTIONS, "")}
    (body,) = _bodies(diags, EXEMPTIONS)
    assert body.startswith("exemption expired: ") and "2001-01-31" in body


def test_unused_exemption_is_reported(configured: PolicyPackRunner) -> None:
    configured.reconfigure(_exempt(resource="ack-9"))
    diags = configured.analyze_stack(_overlapping_members())
    assert ("pod-cidr-overlaps-pod-cidr", "ack-2") in found(diags)
    (body,) = _bodies(diags, EXEMPTIONS)
    assert body.startswith("exemption unused: ") and "'ack-9'" in body


def test_exemptions_off_with_the_policy(configured: PolicyPackRunner) -> None:
    configured.reconfigure(
        {**_exempt(), EXEMPTIONS: {"enforcementLevel": "disabled", **_exempt()[EXEMPTIONS]}}
    )
    assert found(configured.analyze_stack(_overlapping_members())) == {
        ("pod-cidr-overlaps-pod-cidr", "ack-2")
    }


@pytest.mark.parametrize(
    ("entry", "fragment"),
    [
        ({"policy": "pod-cidr-overlaps-pod-cidr", "resource": "ack-2"}, "'reason' is a required"),
        ({"policy": "no-such-policy", "resource": "x", "reason": "r"}, "expected one of"),
        (
            {
                "policy": "pod-cidr-overlaps-pod-cidr",
                "resource": "x",
                "reason": "r",
                "expires": "31.12.2030",
            },
            "expires",
        ),
        ({"policy": "pod-cidr-overlaps-pod-cidr", "resource": "x", "reason": "  "}, "reason"),
    ],
)
def test_exemption_config_is_validated(
    configured: PolicyPackRunner, entry: dict[str, str], fragment: str
) -> None:
    with pytest.raises(PolicyConfigError, match=fragment):
        configured.reconfigure({EXEMPTIONS: {"exemptions": [entry]}})


def test_exemptions_on_the_stock_servicer(configured: PolicyPackRunner) -> None:
    """The exemption report is made from other policies' runs; the SDK's own servicer (used
    when the shared-deserialisation fast path cannot install) gives the same diagnostics."""
    config = _exempt(expires="2999-12-31")
    config[EXEMPTIONS]["exemptions"].append(  # type: ignore[index]
        {
            "policy": "api-server-public",
            "resource": "ack-9",
            "reason": "unused",
            "expires": "2000-01-01",
        }
    )
    configured.reconfigure(config)
    stack = _overlapping_members()
    fast = sorted((d.policy_name, d.urn, d.message) for d in configured.analyze_stack(stack))
    with PolicyPackRunner(PACK_DIR, config=config, env={"MESHFLEET_POLICY_FASTPATH": "0"}) as stock:
        slow = sorted((d.policy_name, d.urn, d.message) for d in stock.analyze_stack(stack))
    assert fast == slow and len(fast) == 2, fast
