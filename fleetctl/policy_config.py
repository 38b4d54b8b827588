"""A policy pack's config as the Pulumi CLI resolves it: each policy's enforcement level and
properties, checked against the pack's own JSON Schemas (every error at once), plus the types
the pack describes itself with (``GetAnalyzerInfo``)."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

ENFORCEMENT_LEVELS = ("advisory", "mandatory", "remediate", "disabled")


@dataclass(frozen=True)
class PolicyInfo:
    """One policy as the pack describes it in GetAnalyzerInfo."""

    name: str
    description: str
    enforcement_level: str
    severity: str = ""
    config_schema: Mapping[str, Any] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    remediation_steps: str = ""
    url: str = ""
    stack_policy: bool = True


@dataclass(frozen=True)
class AnalyzerInfo:
    """The pack's name, version, policies and programmatic initial config."""

    name: str
    version: str
    policies: tuple[PolicyInfo, ...]
    initial_config: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def policy(self, name: str) -> PolicyInfo:
        """The policy called ``name`` (KeyError naming it if the pack has none)."""
        for p in self.policies:
            if p.name == name:
                return p
        raise KeyError(f"policy pack {self.name!r} has no policy {name!r}")


class PolicyConfigError(ValueError):
    """A policy pack config the CLI would refuse; ``errors`` lists every problem at once."""

    def __init__(self, errors: Sequence[str]) -> None:
        self.errors = list(errors)
        n = len(self.errors)
        super().__init__(
            f"invalid policy pack config ({n} problem{'s' if n != 1 else ''}):\n - "
            + "\n - ".join(self.errors)
        )


def _split_entry(value: Any, where: str, errors: list[str]) -> tuple[str | None, dict[str, Any]]:
    """A config entry is a level string or an object with an optional enforcementLevel (the
    CLI's ``parsePolicyPackConfig`` / ``extractEnforcementLevel``)."""
    levels = ", ".join(ENFORCEMENT_LEVELS)
    if isinstance(value, str):
        if value in ENFORCEMENT_LEVELS:
            return value, {}
        errors.append(f"{where}: enforcement level must be one of {levels}, got {value!r}")
        return None, {}
    if isinstance(value, Mapping):
        props = {k: v for k, v in value.items() if k != "enforcementLevel"}
        level = value.get("enforcementLevel")
        if level is None or level in ENFORCEMENT_LEVELS:
            return level, props
        errors.append(
            f"{where}.enforcementLevel: enforcement level must be one of {levels}, got {level!r}"
        )
        return None, props
    errors.append(f"{where}: expected an enforcement level or an object, got {value!r}")
    return None, {}


def _policy_schema(p: PolicyInfo) -> dict[str, Any]:
    """The JSON Schema the CLI validates a policy's config against (``convertSchema``): an
    object with the policy's properties and required keys. fleetctl adds
    ``additionalProperties: false`` so that a misspelt key is an error, not a silent no-op."""
    schema: dict[str, Any] = {
        "type": "object",
        "additionalProperties": False,
        "properties": dict(p.config_schema),
    }
    if p.required:
        schema["required"] = list(p.required)
    return schema


def _where(policy: str, path: Sequence[Any]) -> str:
    out = policy
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else f".{step}"
    return out


def _schema_errors(p: PolicyInfo, props: Mapping[str, Any]) -> list[str]:
    """Every JSON-Schema error of one policy's resolved properties, as the CLI reports them
    (``validatePolicyConfig``: gojsonschema with format checks), each named by its path."""
    from jsonschema import Draft7Validator
    from jsonschema.exceptions import SchemaError

    schema = _policy_schema(p)
    try:
        Draft7Validator.check_schema(schema)
    except SchemaError as exc:
        return [f"{p.name}: the pack's config schema is invalid: {exc.message}"]
    validator = Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)
    found = sorted(
        validator.iter_errors(dict(props)),
        key=lambda e: ([str(s) for s in e.absolute_path], e.message),
    )
    return [f"{_where(p.name, list(e.absolute_path))}: {_say(e)}" for e in found]


def _say(e: Any) -> str:
    """One JSON-Schema error in words that name what was expected and what was given (the
    library's own message for the keywords without a clearer phrasing)."""
    if e.validator == "type":
        return f"expected {e.validator_value}, got {e.instance!r}"
    if e.validator == "enum":
        return f"expected one of {list(e.validator_value)}, got {e.instance!r}"
    if e.validator == "additionalProperties" and isinstance(e.instance, Mapping):
        known = sorted(e.schema.get("properties") or {})
        extra = sorted(set(e.instance) - set(known))
        return (
            f"has no config key {', '.join(repr(k) for k in extra)} "
            f"(known: {', '.join(known) or 'none'})"
        )
    return str(e.message)


def resolve_config(
    info: AnalyzerInfo, user_config: Mapping[str, Any] | None
) -> dict[str, dict[str, Any]]:
    """Resolve and validate a ``--policy-pack-config`` object as the Pulumi CLI does before
    Configure (``ReconcilePolicyPackConfig`` in pulumi/pulumi's ``pkg/resource/analyzer``).

    Every policy gets its default level and schema defaults, then the pack's initial config,
    then the ``"all"`` level, then per-policy entries; each policy's resulting properties are
    then validated against its config schema with JSON Schema (``jsonschema``, draft 7, formats
    checked). Every problem is collected and raised at once as :class:`PolicyConfigError`.
    Unlike the CLI (which ignores them) unknown policy names, unknown property keys and
    properties under ``"all"`` are errors, so a typo cannot silently do nothing.

    >>> info = AnalyzerInfo("p", "1", (PolicyInfo("a", "d", "mandatory",
    ...     config_schema={"unknowns": {"type": "string", "default": "advisory"}}),))
    >>> resolve_config(info, {"all": "advisory"})
    {'a': {'enforcementLevel': 'advisory', 'unknowns': 'advisory'}}
    >>> resolve_config(info, {"a": {"unknowns": 3}, "b": "loud"})
    Traceback (most recent call last):
    ...
    fleetctl.policy_config.PolicyConfigError: invalid policy pack config (2 problems):
     - policy pack config: unknown policy 'b' (known: a)
     - a.unknowns: expected string, got 3
    """
    errors: list[str] = []
    result: dict[str, dict[str, Any]] = {}
    for p in info.policies:
        entry: dict[str, Any] = {"enforcementLevel": p.enforcement_level}
        for key, schema in p.config_schema.items():
            if isinstance(schema, Mapping) and "default" in schema:
                entry[key] = copy.deepcopy(schema["default"])
        result[p.name] = entry
    layers: list[tuple[str, Any]] = [
        ("initial config", info.initial_config),
        ("policy pack config", user_config or {}),
    ]
    for label, layer in layers:
        if not isinstance(layer, Mapping):
            errors.append(f"{label}: expected a JSON object keyed by policy name")
            continue
        if "all" in layer:
            level, props = _split_entry(layer["all"], f"{label}: 'all'", errors)
            if props:
                errors.append(
                    f"{label}: 'all' accepts only an enforcement level, got keys {sorted(props)}"
                )
            if level is not None:
                for entry in result.values():
                    entry["enforcementLevel"] = level
        for name, value in layer.items():
            if name == "all":
                continue
            if name not in result:
                known = ", ".join(sorted(result))
                errors.append(f"{label}: unknown policy {name!r} (known: {known})")
                continue
            level, props = _split_entry(value, f"{label}: {name!r}", errors)
            if level is not None:
                result[name]["enforcementLevel"] = level
            result[name].update(props)
    for p in info.policies:
        props = {k: v for k, v in result[p.name].items() if k != "enforcementLevel"}
        errors.extend(_schema_errors(p, props))
    if errors:
        raise PolicyConfigError(errors)
    return result
