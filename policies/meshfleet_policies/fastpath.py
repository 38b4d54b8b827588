"""Deserialise the stack once per AnalyzeStack request instead of once per stack policy.

pulumi_policy 1.x rebuilds every resource (JSON conversion, unknown-checking proxy, provider
properties) inside its loop over policies, so a pack of 28 stack policies pays 28 passes over the
stack: at 10,000 resources that is most of the preview's policy time. This servicer subclass runs
the SDK's own conversion steps once, shares the resulting list with every stack policy (so the
rules' shared index is built once too), and caches provider resources by URN. Everything else -
enforcement levels, diagnostics, unknown handling - is the SDK's code path.

It relies on SDK internals, so :func:`install` checks for them and otherwise leaves the stock
servicer in place (results are identical, only slower). ``MESHFLEET_POLICY_FASTPATH=0`` turns it
off for comparison.
"""

from __future__ import annotations

import asyncio
import os
from inspect import isawaitable
from typing import Any

from google.protobuf import json_format
from pulumi.runtime import proto
from pulumi_policy import policy as sdk
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.proxy import UnknownValueError, unknown_checking_proxy

_P = "_PolicyAnalyzerServicer__"  # name-mangling prefix of the SDK servicer's private fields
_NEEDED = (
    "_get_enforcement_level",
    "_create_report_violation",
    "_get_resource_options",
    "_get_policy_config",
    "_configure_runtime_settings",
    "_map_enforcement_level",
)


class SharedStackServicer(sdk._PolicyAnalyzerServicer):
    """The SDK servicer with AnalyzeStack converting the request's resources only once."""

    def _provider(self, r: Any, cache: dict[str, Any]) -> Any:
        if not r.HasField("provider"):
            return None
        prov = r.provider
        hit = cache.get(prov.urn)
        if hit is None:
            props = unknown_checking_proxy(
                deserialize_properties(json_format.MessageToDict(prov.properties))
            )
            hit = sdk.PolicyProviderResource(prov.type, props, prov.urn, prov.name)
            cache[prov.urn] = hit
        return hit

    def _resources(self, request: Any) -> list[Any]:
        providers: dict[str, Any] = {}
        by_urn: dict[str, Any] = {}
        links = []
        out = []
        for r in request.resources:
            props = unknown_checking_proxy(
                deserialize_properties(json_format.MessageToDict(r.properties))
            )
            res = sdk.PolicyResource(
                r.type,
                props,
                r.urn,
                r.name,
                self._get_resource_options(r),
                self._provider(r, providers),
                None,
                [],
                {},
            )
            by_urn[r.urn] = res
            links.append(
                (
                    res,
                    r.parent,
                    list(r.dependencies),
                    {k: list(v.urns) for k, v in r.propertyDependencies.items()},
                )
            )
            out.append(res)
        for res, parent, deps, prop_deps in links:
            if parent:
                res.parent = by_urn.get(parent)
            res.dependencies.extend(by_urn[d] for d in deps if d in by_urn)
            for key, urns in prop_deps.items():
                res.property_dependencies[key] = [by_urn[u] for u in urns if u in by_urn]
        return out

    def AnalyzeStack(self, request: Any, _context: Any) -> Any:  # noqa: N802 - gRPC name
        self._configure_runtime_settings()  # type: ignore[no-untyped-call]
        response = proto.AnalyzeResponse()
        resources: list[Any] | None = None
        name = getattr(self, _P + "policy_pack_name")
        version = getattr(self, _P + "policy_pack_version")
        for policy in getattr(self, _P + "policies"):
            level = self._get_enforcement_level(policy)
            if level == sdk.EnforcementLevel.DISABLED or not isinstance(
                policy, sdk.StackValidationPolicy
            ):
                continue
            if level == sdk.EnforcementLevel.REMEDIATE:
                level = sdk.EnforcementLevel.MANDATORY
            report = self._create_report_violation(
                response, policy.name, policy.description, level, policy.severity
            )
            if resources is None:
                resources = self._resources(request)
            args = sdk.StackValidationArgs(
                resources, self._get_policy_config(policy.name), getattr(self, _P + "stack_tags")
            )
            try:
                result = policy.validate(args, report)
                if isawaitable(result):
                    loop = asyncio.new_event_loop()
                    loop.run_until_complete(result)
                    loop.close()
            except UnknownValueError as e:
                response.diagnostics.append(
                    proto.AnalyzeDiagnostic(
                        policyName=policy.name,
                        policyPackName=name,
                        policyPackVersion=version,
                        message=(
                            f"can't run policy '{policy.name}' from policy pack "
                            f"'{name}@v{version}' during preview: {e.message}"
                        ),
                        urn="",
                        description=policy.description,
                        enforcementLevel=self._map_enforcement_level(sdk.EnforcementLevel.ADVISORY),
                    )
                )
            except sdk._NotApplicableError as e:
                response.not_applicable.append(
                    proto.PolicyNotApplicable(policy_name=policy.name, reason=e.reason or "")
                )
        return response


def install() -> bool:
    """Make PolicyPack use :class:`SharedStackServicer`; False if the SDK does not allow it."""
    if os.environ.get("MESHFLEET_POLICY_FASTPATH", "1") == "0":
        return False
    base = getattr(sdk, "_PolicyAnalyzerServicer", None)
    if base is None or not all(hasattr(base, n) for n in _NEEDED):
        return False
    if not hasattr(sdk, "_NotApplicableError") or not hasattr(sdk, "PolicyResource"):
        return False
    # PolicyPack looks the servicer class up in its module at construction time.
    sdk._PolicyAnalyzerServicer = SharedStackServicer  # type: ignore[misc]
    return True
