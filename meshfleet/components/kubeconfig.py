"""One kubeconfig for the Fleet and the ASM instance (connection path (4)).

The Fleet's kubeconfig (``FleetFeatures.kubeconfig``) and the ASM instance's
(``servicemesh.ServiceMesh.kubeconfig``) are separate files whose entries usually collide: both
name their cluster ``kubernetes`` and their contexts after the account. :func:`merge_kubeconfigs`
keeps the *active* context of each (its ``current-context``, or its only context), renames its
cluster, user and context to the given context name, and sets ``current-context`` to the Fleet's,
so ``kubectl`` talks to the Fleet unless told ``--context <mesh>``.

Credentials are copied verbatim and never appear in an error message: the problems name
entries and paths, not contents.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
import yaml

from meshfleet.errors import MeshfleetError, Problem
from meshfleet.specmodel import context_problem


class KubeconfigError(MeshfleetError):
    """A kubeconfig cannot be read or merged as asked."""

    title = "Cannot merge kubeconfigs"


def merge_kubeconfigs(
    fleet_kubeconfig: str, mesh_kubeconfig: str, *, fleet_context: str, mesh_context: str
) -> str:
    """One kubeconfig with a context for the Fleet and one for the mesh; current = the Fleet.

    Clusters and users are renamed after their context, so the two never collide, and every
    problem (in both inputs) is reported at once.

    >>> kc = lambda s: (
    ...     "clusters: [{name: kubernetes, cluster: {server: '" + s + "'}}]\\n"
    ...     "users: [{name: admin, user: {token: t}}]\\n"
    ...     "contexts: [{name: c, context: {cluster: kubernetes, user: admin}}]\\n")
    >>> merged = yaml.safe_load(merge_kubeconfigs(
    ...     kc("https://10.0.0.1:6443"), kc("https://10.1.0.1:6443"),
    ...     fleet_context="fleet", mesh_context="mesh"))
    >>> [c["name"] for c in merged["contexts"]], merged["current-context"]
    (['fleet', 'mesh'], 'fleet')
    >>> merged["contexts"][1]["context"]
    {'cluster': 'mesh', 'user': 'mesh'}
    """
    problems = context_name_problems(fleet_context, mesh_context)
    fleet = _active_entries("fleet_kubeconfig", fleet_kubeconfig, problems)
    mesh = _active_entries("mesh_kubeconfig", mesh_kubeconfig, problems)
    if problems or fleet is None or mesh is None:
        raise KubeconfigError(problems)

    return _document(((fleet_context, fleet), (mesh_context, mesh)))


def renamed_kubeconfig(kubeconfig: str, *, context: str) -> str:
    """The active context of ``kubeconfig`` alone, its cluster, user and context renamed to
    ``context`` (mesh mode ``fleet``: the Fleet serves the mesh's resources, one context).

    >>> kc = ("clusters: [{name: kubernetes, cluster: {server: 'https://10.0.0.1:6443'}}]\\n"
    ...       "users: [{name: admin, user: {token: t}}]\\n"
    ...       "contexts: [{name: c, context: {cluster: kubernetes, user: admin}}]\\n")
    >>> yaml.safe_load(renamed_kubeconfig(kc, context="fleet"))["contexts"]
    [{'name': 'fleet', 'context': {'cluster': 'fleet', 'user': 'fleet'}}]
    """
    problems = [Problem("context", context, m) for m in [context_problem(context)] if m]
    entries = _active_entries("kubeconfig", kubeconfig, problems)
    if problems or entries is None:
        raise KubeconfigError(problems)
    return _document(((context, entries),))


def _document(
    named: tuple[tuple[str, tuple[dict[str, Any], dict[str, Any], dict[str, Any]]], ...],
) -> str:
    """A kubeconfig of these (context name, (cluster, user, context)) entries; the first is
    current."""
    clusters, users, contexts = [], [], []
    for name, (cluster, user, context) in named:
        clusters.append({"name": name, "cluster": cluster})
        users.append({"name": name, "user": user})
        ctx: dict[str, Any] = {"cluster": name, "user": name}
        if context.get("namespace"):
            ctx["namespace"] = context["namespace"]
        contexts.append({"name": name, "context": ctx})
    merged = {
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "clusters": clusters,
        "users": users,
        "contexts": contexts,
        "current-context": named[0][0],
    }
    return yaml.safe_dump(merged, sort_keys=False, default_flow_style=False)


def context_name_problems(fleet_context: Any, mesh_context: Any) -> list[Problem]:
    """What is wrong with the two context names (empty list: nothing): the spec's own rule
    (``meshfleet.specmodel.context_problem``), for callers that did not come through the spec."""
    problems = []
    for field, value in (("fleet_context", fleet_context), ("mesh_context", mesh_context)):
        if (message := context_problem(value)) is not None:
            problems.append(Problem(field, value, message))
    if isinstance(fleet_context, str) and fleet_context == mesh_context:
        problems.append(Problem("mesh_context", mesh_context, "must differ from fleet_context"))
    return problems


def merged_kubeconfig_output(
    fleet_kubeconfig: pulumi.Output[str],
    mesh_kubeconfig: pulumi.Output[str],
    *,
    fleet_context: str,
    mesh_context: str,
) -> pulumi.Output[str]:
    """:func:`merge_kubeconfigs` over Outputs; the result is always a secret.

    The context names are checked now (the spec has checked its own already), so a caller that
    passes bad ones fails before any resource is touched; the kubeconfigs themselves are only
    known after apply.
    """
    problems = context_name_problems(fleet_context, mesh_context)
    if problems:
        raise KubeconfigError(problems)
    merged = pulumi.Output.all(fleet_kubeconfig, mesh_kubeconfig).apply(
        lambda pair: merge_kubeconfigs(
            pair[0], pair[1], fleet_context=fleet_context, mesh_context=mesh_context
        )
    )
    # Secret even when the inputs were not marked so: the result carries client keys.
    return pulumi.Output.secret(merged)


def fleet_kubeconfig_output(
    fleet_kubeconfig: pulumi.Output[str], *, fleet_context: str
) -> pulumi.Output[str]:
    """:func:`renamed_kubeconfig` over an Output; the result is always a secret."""
    if (message := context_problem(fleet_context)) is not None:
        raise KubeconfigError([Problem("fleet_context", fleet_context, message)])
    return pulumi.Output.secret(
        fleet_kubeconfig.apply(lambda kc: renamed_kubeconfig(kc, context=fleet_context))
    )


def _active_entries(
    which: str, text: Any, problems: list[Problem]
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]] | None:
    """(cluster, user, context) bodies of the active context, or None with problems added."""
    if not isinstance(text, str) or not text.strip():
        problems.append(Problem(which, "<empty>", "must be a kubeconfig document"))
        return None
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        # Only the position: the parser's message quotes the document, which holds credentials.
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problems.append(Problem(which, "<unparsable>", f"is not valid YAML{where}"))
        return None
    if not isinstance(doc, Mapping):
        problems.append(Problem(which, type(doc).__name__, "must be a YAML mapping"))
        return None

    contexts = _named(which, doc, "contexts", "context", problems)
    clusters = _named(which, doc, "clusters", "cluster", problems)
    users = _named(which, doc, "users", "user", problems)
    if contexts is None or clusters is None or users is None:
        return None

    current = doc.get("current-context")
    if current:
        if current not in contexts:
            problems.append(
                Problem(f"{which}.current-context", current, "names no entry of contexts")
            )
            return None
        name = current
    elif len(contexts) == 1:
        name = next(iter(contexts))
    else:
        problems.append(
            Problem(
                f"{which}.current-context",
                current,
                f"is needed to choose among {len(contexts)} contexts {sorted(contexts)}",
            )
        )
        return None

    context = contexts[name]
    found = True
    for key, table in (("cluster", clusters), ("user", users)):
        if context.get(key) not in table:
            problems.append(
                Problem(
                    f"{which}.contexts[{name}].context.{key}",
                    context.get(key),
                    f"names no entry of {key}s",
                )
            )
            found = False
    if not found:
        return None
    return dict(clusters[context["cluster"]]), dict(users[context["user"]]), dict(context)


def _named(
    which: str, doc: Mapping[str, Any], section: str, body: str, problems: list[Problem]
) -> dict[str, dict[str, Any]] | None:
    """``{name: body}`` of a kubeconfig list section such as ``clusters``."""
    entries = doc.get(section)
    if not isinstance(entries, list) or not entries:
        problems.append(Problem(f"{which}.{section}", None, "must be a non-empty list"))
        return None
    table: dict[str, dict[str, Any]] = {}
    for index, entry in enumerate(entries):
        if (
            not isinstance(entry, Mapping)
            or not isinstance(entry.get("name"), str)
            or not isinstance(entry.get(body), Mapping)
        ):
            problems.append(
                Problem(f"{which}.{section}[{index}]", None, f"must have a name and a {body}")
            )
            return None
        if entry["name"] in table:
            problems.append(
                Problem(f"{which}.{section}[{index}].name", entry["name"], "is a duplicate")
            )
            return None
        table[entry["name"]] = dict(entry[body])
    return table
