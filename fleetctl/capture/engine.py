"""The engine's view of a capture: what a policy pack receives, and what each resource waits on.

:func:`engine_view` turns raw registrations into what the engine sends a policy pack in
``AnalyzeStackRequest``: real URNs, the Stack and provider resources (default providers
included), unknown sentinels, resource references as ids/URNs, internal keys and empty property
dependencies dropped. :func:`waits_on` is THE definition of what a resource waits for before its
create starts, used by ``Capture.depends_on`` and by the deployment-time estimate alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from fleetctl.capture.model import PROVIDER_PREFIX, STACK_TYPE, Registration
from fleetctl.capture.sdk import OUTPUT_SIG, RESOURCE_SIG, SECRET_SIG, SIG_KEY, UNKNOWN

if TYPE_CHECKING:
    from fleetctl.capture.model import Capture


def engine_urn(stack: str, project: str, parent: str, type_: str, name: str) -> str:
    """The URN the engine gives a resource: the parent's full qualified type ``$`` type, except
    that children of the root Stack carry no prefix. (The SDK's mock monitor prefixes the last
    segment of the parent type, including ``pulumi:pulumi:Stack``: wrong on both counts.)

    >>> engine_urn("dev", "p", "urn:pulumi:dev::p::my:C::c", "aws:T", "t")
    'urn:pulumi:dev::p::my:C$aws:T::t'
    """
    if parent:
        parent_type = parent.split("::")[2]
        if parent_type != STACK_TYPE:
            type_ = f"{parent_type}${type_}"
    return f"urn:pulumi:{stack}::{project}::{type_}::{name}"


def engine_view(cap: Capture) -> list[dict[str, Any]]:
    """The resources as the engine sends them to a policy pack in AnalyzeStack.

    * URNs are the engine's (the recording monitor builds them with :func:`engine_urn`).
    * Custom resources without an explicit provider get the default provider the engine would
      register (``pulumi:providers:<pkg>::default[_<version>]``, properties from the
      ``<pkg>:*`` config keys plus ``version``), listed before their first user.
    * Properties: top-level and nested keys starting with ``__`` are dropped (the engine
      marshals with SkipInternalKeys), resource references become the referenced id (or the URN
      for components; an unknown id stays the unknown sentinel), secrets keep the secret
      signature map (KeepSecrets), unknowns are the string sentinel.
    * Empty propertyDependencies entries are dropped.
    """
    view: list[dict[str, Any]] = []
    emitted_defaults: set[str] = set()
    for reg in cap.registrations:
        provider = reg.provider
        if reg.custom and not provider and not reg.type.startswith(PROVIDER_PREFIX):
            default = _default_provider(cap, reg)
            provider = default["urn"]
            if provider not in emitted_defaults:
                emitted_defaults.add(provider)
                view.append(default)
        view.append(
            {
                "type": reg.type,
                "name": reg.name,
                "urn": reg.urn,
                "parent": reg.parent,
                "provider": provider,
                "custom": reg.custom,
                "properties": engine_value(reg.inputs),
                "dependencies": list(reg.dependencies),
                "propertyDependencies": {
                    k: list(v) for k, v in reg.property_dependencies.items() if v
                },
            }
        )
    return view


def _default_provider(cap: Capture, reg: Registration) -> dict[str, Any]:
    pkg = reg.type.split(":")[0]
    version = str(reg.options.get("version") or "")
    name = "default_" + version.replace(".", "_").replace("-", "_") if version else "default"
    props: dict[str, Any] = {}
    for key, value in cap.config.items():
        ns, _, short = key.partition(":")
        if ns == pkg and short:
            props[short] = value
    if version:
        props["version"] = version
    return {
        "type": PROVIDER_PREFIX + pkg,
        "name": name,
        "urn": f"urn:pulumi:{cap.stack}::{cap.project}::{PROVIDER_PREFIX}{pkg}::{name}",
        "parent": "",
        "provider": "",
        "custom": True,
        "properties": props,
        "dependencies": [],
        "propertyDependencies": {},
    }


def engine_value(value: Any) -> Any:
    """One raw property value as the engine marshals it for an analyzer."""
    if isinstance(value, Mapping):
        sig = value.get(SIG_KEY)
        if sig == RESOURCE_SIG:
            # Engine (KeepResources=false): the id when the reference has one (an unknown id
            # stays unknown), else the URN (components).
            if "id" in value:
                ref_id = value["id"]
                return UNKNOWN if ref_id in ("", None) else ref_id
            return value.get("urn", UNKNOWN)
        if sig == OUTPUT_SIG:
            # Output values are not enabled by the recording monitor; known -> the value.
            return engine_value(value["value"]) if "value" in value else UNKNOWN
        return {
            k: engine_value(v) for k, v in value.items() if not (k.startswith("__") and sig is None)
        }
    if isinstance(value, list):
        return [engine_value(v) for v in value]
    return value


def is_secret(value: Any) -> bool:
    """True for the wire format's secret wrapper ``{<sig>: <secret sig>, "value": ...}``."""
    return isinstance(value, Mapping) and value.get(SIG_KEY) == SECRET_SIG


def waits_on(res: Mapping[str, Any], by_urn: Mapping[str, Mapping[str, Any]]) -> set[str]:
    """The URNs (among ``by_urn``) resource ``res`` waits for before its create starts.

    The Python SDK sends a resource's registration only once everything it awaits is resolved,
    and the engine answers a registration only when that resource's step is done, so a resource
    waits for:

    * its ``dependencies`` and every ``propertyDependencies`` entry (their outputs are awaited;
      a dependency on a component is already expanded by the SDK into the component's custom
      children);
    * its provider (the SDK awaits the provider reference: URN and id), default providers
      included;
    * its parent when the parent is a CUSTOM resource (the SDK awaits ``parent.urn``, which the
      engine returns when the parent's create completes). A component parent is no wait: a
      component's registration returns at once.

    >>> by_urn = {"v": {"urn": "v", "custom": True}, "c": {"urn": "c", "custom": False},
    ...           "p": {"urn": "p", "custom": True}}
    >>> sorted(waits_on({"urn": "s", "parent": "v", "provider": "p"}, by_urn))
    ['p', 'v']
    >>> sorted(waits_on({"urn": "s", "parent": "c", "dependencies": ["v"]}, by_urn))
    ['v']
    """
    deps: set[str] = set(res.get("dependencies", ()))
    for urns in res.get("propertyDependencies", {}).values():
        deps.update(urns)
    if res.get("provider"):
        deps.add(res["provider"])
    parent = res.get("parent")
    if parent and parent in by_urn and by_urn[parent].get("custom"):
        deps.add(parent)
    deps.discard(res["urn"])
    return {d for d in deps if d in by_urn}


def graph(view: Sequence[Mapping[str, Any]]) -> dict[str, set[str]]:
    """``{urn: the URNs it waits on}`` for every resource of an engine view."""
    by_urn = {r["urn"]: r for r in view}
    return {u: waits_on(r, by_urn) for u, r in by_urn.items()}
