"""The glue between pulumi_policy and the rules: one shared index per request, exemptions,
and the routing of undecidable findings by each policy's ``unknowns`` setting.

One AnalyzeStack request runs the stack policies one after another in list order on one thread.
:class:`_Request` (thread-local) holds that request's index, built by the first rule that runs
and reused by the others; the exemptions read by ``policy-exemptions`` (which runs first) with
the report function that lists them; and the undecidable findings handed to
``value-unknown-at-preview`` (which runs last and reports each cause once).
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from pulumi_policy import ReportViolation, StackValidationArgs

from . import exemptions as ex
from .findings import Cause, Finding
from .model import StackIndex

Check = Callable[[StackIndex, Mapping[str, Any]], Iterable[Finding]]
Validate = Callable[[StackValidationArgs, ReportViolation], None]
UNKNOWNS_NAME = "value-unknown-at-preview"


class _Request(threading.local):
    """State of the AnalyzeStack request running on this thread."""

    def __init__(self) -> None:
        self.position = -1
        self.resources: Any = None
        self.urns: list[str] = []
        self.reset()

    def reset(self) -> None:
        self.index: StackIndex | None = None
        self.deferred: list[tuple[str, Finding]] = []
        self.exemptions: list[ex.Exemption] = []
        self.ex_report: ReportViolation | None = None
        self.ex_used: set[int] = set()
        self.ex_reported: set[tuple[int, str]] = set()
        self.meta: dict[str, tuple[str, str]] = {}


_REQUEST = _Request()


def _state(position: int, resources: Sequence[Any]) -> _Request:
    """The current request's state; a new one when this policy starts a new request.

    Inside one request policies run in increasing position, so a position that does not increase
    means a new request; so does a different resource list (compared by identity when the pack's
    shared-deserialisation servicer passes the same list to every policy, else by URNs).
    """
    st = _REQUEST
    same = position > st.position and (
        resources is st.resources or [r.urn for r in resources] == st.urns
    )
    if not same:
        st.reset()
        st.urns = [r.urn for r in resources]
        st.meta = {r.urn: (r.resource_type, r.name) for r in resources}
    st.resources = resources
    st.position = position
    return st


def shared_index(position: int, resources: Sequence[Any]) -> StackIndex:
    """The request's index, built once."""
    st = _state(position, resources)
    if st.index is None:
        st.index = StackIndex(resources)
    return st.index


def _exempted(st: _Request, policy: str, f: Finding) -> bool:
    for e in st.exemptions:
        if e.policy != policy:
            continue
        type_, name = st.meta.get(f.urn, ("", ""))
        if e.matches(f.urn, type_, name):
            st.ex_used.add(e.index)
            if st.ex_report is not None and (e.index, f.urn) not in st.ex_reported:
                st.ex_reported.add((e.index, f.urn))
                where = f'"{name}"' if name else "the stack"
                st.ex_report(
                    f"{ex.IN_FORCE}{e.describe()}; silences {policy} on {where}", f.urn or None
                )
            return True
    return False


def _report_unused(st: _Request, policy: str) -> None:
    for e in st.exemptions:
        if e.policy == policy and e.index not in st.ex_used and st.ex_report is not None:
            st.ex_report(
                f"{ex.UNUSED}{e.describe()}; it silenced nothing in this run. Fix: "
                "remove it (the finding is gone) or correct its resource pattern.",
                None,
            )


def exemptions_validator(position: int) -> Validate:
    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        st = _state(position, args.resources)
        found, problems = ex.parse(args.get_config())
        st.ex_report = report
        day = ex.today()
        st.exemptions = [e for e in found if not e.expired(day)]
        for problem in problems:
            report(f"exemption invalid: {problem}; it is ignored.", None)
        for e in found:
            if e.expired(day):
                report(
                    f"{ex.EXPIRED}{e.describe()}; it silences nothing since "
                    f"{e.expires}. Fix: fix the finding, or renew the exemption with a "
                    "reason and a new date.",
                    None,
                )

    return validate


def rule_validator(name: str, check: Check, position: int) -> Validate:
    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        cfg = args.get_config()
        mode = cfg.get("unknowns", "advisory")
        try:
            index = shared_index(position, args.resources)
            st = _REQUEST
            seen: set[tuple[str, str]] = set()
            for f in check(index, cfg):
                if (f.urn, f.message) in seen or _exempted(st, name, f):
                    continue
                seen.add((f.urn, f.message))
                if f.cause is None:
                    report(f.message, f.urn or None)
                elif mode == "mandatory":
                    tag = (
                        "[not declared in this stack] "
                        if f.cause.external
                        else "[not verifiable at preview] "
                    )
                    report(tag + f.message, f.urn or None)
                elif mode == "advisory":
                    st.deferred.append((name, f))
            _report_unused(st, name)
        except Exception:  # noqa: BLE001 - a bug must not take the whole preview down
            _REQUEST.position = -1  # and must not leave a half-built index for the next request
            _REQUEST.index = None
            report(
                f"internal error in policy {name} (please report it):\n"
                f"{traceback.format_exc(limit=4)}",
                None,
            )

    return validate


def _names(labels: list[str]) -> str:
    shown = ", ".join(labels[:3])
    return shown + (f" and {len(labels) - 3} more" if len(labels) > 3 else "")


def unknowns_validator(position: int) -> Validate:
    """Report each cause once: the values it makes undecidable and the checks waiting."""

    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        st = _state(position, args.resources)
        causes: dict[str, tuple[Cause, list[str], dict[str, list[str]], str]] = {}
        for policy, f in st.deferred:
            assert f.cause is not None
            cause, values, uses, urn = causes.setdefault(f.cause.key, (f.cause, [], {}, f.urn))
            if f.cause.value not in values:
                values.append(f.cause.value)
            who = uses.setdefault(policy, [])
            label = f'"{st.meta.get(f.urn, ("", "the stack"))[1]}"' if f.urn else "the stack"
            if label not in who:
                who.append(label)
        for key, (cause, values, uses, first) in causes.items():
            urn = key if key in st.meta else first
            how = (
                "not declared in this stack (passed in by id): the pack cannot read it"
                if cause.external
                else "unknown at preview"
            )
            checks = "; ".join(f"{p} (on {_names(w)})" for p, w in uses.items())
            fix = (
                "Declare the resource in this stack, or exempt these checks with a reason."
                if cause.external
                else "Re-run the check once the value is known (after "
                "the first update), or pass known ids/CIDRs so the policies can verify them."
            )
            message = f"{'; '.join(values)}: {how}. Not checked: {checks}. {fix}"
            finding = Finding(urn, message, cause)
            if not _exempted(st, UNKNOWNS_NAME, finding):
                report(message, urn or None)
        _report_unused(st, UNKNOWNS_NAME)
        st.deferred = []

    return validate
