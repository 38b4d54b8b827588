"""Data-source answers: synthesized from pulumi_alicloud's result types, recorded answers merged
over them, and the one lookup."""

from __future__ import annotations

import re

import pytest

from fleetctl.answers.answerfile import AnswerEntry, to_token
from fleetctl.answers.lookup import answer, complete, find_recorded
from fleetctl.answers.synth import canonical_token, synthesize

# The data sources a brownfield stack and VPC IPAM read (and their list of items).
READS = {
    "vpc.get_networks": "vpcs",
    "vpc.get_switches": "vswitches",
    "cs.get_clusters": "clusters",
    "cs.get_managed_kubernetes_clusters": "clusters",
    "ecs.get_security_groups": "groups",
    "vpc.get_ipam_ipam_pools": "pools",
    "vpc.get_ipam_ipam_pool_cidrs": "cidrs",
    "vpc.get_ipam_ipam_pool_allocations": "allocations",
}
ID_SHAPES = {
    "vpcs": r"vpc-[a-z0-9]{21}",
    "vswitches": r"vsw-[a-z0-9]{21}",
    "clusters": r"c[0-9a-f]{32}",
    "groups": r"sg-[a-z0-9]{21}",
    "pools": r"ipam-pool-[a-z0-9]{21}",
}


@pytest.mark.parametrize("function, items", sorted(READS.items()))
def test_every_read_gets_items_shaped_like_real_ones(function: str, items: str) -> None:
    token = canonical_token(to_token(function))
    assert token is not None
    result = synthesize(token, {}, "cn-shanghai")
    assert result is not None and result[items], result
    assert synthesize(token, {}, "cn-shanghai") == result  # deterministic
    first = result[items][0]
    if items in ID_SHAPES:
        assert re.fullmatch(ID_SHAPES[items], first["id"]), first["id"]
    if "ids" in result:
        assert result["ids"] == [item["id"] for item in result[items]]
    for key in ("zoneId", "availabilityZone"):
        if key in first:
            assert first[key].startswith("cn-shanghai-")


def test_ids_are_consistent_across_data_sources() -> None:
    vpcs = synthesize("alicloud:vpc/getNetworks:getNetworks", {}, "cn-hangzhou")
    switches = synthesize("alicloud:vpc/getSwitches:getSwitches", {}, "cn-hangzhou")
    assert vpcs and switches
    assert switches["vswitches"][0]["vpcId"] == vpcs["vpcs"][0]["id"]
    assert switches["vswitches"][0]["vswitchId"] == switches["vswitches"][0]["id"]


def test_arguments_come_back() -> None:
    result = synthesize(
        "alicloud:vpc/getSwitches:getSwitches",
        {"vpcId": "vpc-given", "ids": ["vsw-a"], "zoneId": "cn-hangzhou-k"},
        "cn-hangzhou",
    )
    assert result is not None
    assert result["vpcId"] == "vpc-given" and result["ids"] == ["vsw-a"]
    assert result["vswitches"][0]["id"] == "vsw-a"
    assert {v["zoneId"] for v in result["vswitches"]} == {"cn-hangzhou-k"}
    assert "nameRegex" not in result  # an argument not passed comes back as None


def test_recorded_answers_are_completed_and_matched_by_arguments() -> None:
    token = "alicloud:vpc/getSwitches:getSwitches"
    entries = [
        AnswerEntry(token, {"vswitches": [{"id": "vsw-any", "cidrBlock": "10.0.0.0/24"}]}),
        AnswerEntry(token, {"vswitches": [{"id": "vsw-prod"}]}, {"vpcId": "vpc-prod"}),
    ]
    assert find_recorded(entries, token, {"vpcId": "vpc-prod"}) is entries[1]
    assert find_recorded(entries, token, {}) is entries[0]
    got = answer(token, {}, "cn-hangzhou", entries)
    assert got is not None and got.source == "answers"
    assert got.value["ids"] == ["vsw-any"]  # from the recorded items, not synthesized ones
    item = got.value["vswitches"][0]
    assert item["cidrBlock"] == "10.0.0.0/24" and item["zoneId"].startswith("cn-hangzhou-")
    assert complete({"a": [{"x": 1}, {"x": 2}]}, {"a": [{"x": 0, "y": 9}], "b": 3}) == {
        "a": [{"x": 1, "y": 9}, {"x": 2, "y": 9}],
        "b": 3,
    }


def test_the_catalogue_wins_over_synthesis() -> None:
    got = answer("alicloud:index/getZones:getZones", {}, "cn-hangzhou")
    assert got is not None and got.source == "curated"
    assert got.value["ids"][:3] == ["cn-hangzhou-b", "cn-hangzhou-g", "cn-hangzhou-h"]
    assert answer("nope:index/getX:getX", {}, "cn-hangzhou") is None
