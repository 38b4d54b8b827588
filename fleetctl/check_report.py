"""The reports of ``fleetctl check``: the preview-like text and the ``--json`` document."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from fleetctl import deploytime
from fleetctl.capture import STACK_TYPE, UNKNOWN, Capture
from fleetctl.capture.engine import engine_value, is_secret

SECRET = "[secret]"
#: The policy pack's exemptions policy and the prefix of its report of an exemption in force
#: (``policies/meshfleet_policies/exemptions.py``; the pack is self-contained, so the names are
#: repeated here and pinned by a test).
EXEMPTIONS_POLICY = "policy-exemptions"
IN_FORCE = "exemption in force: "


def masked_outputs(outputs: Mapping[str, Any]) -> dict[str, Any]:
    """Stack outputs with every secret replaced by ``[secret]`` and resource references as the
    engine shows them (ids or URNs); unknown values stay the engine's unknown sentinel.

    >>> from fleetctl.capture.sdk import SECRET_SIG, SIG_KEY
    >>> masked_outputs({"id": "vpc-1", "kc": {SIG_KEY: SECRET_SIG, "value": "x"}})
    {'id': 'vpc-1', 'kc': '[secret]'}
    """

    def mask(value: Any) -> Any:
        if is_secret(value):
            return SECRET
        if isinstance(value, Mapping):
            return {k: mask(v) for k, v in value.items()}
        if isinstance(value, list):
            return [mask(v) for v in value]
        return value

    return {k: engine_value(mask(v)) for k, v in outputs.items()}


def _shown(value: Any) -> str:
    if value == UNKNOWN:
        return "[unknown]"
    if isinstance(value, str):
        return value
    text = json.dumps(value, default=str).replace(json.dumps(UNKNOWN), '"[unknown]"')
    return text if len(text) <= 200 else text[:197] + "..."


def _created(cap: Capture) -> dict[str, int]:
    """Steps a preview shows as creates, by type: every registration (Stack first)."""
    counts = cap.counts_by_type()
    return {STACK_TYPE: 1, **counts} if cap.by_type(STACK_TYPE) else counts


def _grouped(diags: Sequence[Any]) -> dict[tuple[str, str, str], list[Any]]:
    groups: dict[tuple[str, str, str], list[Any]] = defaultdict(list)
    for d in diags:
        groups[(d.policy_pack_name, d.policy_name, d.enforcement_level)].append(d)
    order = {"mandatory": 0, "remediate": 1, "advisory": 2, "disabled": 3}
    return dict(sorted(groups.items(), key=lambda kv: (order.get(kv[0][2], 9), kv[0][1])))


def _short(urn: str) -> str:
    if not urn:
        return "(stack)"
    parts = urn.split("::")
    return f"{parts[2].split('$')[-1]}::{parts[3]}" if len(parts) >= 4 else urn


def exemptions_in_force(diags: Sequence[Any]) -> list[Any]:
    """The pack's reports of exemptions it applied (one per exempted finding)."""
    return [
        d
        for d in diags
        if d.policy_name == EXEMPTIONS_POLICY
        and any(line.startswith(IN_FORCE) for line in d.message.splitlines())
    ]


def _in_force_text(d: Any) -> str:
    return next(line for line in d.message.splitlines() if line.startswith(IN_FORCE))[
        len(IN_FORCE) :
    ]


def text_report(
    cap: Capture,
    diags: Sequence[Any],
    info: Any,
    version: str,
    est: deploytime.DeployEstimate,
    pack_dir: Path,
    timings: Mapping[str, float],
    changes: Any = None,
) -> list[str]:
    created = _created(cap)
    width = max(len(t) for t in created) if created else 10
    out = [
        f"Previewing update (stack {cap.stack!r}, project {cap.project!r}) offline: "
        "program under mocks, policy pack over the analyzer protocol",
        "",
        f"     {'Type'.ljust(width)}  Count",
    ]
    out += [f" +   {type_.ljust(width)}  {n}" for type_, n in created.items()]
    if cap.logs:
        out += ["", "Diagnostics:"]
        out += [f"    {entry['severity']}: {entry['message']}" for entry in cap.logs]
    outputs = masked_outputs(cap.stack_outputs)
    if outputs:
        out += ["", "Outputs:"]
        out += [f"    {k}: {_shown(v)}" for k, v in sorted(outputs.items())]
    synthesized = sorted({i.token for i in cap.invokes if not i.known})
    if synthesized:
        out += [
            "",
            f"Data sources answered by synthesis ({len(synthesized)}; record real "
            "answers with --answers, refuse these with --strict-answers):",
        ]
        out += [f"    {t}" for t in synthesized]
    if changes is None:
        out += ["", "Resources:", f"    + {sum(created.values())} to create"]
    else:
        from fleetctl.diff_io import render

        out += [
            "",
            "Changes against the saved state (as `pulumi preview --diff`):",
            render(changes),
        ]
    out += ["", f"Policies: {info.name}@v{version} ({pack_dir})"]
    in_force = exemptions_in_force(diags)
    diags = [d for d in diags if d not in in_force]
    groups = _grouped(diags)
    if not groups:
        out.append(f"    no violations ({len(info.policies)} policies)")
    for (_pack, policy, level), items in groups.items():
        out.append(f"    [{level}] {policy}  ({len(items)})")
        for d in items:
            out.append(f"        {_short(d.urn)}")
            out += [f"            {line}" for line in d.message.strip().splitlines()]
    if in_force:
        out.append(f"    exemptions in force ({len(in_force)}):")
        out += [f"        {_short(d.urn)}: {_in_force_text(d)}" for d in in_force]
    out += [""] + deploytime.render(est) + [""]
    mandatory = sum(1 for d in diags if d.enforcement_level == "mandatory")
    advisory = sum(1 for d in diags if d.enforcement_level == "advisory")
    verdict = (
        f"FAILED: {mandatory} mandatory policy violation(s); `pulumi preview` would fail"
        if mandatory
        else "OK: no mandatory policy violation"
    )
    out.append(
        f"{verdict}; {advisory} advisory. Checked in {timings['total']:.1f}s "
        f"(program {timings['program']:.1f}s, policies {timings['policies']:.1f}s)."
    )
    return out


def json_report(
    cap: Capture,
    diags: Sequence[Any],
    info: Any,
    version: str,
    est: deploytime.DeployEstimate,
    code: int,
    timings: Mapping[str, float],
    changes: Any = None,
) -> dict[str, Any]:
    created = _created(cap)
    extra: dict[str, Any] = {}
    if changes is not None:
        from fleetctl.diff_io import plan_json

        extra["diff"] = plan_json(changes)
    return {
        "project": cap.project,
        "stack": cap.stack,
        "resources": cap.engine_view(),
        "outputs": masked_outputs(cap.stack_outputs),
        "diagnostics": [
            {
                "policyName": d.policy_name,
                "policyPackName": d.policy_pack_name,
                "enforcementLevel": d.enforcement_level,
                "severity": d.severity,
                "urn": d.urn,
                "message": d.message,
                "description": d.description,
            }
            for d in diags
        ],
        "logs": cap.logs,
        "summary": {
            "create": sum(created.values()),
            "byType": created,
            "mandatory": sum(1 for d in diags if d.enforcement_level == "mandatory"),
            "advisory": sum(1 for d in diags if d.enforcement_level == "advisory"),
            "policyPack": {"name": info.name, "version": version},
            "deployment": est.to_json(),
            "invokes": [
                {"token": i.token, "known": i.known, "source": i.source} for i in cap.invokes
            ],
            "exitCode": code,
            "elapsedSeconds": timings["total"],
            "timingsSeconds": dict(timings),
            "exemptionsInForce": len(exemptions_in_force(diags)),
        },
        **extra,
    }
