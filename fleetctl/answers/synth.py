"""Answers synthesized from a provider SDK's typed result classes, for any data source.

A data source ``pkg:mod/getX:getX`` returns ``pulumi_<pkg>[.<mod>].GetXResult``, whose fields and
nested output types are annotated. :func:`synthesize` fills every field with a plausible,
deterministic value:

* arguments come back as given (``get_switches(vpc_id=v)`` lists vSwitches of ``v``; ``ids=[...]``
  are the ids of the items), and an item field named like an argument echoes it too;
* lists are never empty; zones are the region's (``cn-hangzhou-h``), items spread over them;
* ids are shaped like the real ones (``vpc-bp1…``, ``vsw-…``, ``sg-…``, ``c`` + 32 hex digits for
  ACK clusters), and the same object has the same id everywhere in a run (``vswitches[i].vpc_id``
  is ``get_networks().vpcs[0].id``), so values read from two data sources agree;
* ``ids`` and ``names`` list the items' ids and names.

Example::

    >>> r = synthesize("alicloud:vpc/getSwitches:getSwitches", {"vpcId": "vpc-x"}, "cn-hangzhou")
    >>> r["vswitches"][0]["vpcId"], r["vswitches"][0]["zoneId"], r["ids"] == [
    ...     v["id"] for v in r["vswitches"]]
    ('vpc-x', 'cn-hangzhou-b', True)
    >>> r["vswitches"][0]["id"].startswith("vsw-")
    True
"""

from __future__ import annotations

import collections.abc
import hashlib
import importlib
import re
import typing
from collections.abc import Mapping
from functools import cache
from typing import Any

from fleetctl.answers.curated import FAKE_KUBECONFIG, INSTANCE_TYPES, K8S_VERSION, ZONES

_MAX_DEPTH = 6
_TIME = "2024-01-01T00:00:00Z"
_ACCOUNT = "1234567890123456"

# Id prefixes by the kind of object, longest stem first where stems overlap. ``None``: an ACK-style
# id (``c`` + 32 hex digits).
_PREFIXES: tuple[tuple[str, str | None], ...] = (
    ("transit_router_route_table", "vtb-"),
    ("transit_router_attachment", "tr-attach-"),
    ("transit_router", "tr-"),
    ("route_table", "vtb-"),
    ("security_group", "sg-"),
    ("network_interface", "eni-"),
    ("nat_gateway", "ngw-"),
    ("vpn_gateway", "vpn-"),
    ("ipv6_gateway", "ipv6gw-"),
    ("network_acl", "nacl-"),
    ("prefix_list", "pl-"),
    ("dhcp_options_set", "dopt-"),
    ("resource_group", "rg-acfm"),
    ("load_balancer", "lb-"),
    ("bandwidth_package", "cenbwp-"),
    ("ipam_pool_allocation", "ipam-pool-alloc-"),
    ("ipam_pool_cidr", "ipam-pool-cidr-"),
    ("ipam_pool", "ipam-pool-"),
    ("ipam_scope", "ipam-scope-"),
    ("ipam", "ipam-"),
    ("node_pool", "np"),
    ("worker_node", "i-"),
    ("kubernetes", None),
    ("cluster", None),
    ("service_mesh", None),
    ("mesh", None),
    ("vswitch", "vsw-"),
    ("switch", "vsw-"),
    ("vpc", "vpc-"),
    ("network", "vpc-"),
    ("vrouter", "vrt-"),
    ("router", "vrt-"),
    ("instance", "i-"),
    ("group", "sg-"),
    ("eip", "eip-"),
    ("address", "eip-"),
    ("disk", "d-"),
    ("snapshot", "s-"),
    ("image", "m-"),
    ("cen", "cen-"),
    ("slb", "lb-"),
    ("eni", "eni-"),
    ("key", "key-"),
)
# Short region codes Alibaba ids carry after the prefix (vpc-bp1…: Hangzhou).
_REGION_CODES = {
    "cn-hangzhou": "bp1",
    "cn-shanghai": "uf6",
    "cn-beijing": "2ze",
    "cn-shenzhen": "wz9",
    "cn-zhangjiakou": "8vb",
    "cn-hongkong": "j6c",
    "ap-southeast-1": "t4n",
}


def snake(name: str) -> str:
    """``getSwitches`` -> ``get_switches``, ``getIpamIpamPoolCidrs`` -> ``get_ipam_ipam_pool_cidrs``
    (the Python names of pulumi_alicloud's data-source functions)."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


def camel(name: str) -> str:
    """``vswitch_owner_id`` -> ``vswitchOwnerId`` (camelCase names pass unchanged)."""
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def token_parts(token: str) -> tuple[str, str, str] | None:
    """``alicloud:vpc/getSwitches:getSwitches`` -> ``("alicloud", "vpc", "getSwitches")``."""
    parts = token.split(":")
    if len(parts) != 3 or not all(parts):
        return None  # (``std:index:format``: a module without a member path is fine too)
    return parts[0], parts[1].split("/")[0], parts[2]


@cache
def result_class(token: str) -> type | None:
    """The SDK's ``Get…Result`` class of a data source token, or None if it cannot be found."""
    parts = token_parts(token)
    if parts is None:
        return None
    pkg, mod, fn = parts
    name = f"pulumi_{pkg.replace('-', '_')}" + ("" if mod == "index" else f".{mod}")
    try:
        module = importlib.import_module(name)
    except Exception:  # noqa: BLE001 - no such package/module: nothing to synthesize from
        return None
    cls = getattr(module, fn[:1].upper() + fn[1:] + "Result", None)
    if isinstance(cls, type):
        return cls
    # A name spelt with other capitals (getDbClusters for getDBClusters): the class of the
    # function's own module, whatever its capitals.
    try:
        sub = importlib.import_module(f"{name}.{snake(fn)}")
    except Exception:  # noqa: BLE001 - no such function module
        return None
    wanted = (fn + "Result").lower()
    found = [v for k, v in vars(sub).items() if k.lower() == wanted and isinstance(v, type)]
    return found[0] if found else None


def canonical_token(token: str) -> str | None:
    """The token as the SDK sends it (capitals from its result class), or None if unknown.

    >>> canonical_token("alicloud:adb/getDbClusters:getDbClusters")
    'alicloud:adb/getDBClusters:getDBClusters'
    """
    cls, parts = result_class(token), token_parts(token)
    if cls is None or parts is None:
        return None
    fn = cls.__name__[:1].lower() + cls.__name__[1 : -len("Result")]
    return f"{parts[0]}:{parts[1]}/{fn}:{fn}"


@cache
def fields(cls: type) -> tuple[tuple[str, str, Any], ...]:
    """``(python name, pulumi name, type)`` of a generated class (empty if it has none)."""
    from fleetctl.capture.sdk import py_properties

    try:
        return tuple(py_properties(cls))
    except Exception:  # noqa: BLE001 - not a generated class
        return ()


def function_params(token: str) -> frozenset[str]:
    """The camelCase argument names of the data source's Python function."""
    import inspect

    cls = result_class(token)
    parts = token_parts(token)
    if cls is None or parts is None:
        return frozenset()
    fn = getattr(importlib.import_module(cls.__module__), snake(parts[2]), None)
    if fn is None:
        return frozenset()
    return frozenset(camel(p) for p in inspect.signature(fn).parameters if p != "opts")


class _Ctx:
    def __init__(self, token: str, args: Mapping[str, Any], region: str) -> None:
        self.token, self.args, self.region = token, args, region
        zone = args.get("zoneId") or args.get("availabilityZone") or args.get("zone")
        letters = ZONES.get(region, ["a", "b", "c"])
        self.zones = [str(zone)] if isinstance(zone, str) else [f"{region}-{z}" for z in letters]
        parts = token_parts(token)
        self.kind = _singular(snake(parts[2])[4:]) if parts else "item"

    def digest(self, *key: Any) -> str:
        raw = hashlib.sha256("|".join(map(str, (self.region, *key))).encode()).digest()
        n = int.from_bytes(raw[:16], "big")
        out = ""
        while len(out) < 18:
            n, d = divmod(n, 36)
            out += "0123456789abcdefghijklmnopqrstuvwxyz"[d]
        return out

    def object_id(self, stem: str, index: int) -> str:
        """The id of object ``index`` of a kind: the same wherever the kind is referenced."""
        for key, prefix in _PREFIXES:
            if key in stem:
                if prefix is None:
                    raw = f"{self.region}|{key}|{index}".encode()
                    return "c" + hashlib.sha256(raw).hexdigest()[:32]
                return prefix + _REGION_CODES.get(self.region, "gw8") + self.digest(key, index)
        return f"{stem.replace('_', '-')}-{self.digest(stem, index)[:12]}"

    def zone(self, index: int) -> str:
        return self.zones[index % len(self.zones)]


def _singular(noun: str) -> str:
    """``switches`` -> ``switch``, ``vpcs`` -> ``vpc``, ``addresses`` -> ``address``."""
    if noun.endswith(("kubernetes", "ss")):
        return noun
    if noun.endswith("ies"):
        return noun[:-3] + "y"
    if noun.endswith(("sses", "ches", "shes", "xes")):
        return noun[:-2]
    return noun[:-1] if noun.endswith("s") else noun


def synthesize(token: str, args: Mapping[str, Any], region: str) -> dict[str, Any] | None:
    """A full answer for data source ``token`` called with ``args`` (camelCase) in ``region``,
    or None when the provider SDK has no result class for it."""
    cls = result_class(token)
    if cls is None:
        return None
    ctx = _Ctx(token, args, region)
    params = function_params(token)
    out: dict[str, Any] = {}
    for py, name, hint in fields(cls):
        if name in args:
            out[name] = args[name]
        elif name in params and name not in ("ids", "names") and not _is_list(hint):
            continue  # an argument the program did not pass comes back as None
        elif name == "id":
            out[name] = ctx.digest(token, sorted(args.items()))  # the data source's own id
        elif name != "ids" and name != "names":
            out[name] = _value(hint, py, ctx, ctx.kind, 0, 0)
    _fill_ids_and_names(out, cls, ctx)
    return out


def _is_list(hint: Any) -> bool:
    """A list field (also when Optional): the provider fills it even when it is an argument
    too (``rds.get_collation_time_zones(collation_time_zones=...)``)."""
    if typing.get_origin(hint) is typing.Union:
        return any(_is_list(a) for a in typing.get_args(hint))
    return typing.get_origin(hint) in (list, collections.abc.Sequence, tuple)


def _fill_ids_and_names(out: dict[str, Any], cls: type, ctx: _Ctx) -> None:
    """``ids`` / ``names`` list the items' ids and names (given ``ids`` become the items')."""
    names = {name for _, name, _ in fields(cls)}
    key, items = next(
        (
            (k, v)
            for k, v in out.items()
            if isinstance(v, list) and v and isinstance(v[0], dict) and "id" in v[0]
        ),
        ("", None),
    )
    if "ids" in names:
        if "ids" in out and items is not None:
            for item, given in zip(items, out["ids"], strict=False):
                item["id"] = given
        elif items is not None:
            out["ids"] = [item["id"] for item in items]
        elif "ids" not in out:
            out["ids"] = [ctx.object_id(ctx.kind, i) for i in range(2)]
    if "names" in names and "names" not in out:
        noun = _singular(snake(key))
        label = next(
            (
                k
                for k in ("name", camel(f"{noun}_name"), camel(f"{ctx.kind}_name"))
                if items and k in items[0]
            ),
            None,
        )
        out["names"] = (
            [str(item[label]) for item in items]
            if items and label
            else [f"{ctx.kind.replace('_', '-')}-{i + 1}" for i in range(2)]
        )


def _value(hint: Any, field: str, ctx: _Ctx, kind: str, index: int, depth: int) -> Any:
    origin = typing.get_origin(hint)
    if origin is typing.Union:
        members = [a for a in typing.get_args(hint) if a is not type(None)]
        return _value(members[0], field, ctx, kind, index, depth) if members else None
    if origin in (list, collections.abc.Sequence, tuple):
        (item_type, *_) = typing.get_args(hint) or (Any,)
        count = 2 if depth < 2 else 1
        if depth >= _MAX_DEPTH:
            return []
        # Items of the data source's own list are of its kind (get_ipam_ipam_pools: pools).
        noun = _singular(field)
        item_kind = (
            (ctx.kind if ctx.kind.endswith(noun) else noun) if fields_of(item_type) else kind
        )
        return [
            _value(item_type, _singular(field), ctx, item_kind, i, depth + 1) for i in range(count)
        ]
    if origin in (dict, collections.abc.Mapping):
        return {}
    if fields_of(hint):
        if depth >= _MAX_DEPTH:
            return {}
        return {name: _value(h, py, ctx, kind, index, depth + 1) for py, name, h in fields(hint)}
    if hint is bool:
        return False
    if hint is int:
        return _number(field)
    if hint is float:
        return float(_number(field))
    return _string(field, ctx, kind, index)


def fields_of(hint: Any) -> bool:
    return isinstance(hint, type) and bool(fields(hint))


def _number(field: str) -> int:
    words = set(field.split("_"))
    table = (
        (("cpu", "core", "cores"), 4),
        (("memory", "mem"), 16),
        (("port",), 80),
        (("bandwidth",), 10),
        (("size", "capacity"), 40),
        (("mask",), 24),
        (("timeout", "period", "interval"), 60),
        (("owner", "uid", "account"), 0),
    )
    for keys, value in table:
        if words & set(keys):
            return int(_ACCOUNT) if value == 0 else value
    if "available" in words and ("ip" in words or "address" in words):
        return 252
    return 1


def _string(field: str, ctx: _Ctx, kind: str, index: int) -> str:
    given = ctx.args.get(camel(field))
    if isinstance(given, str):
        return given
    words = field.split("_")
    last = words[-1]
    if field == "id":
        ids = ctx.args.get("ids")
        if kind == ctx.kind and isinstance(ids, list) and index < len(ids):
            return str(ids[index])
        return ctx.object_id(kind, index)
    if last == "id" and len(words) > 1:
        stem = "_".join(words[:-1])
        if "zone" in words:
            return ctx.zone(index)
        if "region" in words:
            return ctx.region
        if stem in ("owner", "account", "user", "uid"):
            return _ACCOUNT
        if stem == "image":
            return "aliyun_3_x64_20G_alibase_20240819.vhd"
        return ctx.object_id(stem, index if kind in stem or stem in kind else 0)
    if "zone" in words or "zones" in words:
        return ctx.zone(index)
    if "region" in words:
        return ctx.region
    if "cidr" in words or last == "cidrs":
        return _cidr(field, kind, index)
    if "internet" in words or "intranet" in words:
        return f"https://{'47.96' if 'internet' in words else '172.16'}.{index}.10:6443"
    if words[-1] in ("ip", "address") or "ip" in words:
        return f"47.96.{index}.10" if "public" in words or "eip" in words else f"172.16.{index}.10"
    if last in ("time", "date") or words[0] == "gmt":
        return _TIME
    if last in ("status", "state"):
        return "running" if "cluster" in kind else "Available"
    if "instance" in words and "type" in words:
        return INSTANCE_TYPES[0][0]
    if last == "version":
        return K8S_VERSION if ("kubernetes" in kind or "cluster" in kind) else "1.0"
    if "kubeconfig" in words or field in ("kube_config", "config") and "cluster" in kind:
        return FAKE_KUBECONFIG.format(cluster=ctx.object_id(kind, index))
    if last in ("name", "alias") or field == "name":
        if field in ("name", f"{kind}_name"):
            # A name filter that is a plain word (``^prod$``) names what it finds.
            literal = re.fullmatch(r"\^?([\w.-]+)\$?", str(ctx.args.get("nameRegex", "")))
            if literal and index == 0:
                return literal.group(1)
            return f"{literal.group(1) if literal else kind.replace('_', '-')}-{index + 1}"
        return f"{field.replace('_', '-')}-{index + 1}"
    if last in ("description", "remark", "comment"):
        return ""
    if last in ("url", "endpoint", "domain", "host"):
        return f"{kind.replace('_', '-')}-{index + 1}.{ctx.region}.aliyuncs.com"
    if last == "arn":
        return f"acs:ram::{_ACCOUNT}:role/{kind.replace('_', '-')}-{index + 1}"
    if last in ("json", "document", "policy"):
        return "{}"
    return f"{field.replace('_', '-')}-{index + 1}"


def _cidr(field: str, kind: str, index: int) -> str:
    if "ipv6" in field:
        return f"2408:4005:{index + 1:x}00::/56"
    if "switch" in kind or "switch" in field:
        return f"172.16.{index}.0/24"
    if "pod" in field or "container" in field:
        return f"172.{20 + index}.0.0/16"
    if "service" in field:
        return f"192.168.{index * 16}.0/20"
    if kind in ("vpc", "network") or "vpc" in field:
        return "172.16.0.0/12"
    return f"10.{index}.0.0/16"
