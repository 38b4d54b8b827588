"""Alibaba Cloud's address limits, and the configured ranges of other stacks (reservedCidrs)."""

from __future__ import annotations

from collections.abc import Iterator

from .cidrs import Item, Net, in_rfc1918, overlaps_between, parse, reserved_hit
from .findings import Cause, Config, Finding, cause_of, external, pending
from .model import Cidr, Entity, StackIndex, VSwitch
from .rules import pod_cause, service_cause, vpc_cidr_cause, vpc_of
from .values import UNKNOWN

# --- Alibaba's address limits -------------------------------------------------------------------


def _prefix_rule(
    ix: StackIndex, e: Entity, cidr: Cidr, what: str, lo: int, hi: int, fix: str
) -> Iterator[Finding]:
    raw, net = cidr.raw, cidr.net
    if raw is UNKNOWN:
        yield pending(e, f"the validity of its {what}", cause_of(ix, e, f"the {what}", cidr))
    elif isinstance(raw, str) and net is None:
        yield Finding(e.urn, f"{what} {raw!r} of {e.label} is not an IPv4 CIDR block. Fix: {fix}")
    elif net is not None and not lo <= net.prefix <= hi:
        yield Finding(
            e.urn,
            (
                f"{what} {net.text} of {e.label} has prefix /{net.prefix}; Alibaba "
                f"Cloud allows /{lo} to /{hi}. Fix: {fix}"
            ),
        )


def vpc_cidr_invalid(ix: StackIndex, cfg: Config) -> Iterator[Finding]:
    for v in ix.vpcs.values():
        if not v.external:
            yield from _prefix_rule(
                ix,
                v,
                v.cidr,
                "CIDR block",
                8,
                28,
                "use 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or a subnet of "
                "them, prefix /8 to /28.",
            )


def vswitch_cidr_invalid(ix: StackIndex, cfg: Config) -> Iterator[Finding]:
    for v in ix.vswitches.values():
        yield from _prefix_rule(
            ix, v, v.cidr, "CIDR block", 16, 29, "use a block of prefix /16 to /29 inside the VPC."
        )


def service_cidr_invalid(ix: StackIndex, cfg: Config) -> Iterator[Finding]:
    for c in ix.clusters.values():
        yield from _prefix_rule(
            ix,
            c,
            c.service_cidr,
            "Service CIDR",
            16,
            24,
            "use a /16 to /24 inside 10/8, 172.16/12 or 192.168/16.",
        )
        net = c.service_cidr.net
        if net is not None and not in_rfc1918(net):
            yield Finding(
                c.urn,
                (
                    f"Service CIDR {net.text} of {c.label} is outside 10.0.0.0/8, "
                    "172.16.0.0/12 and 192.168.0.0/16. Fix: choose a private range."
                ),
            )


def cidr_in_reserved_range(ix: StackIndex, cfg: Config) -> Iterator[Finding]:
    for what, e, net in _all_nets(ix):
        hit = reserved_hit(net)
        if hit is not None:
            yield Finding(
                e.urn,
                (
                    f"{what} {net.text} of {e.label} overlaps the reserved range "
                    f"{hit}. Fix: choose a range outside it."
                ),
            )


def _all_nets(ix: StackIndex) -> Iterator[tuple[str, Entity, Net]]:
    for v in ix.vpcs.values():
        for net in v.nets():
            yield "CIDR block", v, net
    for s in ix.vswitches.values():
        if s.cidr.net is not None:
            yield "CIDR block", s, s.cidr.net
    for c in ix.clusters.values():
        if c.flannel and c.pod_cidr.net is not None:
            yield "pod CIDR", c, c.pod_cidr.net
        if c.service_cidr.net is not None:
            yield "Service CIDR", c, c.service_cidr.net


def vswitch_outside_vpc(ix: StackIndex, cfg: Config) -> Iterator[Finding]:
    for v in ix.vswitches.values():
        if v.cidr.unknown:
            yield pending(v, "its CIDR against its VPC", cause_of(ix, v, "the CIDR block", v.cidr))
        if v.cidr.net is None:
            continue
        if v.vpc is UNKNOWN:
            yield pending(
                v,
                "its CIDR against its VPC",
                cause_of(ix, v, "the VPC (vpcId, named by no property dependency)"),
            )
            continue
        vpc = vpc_of(ix, v.vpc)
        if vpc is None or (vpc.cidr.invalid and not vpc.unknown_cidrs()):
            continue  # no VPC, or an invalid VPC CIDR (vpc-cidr-invalid reports that one fault)
        if vpc.external or vpc.unknown_cidrs():
            if not any(n.contains(v.cidr.net) for n in vpc.nets()):
                yield pending(v, "its CIDR against its VPC", vpc_cidr_cause(ix, vpc))
        elif not any(n.contains(v.cidr.net) for n in vpc.nets()):
            yield Finding(
                v.urn,
                (
                    f"CIDR {v.cidr.net.text} of {v.label} is not inside its "
                    f"{vpc.label} ({vpc.cidr_text}). Fix: choose a block inside "
                    "the VPC's range or one of its secondary CIDR blocks."
                ),
            )


def flannel_pod_cidr_invalid(ix: StackIndex, cfg: Config) -> Iterator[Finding]:
    for c in ix.clusters.values():
        if c.cni != "flannel":
            continue
        if c.pod_cidr.invalid:
            yield Finding(
                c.urn,
                f"pod CIDR {c.pod_cidr.raw!r} of {c.label} is not an IPv4 CIDR "
                "block. Fix: use a block inside an RFC 1918 range.",
            )
            continue
        net = c.pod_cidr.net
        if net is None:
            continue
        if not in_rfc1918(net):
            yield Finding(
                c.urn,
                (
                    f"Flannel pod CIDR {net.text} of {c.label} is outside "
                    "10.0.0.0/8, 172.16.0.0/12 and 192.168.0.0/16. Fix: choose a "
                    "private range."
                ),
            )
        mask = c.mask
        unset = " (unset: the provider default)" if c.node_cidr_mask is None else ""
        if isinstance(mask, int) and net.prefix >= mask:
            yield Finding(
                c.urn,
                (
                    f"Flannel pod CIDR {net.text} of {c.label} is not larger than "
                    f"one node's block (nodeCidrMask /{mask}{unset}): at most "
                    f"{2 ** max(mask - net.prefix, 0)} node(s) could get pod "
                    "addresses. Fix: use a pod CIDR with a prefix shorter than "
                    "nodeCidrMask."
                ),
            )
        elif mask is UNKNOWN:
            yield pending(c, "its pod CIDR against nodeCidrMask", cause_of(ix, c, "nodeCidrMask"))


def node_cidr_mask_invalid(ix: StackIndex, cfg: Config) -> Iterator[Finding]:
    """nodeCidrMask within 24..28 when set. Unset is legal: the provider's schema default (24)
    is what the API receives, so an unset mask is never the API's own default."""
    for c in ix.clusters.values():
        mask = c.node_cidr_mask
        if isinstance(mask, int) and not 24 <= mask <= 28:
            yield Finding(
                c.urn,
                f"nodeCidrMask {mask} of {c.label} is outside 24..28. Fix: use "
                "a value from 24 (255 pods per node) to 28 (15 pods per node).",
            )
        elif mask is UNKNOWN and c.flannel:
            yield pending(c, "its nodeCidrMask", cause_of(ix, c, "nodeCidrMask"))


def terway_pod_vswitch_zones(ix: StackIndex, cfg: Config) -> Iterator[Finding]:
    for c in ix.clusters.values():
        if c.cni != "terway" or c.existing:
            continue  # an existing cluster's pod vSwitches: no data source reports them
        node_zones: dict[str, VSwitch] = {}
        pod_zones: dict[str, VSwitch] = {}
        unsure = c.node_vswitches_unknown or c.pod_vswitches_unknown
        outside: list[str] = []
        for keys, zones in ((c.node_vswitches, node_zones), (c.pod_vswitches, pod_zones)):
            for key in keys:
                v = ix.vswitches.get(key)
                if v is None:
                    outside.append(key)
                elif not isinstance(v.zone, str):
                    unsure = True
                else:
                    zones.setdefault(v.zone, v)
        cause = None
        if outside:
            cause = external(
                ix, sorted(outside)[0], f"the zone of vSwitch {sorted(outside)[0][3:]} of {c.label}"
            )
        elif unsure:
            cause = cause_of(ix, c, "a zone of its node or pod vSwitches")
        missing = sorted(set(node_zones) - set(pod_zones))
        extra = sorted(set(pod_zones) - set(node_zones))
        for zone in missing:
            yield Finding(
                c.urn,
                (
                    f"Terway {c.label} has node {node_zones[zone].label} in zone {zone} but no pod "
                    f"vSwitch in that zone: pods on those nodes get no addresses. Fix: add a pod "
                    f"vSwitch in {zone} to podVswitchIds."
                ),
                cause,
            )
        for zone in extra:
            yield Finding(
                c.urn,
                (
                    f"Terway {c.label} lists pod {pod_zones[zone].label} in zone {zone}, where it "
                    "has "
                    "no node vSwitch. Fix: use pod vSwitches in the zones of the node vSwitches."
                ),
                cause,
            )
        if cause is not None and not missing and not extra:
            yield pending(c, "the zones of its pod vSwitches", cause)


# --- other stacks' ranges -----------------------------------------------------------------------


def reserved_cidrs(ix: StackIndex, cfg: Config) -> Iterator[Finding]:
    reserved: list[Item[str]] = []
    for entry in cfg.get("reservedCidrs") or []:
        text = str(entry).strip()
        cidr, _, label = text.partition(" ")
        net = parse(cidr)
        if net is None:
            yield Finding(
                "",
                f"reservedCidrs entry {entry!r} is not an IPv4 CIDR block. Fix: use "
                "'a.b.c.d/n' optionally followed by a space and a label.",
            )
            continue
        reserved.append(Item(net, f"{net.text}{' (' + label.strip() + ')' if label else ''}"))
    if not reserved:
        return
    mine = [Item(net, (what, e)) for what, e, net in _all_nets(ix)]
    for a, r in overlaps_between(mine, reserved):
        what, e = a.owner
        yield Finding(
            e.urn,
            (
                f"{what} {a.net.text} of {e.label} overlaps reserved range "
                f"{r.owner} (config reservedCidrs: other stacks or on-premises "
                "networks). Fix: choose a range outside every reserved range."
            ),
        )
    for e, cause in _unknown_nets(ix):
        yield pending(e, "its ranges against reservedCidrs", cause)


def _unknown_nets(ix: StackIndex) -> Iterator[tuple[Entity, Cause]]:
    for v in ix.vpcs.values():
        if v.unknown_cidrs():
            yield v, vpc_cidr_cause(ix, v)
    for s in ix.vswitches.values():
        if s.cidr.unknown:
            yield s, cause_of(ix, s, "the CIDR block", s.cidr)
    for c in ix.clusters.values():
        if c.pod_cidr.unknown and c.flannel:
            yield c, pod_cause(ix, c)
        if c.service_cidr.unknown:
            yield c, service_cause(ix, c)
