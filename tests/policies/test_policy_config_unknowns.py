"""Unknown values at preview, the `unknowns` modes, enforcement-level and rule config, through the
real analyzer path; plus the runner's config resolution and start-up errors."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from fleetctl.analyzer import (
    AnalyzerInfo,
    PolicyConfigError,
    PolicyInfo,
    PolicyPackError,
    PolicyPackRunner,
    resolve_config,
)
from tests.conftest import PACK_DIR
from tests.policies.stackbuilder import (
    UNKNOWN,
    UNKNOWN_ARRAY,
    UNKNOWN_BOOL,
    UNKNOWN_OBJECT,
    StackBuilder,
    two_region_fleet,
)
from tests.policies.test_policy_rules import found

COMPANION = "value-unknown-at-preview"


def _cluster_without_vpc() -> StackBuilder:
    """ack-1's vSwitch list is unknown and names no dependency: its VPC cannot be resolved."""
    sb, r = two_region_fleet()
    sb.unset(r["c1"], "vswitchIds")
    sb.set(r["c1"], vswitchIds=UNKNOWN_ARRAY)
    return sb


def test_new_resources_resolve_through_property_dependencies(pack: PolicyPackRunner) -> None:
    sb, r = two_region_fleet()  # every id is the unknown sentinel
    extra = sb.vswitch("x-extra", r["vpc1"], "10.0.8.0/24", "cn-hangzhou-h")
    stack = sb.resources
    assert next(x for x in stack if x["urn"] == extra.urn)["properties"]["vpcId"] == UNKNOWN
    assert found(pack.analyze_stack(stack)) == {("vswitch-cidr-overlaps-vswitch-cidr", "x-extra")}


def test_unknown_vpc_membership_is_advisory_by_default(pack: PolicyPackRunner) -> None:
    diags = pack.analyze_stack(_cluster_without_vpc().resources)
    assert diags, "an unverifiable check must be reported"
    assert {d.policy_name for d in diags} == {COMPANION}
    assert {d.enforcement_level for d in diags} == {"advisory"}
    assert {d.urn.rsplit("::", 1)[-1] for d in diags} == {"ack-1"}
    (body,) = [d.message.split("\n", 1)[1] for d in diags]  # one unknown value: one diagnostic
    assert 'pod-cidr-overlaps-vpc-cidr (on "ack-1")' in body and "unknown at preview" in body


def test_unknowns_mandatory_reports_under_the_rule(configured: PolicyPackRunner) -> None:
    configured.reconfigure({"pod-cidr-overlaps-vpc-cidr": {"unknowns": "mandatory"}})
    diags = configured.analyze_stack(_cluster_without_vpc().resources)
    mine = [d for d in diags if d.policy_name == "pod-cidr-overlaps-vpc-cidr"]
    assert [(d.enforcement_level, d.urn.rsplit("::", 1)[-1]) for d in mine] == [
        ("mandatory", "ack-1")
    ]
    assert "not verifiable at preview" in mine[0].message
    assert not any(
        "pod-cidr-overlaps-vpc-cidr (on" in d.message for d in diags if d.policy_name == COMPANION
    )


def test_unknowns_skip_reports_nothing(configured: PolicyPackRunner) -> None:
    names = [p.name for p in configured.info().policies if "unknowns" in p.config_schema]
    configured.reconfigure({n: {"unknowns": "skip"} for n in names})
    assert configured.analyze_stack(_cluster_without_vpc().resources) == []


def test_companion_disabled_drops_advisory_unknowns(configured: PolicyPackRunner) -> None:
    configured.reconfigure({COMPANION: "disabled"})
    assert configured.analyze_stack(_cluster_without_vpc().resources) == []


def test_vpc_without_cidr_block_is_unverifiable(pack: PolicyPackRunner) -> None:
    sb, r = two_region_fleet()
    sb.vpc("vpc-ipam", None, r["hz"], ipv4IpamPoolId=UNKNOWN, ipv4CidrMask=20.0)
    diags = pack.analyze_stack(sb.resources)
    assert found(diags) == {(COMPANION, "vpc-ipam")}


def test_default_service_cidrs_collide(pack: PolicyPackRunner) -> None:
    sb, r = two_region_fleet()
    sb.unset(r["c1"], "serviceCidr")
    sb.unset(r["c2"], "serviceCidr")
    (d,) = pack.analyze_stack(sb.resources)
    assert "ACK API default" in d.message and "172.19.0.0/20" in d.message


def test_unknown_cidr_does_not_abort_other_resources(pack: PolicyPackRunner) -> None:
    sb, r = two_region_fleet()
    sb.set(r["vpc2"], cidrBlock=UNKNOWN)
    sb.set(r["c2"], podCidr="172.16.128.0/17")  # a real violation elsewhere in the stack
    sb.set(r["c1"], serviceCidr=UNKNOWN)
    diags = pack.analyze_stack(sb.resources)
    assert ("pod-cidr-overlaps-pod-cidr", "ack-2") in found(diags)
    assert {d.policy_name for d in diags if d.enforcement_level == "mandatory"} == {
        "pod-cidr-overlaps-pod-cidr"
    }
    assert {(d.urn.rsplit("::", 1)[-1]) for d in diags if d.policy_name == COMPANION} == {
        "vpc-2",
        "ack-1",
    }
    assert not any("can't run policy" in d.message for d in diags)


@pytest.mark.parametrize(
    ("key", "value", "policy", "resource"),
    [
        ("c1", {"slbInternetEnabled": UNKNOWN_BOOL}, "api-server-public", "ack-1"),
        (
            "c1",
            {"deletionProtection": UNKNOWN_BOOL},
            "cluster-deletion-protection-disabled",
            "ack-1",
        ),
        ("mesh", {"loadBalancer": UNKNOWN_OBJECT}, "api-server-public", "mesh"),
        (
            "c1",
            {"nodeCidrMask": "3eeb2bf0-c639-47a8-9e75-3b44932eb421"},
            "node-cidr-mask-invalid",
            "ack-1",
        ),
    ],
)
def test_typed_unknown_sentinels(
    pack: PolicyPackRunner, key: str, value: dict[str, str], policy: str, resource: str
) -> None:
    sb, r = two_region_fleet()
    sb.set(r[key], **value)
    diags = pack.analyze_stack(sb.resources)
    assert (COMPANION, resource) in found(diags)
    assert any(f"{policy} (on" in d.message.split("\n", 1)[1] for d in diags)
    assert all(d.enforcement_level == "advisory" for d in diags)


def test_unknown_regions_make_cross_vpc_paths_unverifiable(pack: PolicyPackRunner) -> None:
    sb = StackBuilder()
    p1, p2 = sb.provider("p1", None), sb.provider("p2", None)  # default providers, region unset
    v1, v2 = sb.vpc("v1", "10.0.0.0/16", p1), sb.vpc("v2", "10.1.0.0/16", p2)
    n1 = sb.vswitch("n1", v1, "10.0.0.0/20", "z1")
    n2 = sb.vswitch("n2", v2, "10.1.0.0/20", "z2")
    c = sb.cluster("c", [n2], pod_cidr="172.16.0.0/16")
    fleet = sb.fleet("fleet", v1, [n1])
    sb.membership("m", fleet, c)
    cen = sb.cen("cen")
    t1, t2 = sb.transit_router("t1", cen, p1), sb.transit_router("t2", cen, p2)
    sb.tr_vpc_attachment("a1", cen, t1, v1, [("z1", n1), ("z1b", n1)], p1)
    sb.tr_vpc_attachment("a2", cen, t2, v2, [("z2", n2), ("z2b", n2)], p2)
    diags = pack.analyze_stack(sb.resources)
    # One cause (a region, its provider's), reported once, on the first resource that lacks it.
    assert found(diags) == {(COMPANION, "c")}
    assert 'the region of ACK cluster "c"' in diags[0].message
    assert all(d.enforcement_level == "advisory" for d in diags)


def test_all_key_sets_every_level(configured: PolicyPackRunner) -> None:
    configured.reconfigure({"all": "advisory"})
    sb, r = two_region_fleet()
    sb.set(r["c2"], podCidr="172.16.0.0/16")
    (d,) = configured.analyze_stack(sb.resources)
    assert (d.policy_name, d.enforcement_level) == ("pod-cidr-overlaps-pod-cidr", "advisory")


def test_disabled_policy_reports_nothing(configured: PolicyPackRunner) -> None:
    configured.reconfigure({"pod-cidr-overlaps-pod-cidr": "disabled"})
    sb, r = two_region_fleet()
    sb.set(r["c2"], podCidr="172.16.0.0/16")
    assert configured.analyze_stack(sb.resources) == []


def test_security_policy_can_be_mandatory(configured: PolicyPackRunner) -> None:
    configured.reconfigure({"api-server-public": {"enforcementLevel": "mandatory"}})
    sb, r = two_region_fleet()
    sb.set(r["c1"], slbInternetEnabled=True)
    (d,) = configured.analyze_stack(sb.resources)
    assert (d.policy_name, d.enforcement_level, d.urn) == (
        "api-server-public",
        "mandatory",
        r["c1"].urn,
    )


def test_fleet_public_endpoint_from_config(configured: PolicyPackRunner) -> None:
    sb, r = two_region_fleet()
    sb.remove(r["peer"])
    for key in ("c1", "c2", "c3"):  # the members reach each other over their public endpoints
        sb.set(r[key], slbInternetEnabled=True)
    assert ("cluster-cannot-reach-fleet", "ack-3") in found(configured.analyze_stack(sb.resources))
    configured.reconfigure(
        {
            "cluster-cannot-reach-fleet": {"fleetPublicEndpoint": True},
            "api-server-public": "disabled",
        }
    )
    assert configured.analyze_stack(sb.resources) == []


def test_reserved_cidrs(configured: PolicyPackRunner) -> None:
    configured.reconfigure(
        {
            "cidr-overlaps-reserved-cidrs": {
                "reservedCidrs": ["10.1.0.0/17 shanghai-dc", "192.168.200.0/24"]
            }
        }
    )
    sb, _ = two_region_fleet()
    diags = configured.analyze_stack(sb.resources)
    assert found(diags) == {
        ("cidr-overlaps-reserved-cidrs", n) for n in ("vpc-2", "node-3-b", "pod-3-b")
    }
    assert all("shanghai-dc" in d.message for d in diags)


def test_reserved_cidrs_bad_entry_is_refused_by_the_schema(configured: PolicyPackRunner) -> None:
    for bad in ("10.1.0.0/33", "300.1.0.0/16", "10.1.0/16", "dc 10.1.0.0/16"):
        with pytest.raises(ValueError, match="does not match"):
            configured.reconfigure({"cidr-overlaps-reserved-cidrs": {"reservedCidrs": [bad]}})


def test_consecutive_requests_with_same_urns_do_not_share_an_index(pack: PolicyPackRunner) -> None:
    sb, r = two_region_fleet()
    sb.set(r["c2"], podCidr="172.16.0.0/16")
    bad = sb.resources
    sb.set(r["c2"], podCidr="172.17.0.0/16")
    good = sb.resources
    assert pack.analyze_stack(bad) and pack.analyze_stack(good) == []
    assert pack.analyze_stack(bad)


# --- the stock SDK servicer gives the same answers ----------------------------------------------


@pytest.fixture(scope="module")
def stock_pack() -> Iterator[PolicyPackRunner]:
    with PolicyPackRunner(PACK_DIR, env={"MESHFLEET_POLICY_FASTPATH": "0"}) as runner:
        yield runner


def test_stock_servicer_agrees_with_shared_deserialisation(
    pack: PolicyPackRunner, stock_pack: PolicyPackRunner
) -> None:
    sb, r = two_region_fleet()
    sb.remove(r["peer"])
    sb.set(r["c2"], podCidr="172.16.0.0/16", serviceCidr="10.0.16.0/22")
    sb.set(r["vpc2"], cidrBlock=UNKNOWN)
    sb.unset(r["c1"], "deletionProtection")
    stack = sb.resources
    fast = sorted(
        (d.policy_name, d.urn, d.message, d.enforcement_level) for d in pack.analyze_stack(stack)
    )
    stock = sorted(
        (d.policy_name, d.urn, d.message, d.enforcement_level)
        for d in stock_pack.analyze_stack(stack)
    )
    assert fast == stock and len(fast) > 5
    sb.set(r["c2"], podCidr="172.17.0.0/16")  # same URNs, new values: no stale index
    assert ("pod-cidr-overlaps-pod-cidr", "ack-2") not in found(
        stock_pack.analyze_stack(sb.resources)
    )


# --- config resolution and start-up ----------------------------------------------------------

INFO = AnalyzerInfo(
    "p",
    "1",
    (
        PolicyInfo(
            "a",
            "d",
            "mandatory",
            config_schema={
                "unknowns": {
                    "type": "string",
                    "enum": ["skip", "advisory", "mandatory"],
                    "default": "advisory",
                },
                "reservedCidrs": {"type": "array", "items": {"type": "string"}, "default": []},
            },
        ),
        PolicyInfo("b", "d", "advisory"),
    ),
)


def test_resolve_config_fills_defaults_and_levels() -> None:
    assert resolve_config(INFO, None) == {
        "a": {"enforcementLevel": "mandatory", "unknowns": "advisory", "reservedCidrs": []},
        "b": {"enforcementLevel": "advisory"},
    }
    got = resolve_config(INFO, {"all": "disabled", "a": {"unknowns": "skip"}, "b": "mandatory"})
    assert got["a"] == {"enforcementLevel": "disabled", "unknowns": "skip", "reservedCidrs": []}
    assert got["b"] == {"enforcementLevel": "mandatory"}


@pytest.mark.parametrize(
    ("config", "fragment"),
    [
        ({"nope": "advisory"}, "'nope'"),
        ({"a": "loud"}, "'loud'"),
        ({"a": {"unknowns": "sometimes"}}, "a.unknowns"),
        ({"a": {"reservedCidrs": [1]}}, "a.reservedCidrs[0]"),
        ({"a": {"typo": 1}}, "'typo'"),
        ({"all": {"unknowns": "skip"}}, "'all'"),
    ],
)
def test_resolve_config_errors_name_the_key(config: dict[str, object], fragment: str) -> None:
    with pytest.raises(ValueError) as e:
        resolve_config(INFO, config)
    assert fragment in str(e.value)


def test_resolve_config_reports_every_error_at_once() -> None:
    with pytest.raises(PolicyConfigError) as e:
        resolve_config(
            INFO,
            {
                "a": {"unknowns": "sometimes", "reservedCidrs": [1, 2]},
                "b": "loud",
                "nope": "advisory",
            },
        )
    assert len(e.value.errors) == 5, e.value.errors
    for fragment in ("a.unknowns", "a.reservedCidrs[0]", "a.reservedCidrs[1]", "'loud'", "'nope'"):
        assert fragment in str(e.value)


SCHEMA_INFO = AnalyzerInfo(
    "p",
    "1",
    (
        PolicyInfo(
            "x",
            "d",
            "advisory",
            required=("items",),
            config_schema={
                "items": {
                    "type": "array",
                    "minItems": 1,
                    "uniqueItems": True,
                    "items": {
                        "type": "object",
                        "required": ["reason"],
                        "additionalProperties": False,
                        "properties": {
                            "reason": {"type": "string", "minLength": 1},
                            "expires": {"type": "string", "format": "date"},
                        },
                    },
                }
            },
        ),
    ),
)


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ([], "x.items: [] should be non-empty"),
        ([{"reason": "a"}, {"reason": "a"}], "has non-unique elements"),
        ([{}], "x.items[0]: 'reason' is a required property"),
        ([{"reason": ""}], "x.items[0].reason"),
        ([{"reason": "r", "expires": "31/12/2030"}], "is not a 'date'"),
        ([{"reason": "r", "owner": "me"}], "x.items[0]: has no config key 'owner'"),
    ],
)
def test_resolve_config_applies_every_json_schema_keyword(value: object, fragment: str) -> None:
    """Keywords the hand-written subset used to ignore (minItems, uniqueItems, required,
    minLength, format, nested additionalProperties) are enforced as the CLI enforces them."""
    assert resolve_config(SCHEMA_INFO, {"x": {"items": [{"reason": "ok"}]}})["x"]["items"]
    with pytest.raises(PolicyConfigError, match=re.escape(fragment)):
        resolve_config(SCHEMA_INFO, {"x": {"items": value}})


def test_resolve_config_checks_required_keys() -> None:
    with pytest.raises(PolicyConfigError, match="x: 'items' is a required property"):
        resolve_config(SCHEMA_INFO, None)


def test_runner_resolves_before_configure(configured: PolicyPackRunner) -> None:
    configured.reconfigure({"all": "advisory"})
    levels = {e["enforcementLevel"] for e in configured.resolved_config.values()}
    assert levels == {"advisory"}
    assert len(configured.resolved_config) == len(configured.info().policies)


def test_pack_info(pack: PolicyPackRunner) -> None:
    info = pack.info()
    assert info.name == "meshfleet-network"
    for p in info.policies:
        assert p.url.startswith("https://") and p.remediation_steps and p.severity
        assert p.name == p.name.lower() and " " not in p.name


def test_example_config_file(configured: PolicyPackRunner) -> None:
    config = json.loads((PACK_DIR / "config.example.json").read_text())
    configured.reconfigure(config)
    assert configured.resolved_config["cluster-not-in-mesh"]["enforcementLevel"] == "disabled"
    sb, r = two_region_fleet()
    # reservedCidrs set, nothing overlaps; the example's exemptions match nothing here
    diags = configured.analyze_stack(sb.resources)
    assert {d.policy_name for d in diags} == {"policy-exemptions"}
    assert all(d.message.split("\n", 1)[1].startswith("exemption unused: ") for d in diags)
    assert len(diags) == len(config["policy-exemptions"]["exemptions"])
    sb.unlink(r["mesh"], "clusterIds", r["c2"])
    sb.vswitch("dc-overlap", r["vpc1"], "10.0.200.0/24", "cn-hangzhou-h")
    configured.reconfigure(
        {**config, "cidr-overlaps-reserved-cidrs": {"reservedCidrs": ["10.0.200.0/22 dc"]}}
    )
    assert found(configured.analyze_stack(sb.resources)) == {
        ("cidr-overlaps-reserved-cidrs", "dc-overlap"),
        ("cidr-overlaps-reserved-cidrs", "vpc-1"),
        ("policy-exemptions", ""),
    }


def test_per_resource_analyze_round_trip(pack: PolicyPackRunner) -> None:
    """The pack holds stack policies only: Analyze answers, with nothing to report."""
    sb, r = two_region_fleet()
    stack = sb.resources
    cluster = next(x for x in stack if x["urn"] == r["c1"].urn)
    assert pack.analyze(cluster, stack) == []
    assert all(p.stack_policy for p in pack.info().policies)


def test_failing_pack_reports_its_stderr(tmp_path: Path) -> None:
    (tmp_path / "PulumiPolicy.yaml").write_text("runtime: python\n")
    (tmp_path / "__main__.py").write_text("raise RuntimeError('boom from the pack')\n")
    with pytest.raises(PolicyPackError) as e:
        with PolicyPackRunner(tmp_path, start_timeout=30):
            pass
    assert "boom from the pack" in str(e.value)


def test_not_a_pack_directory(tmp_path: Path) -> None:
    with pytest.raises(PolicyPackError, match="PulumiPolicy.yaml"):
        PolicyPackRunner(tmp_path).start()
