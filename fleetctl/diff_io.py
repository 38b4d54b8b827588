"""The diff's formats: engine views in (from a capture, or a state file), the plan out (text
like ``pulumi preview --diff``, or JSON).

A state file is versioned JSON: ``{"format": "fleetctl-state", "version": 1, "resources":
[...engine view...]}``. Secret values are never written: each becomes
``{<secret signature>, "salt", "sha256"}``, a digest :func:`fleetctl.diff.diff` compares the new
value with (a weak secret can still be guessed from its digest: keep state files private).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from fleetctl.diff import (
    OPTION_KEYS,
    SECRET_SIG,
    SIG_KEY,
    Flag,
    Plan,
    Step,
    display,
    secret_digest,
    split_urn,
)

STATE_FORMAT = "fleetctl-state"
STATE_VERSION = 1
PLAN_FORMAT = "fleetctl-preview-diff"


class StateError(Exception):
    """A state file that cannot be read: names the file and what is wrong."""


def capture_view(capture: Any) -> list[dict[str, Any]]:
    """``capture.engine_view()`` plus each resource's diff-relevant registration ``options``."""
    options = {
        r.urn: {k: v for k, v in r.options.items() if k in OPTION_KEYS}
        for r in capture.registrations
    }
    view: list[dict[str, Any]] = capture.engine_view()
    for res in view:
        opts = {**options.get(res["urn"], {}), **res.get("options", {})}
        if opts:
            res["options"] = opts
    return view


def save_state(view: Sequence[Mapping[str, Any]], path: Path | str) -> None:
    """Write ``view`` as a versioned state file; secret values become salted digests."""
    salt = secrets.token_hex(16)
    doc = {
        "format": STATE_FORMAT,
        "version": STATE_VERSION,
        "resources": [
            {**res, "properties": _digest_secrets(res.get("properties", {}), salt)} for res in view
        ],
    }
    Path(path).write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")


def load_state(path: Path | str) -> list[dict[str, Any]]:
    """Read a state file written by :func:`save_state` (or a bare engine-view list)."""
    p = Path(path)
    try:
        doc = json.loads(p.read_text())
    except (OSError, ValueError) as exn:
        raise StateError(f"{p}: cannot read the state file: {exn}") from exn
    if isinstance(doc, dict):
        if doc.get("format") != STATE_FORMAT:
            raise StateError(f"{p}: format {doc.get('format')!r} is not {STATE_FORMAT!r}")
        version = doc.get("version")
        if not isinstance(version, int) or not 1 <= version <= STATE_VERSION:
            raise StateError(
                f"{p}: state version {version!r} is not one this fleetctl reads "
                f"(1..{STATE_VERSION}); a newer fleetctl wrote it"
            )
        doc = doc.get("resources")
    if not isinstance(doc, list):
        raise StateError(f"{p}: 'resources' must be a list of resources")
    view = []
    for i, res in enumerate(doc):
        bad = [
            k
            for k in ("type", "name", "urn")
            if not isinstance(res.get(k) if isinstance(res, dict) else None, str)
        ]
        if bad or not isinstance(res.get("properties", {}), dict):
            raise StateError(
                f"{p}: resource #{i} needs string {', '.join(bad) or 'type'} and "
                "an object 'properties'"
            )
        view.append(
            {
                "parent": "",
                "provider": "",
                "custom": True,
                "properties": {},
                "dependencies": [],
                "propertyDependencies": {},
                **res,
            }
        )
    return view


def _digest_secrets(value: Any, salt: str) -> Any:
    if isinstance(value, Mapping):
        if value.get(SIG_KEY) == SECRET_SIG and "value" in value:
            digest = secret_digest(value["value"], salt)
            return {SIG_KEY: SECRET_SIG, "salt": salt, "sha256": digest}
        return {k: _digest_secrets(v, salt) for k, v in value.items()}
    if isinstance(value, list):
        return [_digest_secrets(v, salt) for v in value]
    return value


# ==== the plan as JSON =======================================================================


def plan_json(plan: Plan) -> dict[str, Any]:
    """The plan as JSON: the counts and every step that is not a plain ``same``."""
    return {
        "format": PLAN_FORMAT,
        "version": 1,
        "summary": plan.counts(),
        "steps": [_step_json(s) for s in plan.steps if s.op != "same" or s.flags or s.warnings],
    }


def _step_json(s: Step) -> dict[str, Any]:
    out: dict[str, Any] = {"op": s.op, "urn": s.urn, "type": s.type, "name": s.name}
    if s.changes:
        out["changes"] = [
            {
                "path": c.path,
                "old": c.old,
                "new": c.new,
                **(
                    {"from": list(c.sources[0]), "to": list(c.sources[1])} if any(c.sources) else {}
                ),
            }
            for c in s.changes
        ]
    if s.op == "replace":
        out["replaceKeys"] = list(s.replace_keys)
        out["deleteBeforeReplace"] = s.delete_before_replace
    if s.flags:
        out["flags"] = [_flag_json(f) for f in s.flags]
    if s.warnings:
        out["warnings"] = [_flag_json(f) for f in s.warnings]
    if s.old_urn != s.urn:
        out["aliasedFrom"] = s.old_urn
    if s.unknown_from:
        out["unknownFrom"] = list(s.unknown_from)
    return out


def _flag_json(f: Flag) -> dict[str, str]:
    return {"severity": f.severity, "input": f.input, "reason": f.reason}


# ==== the plan as text =======================================================================


_SYMBOL = {"create": "+ ", "update": "~ ", "replace": "+-", "delete": "- ", "same": "  "}


def _show(v: Any) -> str:
    v = display(v)
    if isinstance(v, str):
        return v if v in ("[secret]", "<unknown>") else json.dumps(v)
    if isinstance(v, Mapping):
        return "{" + ", ".join(f"{k}: {_show(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(_show(x) for x in v) + "]"
    return json.dumps(v)


def _change_lines(key: str, old: Any, new: Any, indent: str) -> list[str]:
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        inner = [
            line
            for k in sorted(set(old) | set(new))
            if old.get(k) != new.get(k)
            for line in _change_lines(k, old.get(k), new.get(k), indent + "    ")
        ]
        return [f"{indent}~ {key}: {{", *inner, f"{indent}  }}"]
    if old is None:
        return [f"{indent}+ {key}: {_show(new)}"]
    if new is None:
        return [f"{indent}- {key}: {_show(old)}"]
    return [f"{indent}~ {key}: {_show(old)} => {_show(new)}"]


def render(plan: Plan, *, show_same: bool = False, standing: bool = True) -> str:
    """The plan as ``pulumi preview --diff`` prints it, flags marked ``!``, then the standing
    risks (grouped) and the counts."""
    lines: list[str] = []
    for s in plan.steps:
        if s.op == "same" and not (show_same or s.flags):
            continue
        head = f"{_SYMBOL[s.op]}{s.type}: ({s.op})"
        if s.op == "replace":
            head += f" [replace: {', '.join(s.replace_keys)}] " + (
                "delete-before-replace" if s.delete_before_replace else "create-before-delete"
            )
        lines += [f"    {head}", f"        [urn={s.urn}]"]
        if s.old_urn and s.old_urn != s.urn:
            lines.append(f"        [aliased from {s.old_urn}]")
        if s.op in ("create", "delete"):
            mark = "+" if s.op == "create" else "-"
            lines += [f"      {mark} {k}: {_show(v)}" for k, v in sorted(s.inputs.items())]
        for c in s.changes:
            lines += _change_lines(c.path, c.old, c.new, "      ")
            if any(c.sources):
                before, after = (", ".join(names) or "-" for names in c.sources)
                lines.append(f"          ({c.path} from {before} => {after})")
        if s.unknown_from:
            names = ", ".join(split_urn(u)[3] for u in s.unknown_from)
            lines.append(f"        (unknown until created or replaced: {names})")
        lines += [
            f"      ! {f.severity.upper()}{' ' + f.input if f.input else ''}: {f.reason}"
            for f in s.flags
        ]
    if standing:
        lines += _standing_lines(plan)
    counts = plan.counts()
    changed = sum(counts[op] for op in ("create", "update", "replace", "delete"))
    lines.append("Resources:")
    lines += [
        f"    {_SYMBOL[op]}{counts[op]} to {op}"
        for op in ("create", "update", "replace", "delete")
        if counts[op]
    ]
    destructive = sum(1 for s in plan.steps if s.destructive)
    lines.append(
        f"    {changed} changes. {counts['same']} unchanged. {destructive} flagged destructive."
    )
    return "\n".join(lines)


def _standing_lines(plan: Plan) -> list[str]:
    groups: dict[tuple[str, str, str, str], list[str]] = {}
    for s in plan.steps:
        for f in s.warnings:
            groups.setdefault((f.severity, s.type, f.input, f.reason), []).append(s.name)
    if not groups:
        return []
    lines = ["Standing risks of the program as written (whatever changed):"]
    for (severity, type_, key, reason), names in sorted(groups.items()):
        lines.append(
            f"    ! {severity.upper()} {type_.rsplit(':', 1)[-1]}.{key} "
            f"({len(names)}: {', '.join(names)}): {reason}"
        )
    return lines
