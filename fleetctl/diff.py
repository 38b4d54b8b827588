"""What ``pulumi preview --diff`` would do, from the engine views of an earlier run and this one.

A view is the list :meth:`fleetctl.capture.Capture.engine_view` returns, optionally with each
resource's registration ``options`` (``fleetctl.diff_io.capture_view``). :func:`diff` is a pure
function of two views modelling the engine and the Terraform bridge: URN identity and aliases,
``ignoreChanges``, unknown outputs of created or replaced resources cascading through
``propertyDependencies``, ForceNew / ``replaceOnChanges`` / provider replacements and their
delete-before-replace rules, and the lifecycle table's flags. ``docs/lifecycle.md`` gives the
rules, their sources and what is not modelled. Secrets compare by value (or by the digest a state
file keeps) and are never shown; the formats around the plan are in ``fleetctl.diff_io``.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pulumi.runtime.rpc import UNKNOWN

from fleetctl.diff_values import (  # SIG_KEY, SECRET_SIG, secret_digest: re-exported
    _MISSING,
    SECRET_SIG,
    SIG_KEY,
    _equal,
    _get,
    _path,
    _reset,
    display,
    secret_digest,
)
from fleetctl.lifecycle import TypeFacts, facts_for

STACK_TYPE = "pulumi:pulumi:Stack"
PROVIDER_PREFIX = "pulumi:providers:"
OPTION_KEYS = (
    "ignoreChanges",
    "replaceOnChanges",
    "deleteBeforeReplace",
    "protect",
    "retainOnDelete",
    "aliasURNs",
    "aliases",
)
"""The registration options the diff reads (``Registration.options`` keys)."""

__all__ = [
    "SECRET_SIG",
    "SIG_KEY",
    "Change",
    "Flag",
    "Plan",
    "Step",
    "diff",
    "display",
    "secret_digest",
    "split_urn",
]

Op = Literal["create", "update", "replace", "delete", "same"]
_CHANGING = ("create", "replace")


@dataclass(frozen=True)
class Change:
    """One changed top-level input; ``old``/``new`` are display-safe (secrets masked)."""

    path: str
    old: Any
    new: Any
    sources: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())
    """Names of the resources an unknown old/new value is an output of (shown in the diff)."""


@dataclass(frozen=True)
class Flag:
    """A warning on a step: ``severity`` destructive | risky | no-op, ``input`` what it is about."""

    severity: str
    input: str
    reason: str


@dataclass(frozen=True)
class Step:
    """What the engine does with one resource."""

    op: Op
    urn: str
    type: str
    name: str
    changes: tuple[Change, ...] = ()
    replace_keys: tuple[str, ...] = ()
    delete_before_replace: bool = False
    flags: tuple[Flag, ...] = ()
    old_urn: str = ""
    """The URN in the earlier run when an alias matched it (else the same URN)."""
    unknown_from: tuple[str, ...] = ()
    """Created or replaced resources whose unknown outputs changed this step's inputs."""
    inputs: Mapping[str, Any] = field(default_factory=dict)
    """Display-safe inputs of a created or deleted resource."""
    warnings: tuple[Flag, ...] = ()
    """Standing risks of the program as written (unset inputs the provider reads back, lists it
    reorders), raised whatever changed; ``flags`` are the risks of this change."""

    @property
    def destructive(self) -> bool:
        return any(f.severity == "destructive" for f in self.flags)


@dataclass(frozen=True)
class Plan:
    """Every step, in the new view's order, deletions last."""

    steps: tuple[Step, ...]

    def counts(self) -> dict[str, int]:
        out = {op: 0 for op in ("create", "update", "replace", "delete", "same")}
        for s in self.steps:
            out[s.op] += 1
        return out

    def by_op(self, op: Op) -> list[Step]:
        return [s for s in self.steps if s.op == op]

    def step(self, key: str) -> Step:
        """The step of a URN or of a unique logical name (KeyError / ValueError otherwise)."""
        found = [s for s in self.steps if key in (s.urn, s.name)]
        if not found:
            raise KeyError(f"no step for {key!r}")
        if len(found) > 1:
            raise ValueError(f"{len(found)} steps named {key!r}: {[s.urn for s in found]}")
        return found[0]


def split_urn(urn: str) -> tuple[str, str, str, str]:
    """``urn:pulumi:<stack>::<project>::<qualified type>::<name>`` -> its four parts."""
    head, project, qtype, name = urn.split("::", 3)
    return head.removeprefix("urn:pulumi:"), project, qtype, name


def _make_urn(stack: str, project: str, parent: str, type_: str, name: str) -> str:
    """The engine's URN: the parent's qualified type ``$`` the type, none under the Stack."""
    if parent:
        parent_qtype = split_urn(parent)[2]
        if parent_qtype != STACK_TYPE:
            type_ = f"{parent_qtype}${type_}"
    return f"urn:pulumi:{stack}::{project}::{type_}::{name}"


def _own_aliases(res: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(urn, type, name) of each alias the resource declares."""
    stack, project, _, _ = split_urn(res["urn"])
    opts = res.get("options") or {}
    out = [(u, "", "") for u in opts.get("aliasURNs") or []]
    for alias in opts.get("aliases") or []:
        if isinstance(alias, str) or alias.get("urn"):
            out.append((alias if isinstance(alias, str) else alias["urn"], "", ""))
            continue
        spec = alias.get("spec") or {}
        parent = "" if spec.get("noParent") else spec.get("parentUrn") or res.get("parent", "")
        type_, name = spec.get("type") or res["type"], spec.get("name") or res["name"]
        urn = _make_urn(
            spec.get("stack") or stack, spec.get("project") or project, parent, type_, name
        )
        out.append((urn, type_, name))
    return out


def _inherited(type_: str, name: str, parent_name: str, parent_alias: str) -> str:
    """The engine's alias of a child under an aliased parent (a name prefixed by the parent's
    name takes the parent alias's name as prefix)."""
    stack, project, _, alias_name = split_urn(parent_alias)
    if name.startswith(parent_name):
        name = alias_name + name[len(parent_name) :]
    return _make_urn(stack, project, parent_alias, type_, name)


def _match(old: Mapping[str, Any], new: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """new URN -> old URN: the same URN, else the first alias naming an unclaimed old URN."""
    matched = {u: u for u in new if u in old}
    claimed = set(matched)
    candidates: dict[str, list[str]] = {}
    for urn, res in new.items():  # registration order: parents before children
        own = _own_aliases(res)
        cands = [u for u, _, _ in own]
        parent = res.get("parent", "")
        parent_name = new[parent]["name"] if parent in new else ""
        for p_alias in candidates.get(parent, []):
            cands.append(_inherited(res["type"], res["name"], parent_name, p_alias))
            cands += [_inherited(t, n, parent_name, p_alias) for _, t, n in own if t]
        candidates[urn] = cands
        if urn in matched:
            continue
        for cand in cands:
            if cand in old and cand not in claimed and cand not in new:
                matched[urn] = cand
                claimed.add(cand)
                break
    return matched


# ==== value comparison =======================================================================


def diff(old_view: Sequence[Mapping[str, Any]], new_view: Sequence[Mapping[str, Any]]) -> Plan:
    """What ``pulumi preview --diff`` would plan for ``new_view`` over state ``old_view``."""
    return _Differ(old_view, new_view).plan()


class _Differ:
    def __init__(
        self, old_view: Sequence[Mapping[str, Any]], new_view: Sequence[Mapping[str, Any]]
    ) -> None:
        self.old = {r["urn"]: r for r in old_view}
        self.new = {r["urn"]: r for r in new_view}
        self.old_of = _match(self.old, self.new)
        self.new_of_old = {o: n for n, o in self.old_of.items()}
        self.steps: dict[str, Step] = {}

    def plan(self) -> Plan:
        for urn in self.new:
            self._step(urn)
        gone = [u for u in reversed(list(self.old)) if u not in self.new_of_old]
        deletes = tuple(self._delete(self.old[u]) for u in gone)
        return Plan(tuple(self.steps[u] for u in self.new) + deletes)

    def _op(self, urn: str) -> str:
        if urn not in self.new:
            return "same"
        return self._step(urn).op

    def _step(self, urn: str) -> Step:
        if urn in self.steps:
            return self.steps[urn]
        res = self.new[urn]
        for deps in (res.get("propertyDependencies") or {}).values():
            for dep in deps:
                if dep in self.new and dep != urn:
                    self._step(dep)
        step = self._compute(res)
        self.steps[urn] = step
        return step

    def _compute(self, res: Mapping[str, Any]) -> Step:
        urn, type_ = res["urn"], res["type"]
        base = {"urn": urn, "type": type_, "name": res["name"]}
        old_urn = self.old_of.get(urn)
        new_props: dict[str, Any] = copy.deepcopy(dict(res.get("properties") or {}))
        facts = facts_for(type_, new_props) if res.get("custom") else None
        warnings = _standing(facts, new_props)
        if old_urn is None:
            return Step("create", inputs=display(new_props), warnings=warnings, **base)
        old = self.old[old_urn]
        old_props = old.get("properties") or {}
        opts = res.get("options") or {}
        for p in opts.get("ignoreChanges") or []:
            _reset(new_props, old_props, _path(p))
        for key in facts.optional_computed if facts else ():
            if key not in new_props and key in old_props:
                new_props[key] = copy.deepcopy(old_props[key])
        resolvable, unknown_from = self._resolvability(res, old, new_props)
        changed = [
            k
            for k in sorted(set(old_props) | set(new_props))
            if not _equal(
                old_props.get(k, _MISSING), new_props.get(k, _MISSING), resolvable.get(k, True)
            )
        ]
        changes = tuple(
            Change(
                k,
                display(old_props.get(k)),
                display(new_props.get(k)),
                _sources(old, res, k, self.new_of_old),
            )
            for k in changed
        )
        common = {
            **base,
            "old_urn": old_urn,
            "unknown_from": tuple(sorted({u for k in changed for u in unknown_from.get(k, ())})),
        }
        if not res.get("custom") or type_ == STACK_TYPE:
            return Step("update" if changed else "same", changes=changes, **common)

        def differs(path: str) -> bool:
            segs = _path(path)
            return (
                bool(segs)
                and segs[0] in changed
                and not _equal(
                    _get(old_props, segs), _get(new_props, segs), resolvable.get(str(segs[0]), True)
                )
            )

        replace_keys = [p for p in sorted(facts.force_new if facts else ()) if differs(p)]
        for p in opts.get("replaceOnChanges") or []:
            if (p == "*" and changed) or (p != "*" and differs(p)):
                replace_keys.append(p)
        provider_replace, flags = self._provider_change(res, old)
        if provider_replace:
            replace_keys.append("provider")
        if facts is None and changed and not type_.startswith(PROVIDER_PREFIX):
            flags.append(
                Flag(
                    "risky",
                    "",
                    f"no lifecycle facts for {type_}: whether this change replaces it is not known",
                )
            )
        if replace_keys:
            dbr = bool(opts.get("deleteBeforeReplace")) or _bridge_dbr(facts, new_props, changed)
            flags += _replace_flags(facts, old, dbr)
            return Step(
                "replace",
                changes=changes,
                replace_keys=tuple(dict.fromkeys(replace_keys)),
                delete_before_replace=dbr,
                flags=tuple(flags),
                warnings=warnings,
                **common,
            )
        op: Op = "update" if changed else "same"
        if op == "update" and facts is not None:
            flags += self._update_flags(facts, res, (old_props, new_props), changed, resolvable)
        return Step(op, changes=changes, flags=tuple(flags), warnings=warnings, **common)

    def _resolvability(
        self, res: Mapping[str, Any], old: Mapping[str, Any], new_props: Mapping[str, Any]
    ) -> tuple[dict[str, bool], dict[str, list[str]]]:
        """Per input: can its unknowns stand for the earlier value, and which created or
        replaced resources make them unknown."""
        new_deps = res.get("propertyDependencies") or {}
        old_deps = old.get("propertyDependencies") or {}
        ok: dict[str, bool] = {}
        unknown_from: dict[str, list[str]] = {k: [] for k in new_props}
        for key in new_props:
            deps = set(new_deps.get(key, ()))
            before = {self.new_of_old.get(u, u) for u in old_deps.get(key, ())}
            changing = sorted(d for d in deps if self._op(d) in _CHANGING)
            ok[key] = not changing and deps == before
            unknown_from[key] = changing
        return ok, unknown_from

    def _provider_change(
        self, res: Mapping[str, Any], old: Mapping[str, Any]
    ) -> tuple[bool, list[Flag]]:
        """(replace?, flags) for the resource's provider. A replaced provider replaces its
        resources; another provider reference makes the engine diff the two providers' config
        and replace only when that config diff is a replacement (DiffConfig)."""
        new_ref, old_ref = res.get("provider") or "", old.get("provider") or ""
        if new_ref and self._op(new_ref) == "replace":
            return True, []
        if not new_ref or not old_ref or self.new_of_old.get(old_ref, old_ref) == new_ref:
            return False, []
        before = (self.old.get(old_ref) or {}).get("properties") or {}
        after = (self.new.get(new_ref) or {}).get("properties") or {}
        pfacts = facts_for((self.new.get(new_ref) or {}).get("type", ""))
        changed = [
            k
            for k in sorted(set(before) | set(after))
            if k != "version" and not _equal(before.get(k, _MISSING), after.get(k, _MISSING), True)
        ]
        if pfacts is None or set(changed) & pfacts.force_new:
            return pfacts is not None, []
        return False, [
            Flag(
                risk.severity,
                "provider",
                f"moves to provider {split_urn(new_ref)[3]} ({key} "
                f"{json.dumps(display(before.get(key)))} => {json.dumps(display(after.get(key)))})"
                " without replacement (the engine asks the provider's DiffConfig since "
                "pulumi/pulumi#18509; older engines replace it): the resource is not moved, "
                "Pulumi just calls the other region",
            )
            for key in changed
            if (risk := pfacts.update_risks.get(key))
        ]

    def _update_flags(
        self,
        facts: TypeFacts,
        res: Mapping[str, Any],
        props: tuple[Mapping[str, Any], Mapping[str, Any]],
        changed: list[str],
        resolvable: Mapping[str, bool],
    ) -> list[Flag]:
        flags = []
        for path, risk in sorted(facts.update_risks.items()):
            segs = _path(path)
            o, n = _get(props[0], segs), _get(props[1], segs)
            hit = risk.when == "present" or (
                segs[0] in changed and not _equal(o, n, resolvable.get(str(segs[0]), True))
            )
            if hit and risk.applies(None if o is _MISSING else o, None if n is _MISSING else n):
                reason = risk.reason
                if res["type"].startswith(PROVIDER_PREFIX):
                    users = sum(1 for r in self.new.values() if r.get("provider") == res["urn"])
                    reason += f" ({users} resources use it)"
                flags.append(Flag(risk.severity, path, reason))
        for key in changed:
            if key in facts.update_not_handled:
                flags.append(
                    Flag(
                        "no-op",
                        key,
                        "the provider's Update never looks at it: this "
                        "update changes nothing in the cloud (create-time only)",
                    )
                )
        return flags

    def _delete(self, old: Mapping[str, Any]) -> Step:
        facts = facts_for(old["type"], old.get("properties") or {}) if old.get("custom") else None
        flags = list(_delete_flags(facts, old))
        if (old.get("options") or {}).get("retainOnDelete"):
            flags.append(
                Flag(
                    "risky",
                    "retainOnDelete",
                    "removed from the state only: the resource stays in the cloud",
                )
            )
        return Step(
            "delete",
            old["urn"],
            old["type"],
            old["name"],
            flags=tuple(flags),
            old_urn=old["urn"],
            inputs=display(old.get("properties") or {}),
        )


def _sources(
    old: Mapping[str, Any], new: Mapping[str, Any], key: str, new_of_old: Mapping[str, str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    def names(res: Mapping[str, Any], rename: Mapping[str, str]) -> tuple[str, ...]:
        if UNKNOWN not in json.dumps((res.get("properties") or {}).get(key)):
            return ()
        urns = (rename.get(u, u) for u in (res.get("propertyDependencies") or {}).get(key, ()))
        return tuple(sorted(split_urn(u)[3] for u in urns))

    return names(old, {}), names(new, {})


def _bridge_dbr(facts: TypeFacts | None, new_props: Mapping[str, Any], changed: list[str]) -> bool:
    if facts is None:
        return False
    if facts.autoname and "name" in new_props:
        return True  # the bridge: an explicit (not auto-generated) name cannot exist twice
    unless = facts.delete_before_replace_unless_changed
    return bool(unless) and not set(changed) & unless


def _replace_flags(facts: TypeFacts | None, old: Mapping[str, Any], dbr: bool) -> list[Flag]:
    flags = []
    if facts and facts.replace_risk and not dbr:
        flags.append(Flag(facts.replace_risk.severity, "", facts.replace_risk.reason))
    if dbr:
        flags.append(
            Flag(
                "destructive",
                "",
                "delete-before-replace: the old resource is deleted before its replacement exists",
            )
        )
    return flags + list(_delete_flags(facts, old))


def _delete_flags(facts: TypeFacts | None, old: Mapping[str, Any]) -> Iterable[Flag]:
    if (old.get("options") or {}).get("protect"):
        yield Flag("destructive", "protect", "protected: the engine refuses to delete it")
    props = old.get("properties") or {}
    for key, risk in sorted((facts.delete_risks if facts else {}).items()):
        value = _get(props, _path(key))
        if value is not _MISSING and value not in (None, False, 0, "", [], {}):
            yield Flag(risk.severity, key, risk.reason)


def _standing(facts: TypeFacts | None, props: Mapping[str, Any]) -> tuple[Flag, ...]:
    """Risks of the program as written, whatever changed: unset inputs the provider reads back,
    lists it rewrites in the API's order."""
    if facts is None:
        return ()
    flags = [
        Flag(r.severity, k, "unset: " + r.reason)
        for k, r in sorted(facts.unset_risks.items())
        if k not in props
    ]
    flags += [
        Flag(r.severity, k, r.reason)
        for k, r in sorted(facts.order_risks.items())
        if isinstance(props.get(k), list) and len(props[k]) > 1
    ]
    return tuple(flags)
