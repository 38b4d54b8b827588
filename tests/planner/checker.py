"""An independent judge of a plan: every documented rule, written without the planner's code.

It reads only ``Plan.to_dict()`` and the raw spec, and uses the standard library's ``ipaddress``
rather than netaddr, so that a bug in the allocator is not mirrored here. Returns the list of
broken rules (empty = compliant).
"""

from __future__ import annotations

import ipaddress
from itertools import combinations
from typing import Any

PRIVATE = [ipaddress.ip_network(c) for c in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")]
FORBIDDEN = [
    ipaddress.ip_network(c)
    for c in ("100.64.0.0/10", "224.0.0.0/4", "127.0.0.0/8", "169.254.0.0/16", "7.0.0.0/8")
]
TR_ZONES = {"cn-hangzhou": set("bhijk"), "cn-shanghai": set("bcefglmn")}


def net(c: str) -> ipaddress.IPv4Network:
    n = ipaddress.ip_network(c)
    assert isinstance(n, ipaddress.IPv4Network)
    return n


def check_plan(plan: dict[str, Any], raw: dict[str, Any]) -> list[str]:
    broken: list[str] = []
    vpcs = {v["name"]: v for v in plan["vpcs"]}
    clusters = plan["clusters"]
    reserved = [net(c) for c in raw.get("reserved", [])]

    def bad(rule: str) -> None:
        broken.append(rule)

    # Alibaba limits on every CIDR.
    for v in vpcs.values():
        n = net(v["cidr"])
        if not 8 <= n.prefixlen <= 28:
            bad(f"VPC {v['name']} prefix /{n.prefixlen} outside /8../28")
        for s in v["vswitches"]:
            sn = net(s["cidr"])
            if not 16 <= sn.prefixlen <= 29:
                bad(f"vSwitch {s['name']} prefix outside /16../29")
            if not sn.subnet_of(n):
                bad(f"vSwitch {s['name']} {sn} outside VPC {v['name']} {n}")
            if s["zone"] not in v["zones"]:
                bad(f"vSwitch {s['name']} zone {s['zone']} not a VPC zone")
            if s["usable"] != sn.num_addresses - 4:
                bad(f"vSwitch {s['name']} usable != size - 4")
        for a, b in combinations(v["vswitches"], 2):
            if net(a["cidr"]).overlaps(net(b["cidr"])):
                bad(f"vSwitch {a['name']} overlaps vSwitch {b['name']}")
    for c in clusters:
        s = net(c["serviceCidr"])
        if not 16 <= s.prefixlen <= 24 or not any(s.subnet_of(p) for p in PRIVATE):
            bad(f"Service CIDR of {c['name']} {s} not /16../24 in RFC1918")
        if c["cni"] == "flannel":
            if c["podCidr"] is None or c["podVswitches"]:
                bad(f"Flannel cluster {c['name']} needs a pod CIDR and no pod vSwitches")
                continue
            p = net(c["podCidr"])
            if not any(p.subnet_of(r) for r in PRIVATE):
                bad(f"pod CIDR of {c['name']} not in RFC1918")
            if not (
                c["nodeCidrMask"]
                and 24 <= c["nodeCidrMask"] <= 28
                and p.prefixlen < c["nodeCidrMask"]
            ):
                bad(f"pod CIDR of {c['name']} not shorter than nodeCidrMask")
        else:
            if c["podCidr"] is not None or not c["podVswitches"]:
                bad(f"Terway cluster {c['name']} needs pod vSwitches and no pod CIDR")
            if {v["zone"] for v in c["podVswitches"]} != {v["zone"] for v in c["nodeVswitches"]}:
                bad(f"Terway pod vSwitches of {c['name']} not in the node vSwitch zones")
    every = (
        [net(v["cidr"]) for v in vpcs.values()]
        + [net(c["serviceCidr"]) for c in clusters]
        + [net(c["podCidr"]) for c in clusters if c["podCidr"]]
        + [net(s["cidr"]) for v in vpcs.values() for s in v["vswitches"]]
    )
    for n in every:
        if any(n.overlaps(f) for f in FORBIDDEN):
            bad(f"{n} overlaps a forbidden range")
        if any(n.overlaps(r) for r in reserved):
            bad(f"{n} overlaps a reserved range")

    # The requirement document's tables and ASM's data-plane rules, row by row.
    for a, b in combinations(clusters, 2):
        if a["podCidr"] and b["podCidr"] and net(a["podCidr"]).overlaps(net(b["podCidr"])):
            bad(f"pod CIDR {a['name']} overlaps pod CIDR {b['name']}")
        if net(a["serviceCidr"]).overlaps(net(b["serviceCidr"])):
            bad(f"Service CIDR {a['name']} overlaps Service CIDR {b['name']}")
    for c in clusters:
        kinds = [("Service", c["serviceCidr"])] + ([("pod", c["podCidr"])] if c["podCidr"] else [])
        for label, cidr in kinds:
            for v in vpcs.values():  # own VPC (same-VPC rule), every VPC (cross-VPC, ASM VPC)
                if net(cidr).overlaps(net(v["cidr"])):
                    bad(f"{label} CIDR {c['name']} overlaps VPC {v['name']}")
                for s in v["vswitches"]:
                    if net(cidr).overlaps(net(s["cidr"])):
                        bad(f"{label} CIDR {c['name']} overlaps vSwitch {s['name']}")
        if c["podCidr"] and net(c["podCidr"]).overlaps(net(c["serviceCidr"])):
            bad(f"pod CIDR {c['name']} overlaps its Service CIDR")
    for a, b in combinations(vpcs.values(), 2):
        if net(a["cidr"]).overlaps(net(b["cidr"])):
            bad(f"VPC {a['name']} overlaps VPC {b['name']}")

    # Growth sizing and the placement of the CEN, Fleet and mesh vSwitches.
    spec_clusters = raw["clusters"]
    for c in clusters:
        want = spec_clusters[c["name"]]
        if c["maxNodes"] < want.get("maxNodes", 64):
            bad(f"{c['name']} has room for {c['maxNodes']} nodes, wants {want.get('maxNodes')}")
        if c["serviceIps"] < want.get("serviceIps", 4096) and c["serviceIps"] < 65536:
            bad(f"{c['name']} Service CIDR too small")
        if c["podsPerNode"] < want.get("podsPerNode", 64):
            bad(f"{c['name']} pods per node below the request")
        if {v["zone"] for v in c["nodeVswitches"]} != set(
            want.get("zones") or vpcs[c["vpc"]]["zones"]
        ):
            bad(f"{c['name']} node vSwitches not in the cluster's zones")
    for v in vpcs.values():
        tr = [s for s in v["vswitches"] if s["role"] == "transit-router"]
        if raw.get("connectivity", "cen") == "cen":
            zones = {s["zone"] for s in tr}
            if len(tr) != 2 or len(zones) != 2 or any(net(s["cidr"]).prefixlen != 28 for s in tr):
                bad(f"VPC {v['name']} needs two /28 transit-router vSwitches in two zones")
            for z in zones:
                allowed = TR_ZONES.get(v["region"])
                if allowed is not None and z.rsplit("-", 1)[1] not in allowed:
                    bad(f"transit-router vSwitch in {z}, which has no transit router")
        elif tr:
            bad(f"VPC {v['name']} has transit-router vSwitches in public mode")
    for role in ("fleet", "mesh"):
        p = plan[role]
        if p["vpc"] != raw[role]["vpc"] or p["vswitch"]["role"] != role:
            bad(f"{role} not placed in its VPC")
    return broken
