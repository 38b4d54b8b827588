"""CEN wiring that makes "connected" true: each fault reported once, on the attachment at fault.

The reachability rules count an attachment as declared; whether it carries traffic is decided
here. A transit-router VPC attachment needs vSwitches in at least two zones where transit
routers are available (Alibaba CEN: "select vSwitches in at least two zones"); a cross-region
peer attachment needs bandwidth, either ``bandwidthType = "DataTransfer"`` with a ``bandwidth``
cap or a CEN bandwidth package (``cenBandwidthPackageId``), or it carries 1 Kbit/s, a link for
connectivity tests only. Legacy ``cen.InstanceAttachment`` bandwidth packages are not checked.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .findings import Cause, Config, Finding, cause_of, pending
from .model import StackIndex
from .values import UNKNOWN

#: Zones with transit routers, per Alibaba's CEN documentation. In other regions any zone
#: counts (Alibaba verifies at apply time); config ``transitRouterZones`` adds or overrides.
TR_ZONES: Mapping[str, frozenset[str]] = {
    "cn-hangzhou": frozenset(f"cn-hangzhou-{z}" for z in "bhijk"),
    "cn-shanghai": frozenset(f"cn-shanghai-{z}" for z in "bcefglmn"),
}


def _supported(cfg: Config, region: Any) -> frozenset[str] | None:
    extra = cfg.get("transitRouterZones") or {}
    if isinstance(region, str) and isinstance(extra, Mapping) and region in extra:
        return frozenset(str(z) for z in extra[region])
    return TR_ZONES.get(region) if isinstance(region, str) else None


def vpc_attachment_zones(ix: StackIndex, cfg: Config) -> Iterator[Finding]:
    for att in ix.attachments:
        if att.legacy:
            continue
        if att.zones is UNKNOWN or any(z is UNKNOWN for z in att.zones):
            yield pending(att, "its zone mappings", cause_of(ix, att, "the zone mappings"))
            continue
        zones = sorted({z for z in att.zones if isinstance(z, str)})
        supported = _supported(cfg, att.region)
        good = [z for z in zones if supported is None or z in supported]
        if len(good) >= 2:
            continue
        bad = sorted(set(zones) - set(good))
        note = (
            f"; {', '.join(bad)} has no transit router (supported in {att.region}: "
            f"{', '.join(sorted(supported or ()))})"
            if bad
            else ""
        )
        yield Finding(
            att.urn,
            (
                f"{att.label} maps vSwitches in {len(good)} transit-router zone(s) "
                f"({', '.join(zones) or 'none'}{note}). A transit-router VPC attachment needs "
                "vSwitches in at least two zones that support transit routers. Fix: add a "
                "zone_mappings entry with a vSwitch (a dedicated /28 is enough) in a second "
                "supported zone."
            ),
        )


def peer_attachment_bandwidth(ix: StackIndex, cfg: Config) -> Iterator[Finding]:
    for p in ix.peerings:
        a, b = p.regions
        if isinstance(a, str) and a == b:
            continue  # not cross-region
        kind = p.bandwidth_type
        if p.package is not None and p.package is not UNKNOWN:
            continue
        if kind == "DataTransfer" and isinstance(p.bandwidth, int) and p.bandwidth >= 1:
            continue
        unknowns = [
            what
            for what, v in (
                ("bandwidthType", kind),
                ("bandwidth", p.bandwidth),
                ("cenBandwidthPackageId", p.package),
            )
            if v is UNKNOWN
        ]
        if unknowns:
            yield Finding(
                p.urn,
                f"{p.label}: its bandwidth cannot be checked: "
                f"{', '.join(unknowns)} unknown at preview.",
                Cause(p.urn, p.label, f"{', '.join(unknowns)} of {p.label}"),
            )
            continue
        said = (
            f"bandwidthType {kind!r}"
            if kind is not None
            else "no bandwidthType (the API default is BandwidthPackage)"
        )
        yield Finding(
            p.urn,
            (
                f"{p.label} between {a} and {b} has {said}, bandwidth "
                f"{p.bandwidth if p.bandwidth is not None else 'unset'} and no bandwidth package: "
                "the link gets 1 Kbit/s, for connectivity tests only. Fix: set "
                'bandwidth_type="DataTransfer" with a bandwidth cap (Mbit/s), or attach a CEN '
                "bandwidth package (cen_bandwidth_package_id)."
            ),
        )
