"""fleetctl plan and check on the IPAM example stack (examples/ipam: this program, stack ipam),
its pools read from recorded answers (examples/ipam/answers.yaml): the reads, the pools'
section, the ranges another owner took since the lock was written, and what check registers."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from netaddr import IPSet

from fleetctl.cli import main
from tests.programs import copy_program

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "ipam"
ANSWERS = EXAMPLE / "answers.yaml"
ALLOCATION = "alicloud:vpc/ipamIpamPoolAllocation:IpamIpamPoolAllocation"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of this program with its locks and the ipam stack file."""
    prog = copy_program(tmp_path / "prog", locks=True)
    shutil.copy(EXAMPLE / "Pulumi.ipam.yaml", prog / "Pulumi.ipam.yaml")
    return prog


def test_plan_reads_the_pools_and_stays_off_other_owners(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["plan", "--program", str(EXAMPLE), "--answers", str(ANSWERS), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    others = IPSet(
        ["10.0.0.0/16", "10.1.0.0/16", "10.16.0.0/16", "172.16.0.0/16", "192.168.0.0/20"]
    )  # the answers' allocations of other owners
    pools = IPSet(["10.0.0.0/12", "10.16.0.0/12", "172.16.0.0/12", "192.168.0.0/16"])
    ranges = IPSet(
        [v["cidr"] for v in doc["vpcs"]]
        + [c[k] for c in doc["clusters"] for k in ("podCidr", "serviceCidr")]
    )
    assert not ranges & others and ranges <= pools
    assert doc["ipam"]["owner"] == "meshfleet/ipam"
    assert doc["ipam"]["vpcPools"] == {
        "hz": "ipam-pool-hz0org0vpc01",
        "sh": "ipam-pool-sh0org0vpc01",
    }
    assert {(r["key"], r["region"]) for r in doc["ipam"]["reservations"]} == {
        ("pod:ack-hz", "cn-hangzhou"),
        ("pod:ack-sh", "cn-hangzhou"),
        ("service:ack-hz", "cn-hangzhou"),
        ("service:ack-sh", "cn-hangzhou"),
    }
    assert doc["ipam"]["taken"] == [] and doc["new"] == []  # the committed lock holds it all


def test_plan_without_answers_names_every_read(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--program", str(EXAMPLE)]) == 2
    err = capsys.readouterr().err
    assert "alicloud:vpc/getIpamIpamPools:getIpamIpamPools" in err and "--answers FILE" in err


def test_plan_reports_a_locked_range_another_owner_took(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lock = json.loads((project / "locks" / "ipam.json").read_text())["allocations"]
    entries = yaml.safe_load(ANSWERS.read_text())
    svc = next(
        e
        for e in entries
        if e["function"] == "vpc.get_ipam_ipam_pool_allocations"
        and e["args"]["ipam_pool_id"] == "ipam-pool-hz0org0svc01"
    )
    svc["result"]["allocations"].append(
        {
            "cidr": lock["service:ack-sh"],
            "resource_type": "Custom",
            "status": "Created",
            "ipam_pool_allocation_name": "service:search",
            "ipam_pool_allocation_description": "search/prod",
        }
    )
    answers = tmp_path / "answers.yaml"
    answers.write_text(yaml.safe_dump(entries))
    assert (
        main(["plan", "--stack", "ipam", "--program", str(project), "--answers", str(answers)]) == 0
    )
    out = capsys.readouterr().out
    assert "TAKEN since the lock was written: 1 locked range(s)" in out
    (row,) = [line for line in out.splitlines() if line.startswith("! service:ack-sh")]
    assert lock["service:ack-sh"] in row and "search/prod" in row
    assert "delete these keys from the lock (locks/ipam.json): service:ack-sh;" in out
    # Deleting the key, as it says, and re-planning takes free space; nothing else moves.
    del lock["service:ack-sh"]
    (project / "locks" / "ipam.json").write_text(json.dumps({"version": 1, "allocations": lock}))
    assert (
        main(
            [
                "plan",
                "--stack",
                "ipam",
                "--program",
                str(project),
                "--answers",
                str(answers),
                "--json",
            ]
        )
        == 0
    )
    doc = json.loads(capsys.readouterr().out)
    assert doc["new"] == ["service:ack-sh"] and doc["ipam"]["taken"] == []
    services = {c["name"]: c["serviceCidr"] for c in doc["clusters"]}
    assert services["ack-hz"] == lock["service:ack-hz"]
    assert services["ack-sh"] not in {"192.168.0.0/20", services["ack-hz"]}


def test_check_answers_the_pool_reads_and_registers_the_reservations(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert (
        main(
            [
                "check",
                "--program",
                str(EXAMPLE),
                "--answers",
                str(ANSWERS),
                "--strict-answers",
                "--json",
            ]
        )
        == 0
    )
    doc = json.loads(capsys.readouterr().out)
    assert doc["summary"]["mandatory"] == 0
    reads = {i["token"].rsplit(":", 1)[-1]: i["source"] for i in doc["summary"]["invokes"]}
    assert reads == {
        "getIpamIpamPools": "answers",
        "getIpamIpamPoolCidrs": "answers",
        "getIpamIpamPoolAllocations": "answers",
    }
    res = doc["resources"]
    region = {
        r["urn"]: r["properties"].get("region")
        for r in res
        if r["type"] == "pulumi:providers:alicloud"
    }
    allocations = {
        r["properties"]["ipamPoolAllocationName"]: r for r in res if r["type"] == ALLOCATION
    }
    assert sorted(allocations) == ["pod:ack-hz", "pod:ack-sh", "service:ack-hz", "service:ack-sh"]
    # Through a provider of the pool's region (cn-hangzhou), also for ack-sh in cn-shanghai.
    for a in allocations.values():
        assert region[a["provider"]] == "cn-hangzhou"
        assert a["properties"]["ipamPoolAllocationDescription"] == "meshfleet/ipam"
    vpcs = {r["name"]: r["properties"] for r in res if r["type"] == "alicloud:vpc/network:Network"}
    assert {n: (v["ipv4IpamPoolId"], v["description"]) for n, v in vpcs.items()} == {
        "hz": ("ipam-pool-hz0org0vpc01", "meshfleet/ipam"),
        "sh": ("ipam-pool-sh0org0vpc01", "meshfleet/ipam"),
    }
    for r in res:  # each cluster waits on its own two reservations
        if r["type"] == "alicloud:cs/managedKubernetes:ManagedKubernetes":
            assert {allocations[f"{k}:{r['name']}"]["urn"] for k in ("pod", "service")} <= set(
                r["dependencies"]
            )
