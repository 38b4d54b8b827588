"""The allocation lock: a reviewable JSON file of every CIDR and version the fleet already has.

``locks/<stack>.json`` is written by ``python -m fleetctl plan --stack <stack> --write`` and read
by the stack program, so a reviewer sees every new allocation in the diff and nothing that exists
is ever renumbered. Version 2 of the format::

    {"version": 2,
     "allocations": {"vpc:hz": "10.0.0.0/22", ...},   # what the spec has: key -> CIDR
     "versions": {"kubernetes:ack-1": "1.30.7-aliyun.1", "mesh": "v1.22.6.36-g3b5d3c9e-aliyun"},
     "held": {"service:ack-9": "192.168.48.0/20"}}    # removed, removal not yet confirmed

``allocations`` keys are the planner's allocation keys; ``versions`` the Kubernetes version of
each cluster (``kubernetes:<cluster>``) and the ASM version (``mesh``) the plan chose, so a later
run never drifts; ``held`` the CIDRs of entries the spec dropped, reserved until the user
confirms the removal was applied (``fleetctl plan --applied``, ``--removal-applied KEY``,
``--state FILE``). A version 1 file (``allocations`` only) still reads: no versions, nothing
held; ``plan --write`` rewrites it as version 2.

A lock is edited by hand sometimes, so every entry is held to the rule of a pin of its kind
(Alibaba's prefix limits, the never-allowed ranges, RFC 1918 for pods and Services), and the
errors name the file and the key.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection, Iterator, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from meshfleet import cidrs
from meshfleet.errors import LockError, Problem, StackNameError

LOCK_VERSION = 2
#: Lock versions meshfleet reads (1: allocations only).
READS = (1, 2)
KEY_RE = re.compile(
    r"^(vpc|pod|service):[a-z0-9-]+$|^vswitch:[a-z0-9-]+:"
    r"(node:[a-z0-9-]+|pod:[a-z0-9-]+|transit-router|fleet|mesh|nat):[a-z0-9-]+$"
)
#: ``versions`` keys: one Kubernetes version per cluster, one ASM version.
VERSION_KEY_RE = re.compile(r"^kubernetes:[a-z0-9-]+$|^mesh$")
#: A version string as Alibaba writes them: ``1.30.7-aliyun.1``, ``v1.22.6.36-g3b5d3c9e-aliyun``.
VERSION_RE = re.compile(r"^v?\d+\.\d+(\.\d+)*([-+][A-Za-z0-9.-]+)?$")
#: The rule each kind of entry is held to: the same as a pin of that kind in the spec.
RULES = {"vpc": cidrs.VPC, "pod": cidrs.POD, "service": cidrs.SERVICE, "vswitch": cidrs.VSWITCH}
#: Pulumi's own rule for a stack name (``pulumi stack init``): at most 100 characters of letters,
#: digits, '-', '_' and '.'. It also keeps a stack name from reaching outside ``locks/``.
STACK_RE = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")


class Lock(Mapping[str, str]):
    """A parsed lock: a read-only mapping of its allocations (key -> CIDR), so every reader
    of a plain ``{key: cidr}`` lock works unchanged, plus ``versions`` (key -> version) and
    ``held`` (key -> CIDR of an entry removed from the spec, still reserved)."""

    def __init__(
        self,
        allocations: Mapping[str, str] | None = None,
        versions: Mapping[str, str] | None = None,
        held: Mapping[str, str] | None = None,
        *,
        read_as: int = LOCK_VERSION,
    ) -> None:
        self._allocations = dict(sorted((allocations or {}).items()))
        self.versions: Mapping[str, str] = MappingProxyType(dict(sorted((versions or {}).items())))
        self.held: Mapping[str, str] = MappingProxyType(dict(sorted((held or {}).items())))
        self.read_as = read_as
        """The format version the file was written in (1: rewrite it with ``plan --write``)."""

    def __getitem__(self, key: str) -> str:
        return self._allocations[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._allocations)

    def __len__(self) -> int:
        return len(self._allocations)

    def __repr__(self) -> str:
        return (
            f"Lock({self._allocations!r}, versions={dict(self.versions)!r}, "
            f"held={dict(self.held)!r})"
        )

    def free(self, keys: Collection[str]) -> Lock:
        """This lock with the held entries ``keys`` released (their removal was applied)."""
        return Lock(
            self._allocations,
            self.versions,
            {k: c for k, c in self.held.items() if k not in keys},
            read_as=self.read_as,
        )


EMPTY_LOCK = Lock()


def lock_path(project_dir: str | Path, stack: str) -> Path:
    """Where the lock of ``stack`` lives; ``StackNameError`` for a name Pulumi would refuse.

    >>> lock_path("/p", "dev").as_posix()
    '/p/locks/dev.json'
    >>> lock_path("/p", "../etc/passwd")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    meshfleet.errors.StackNameError: Invalid stack name (1 problem):
     - stack: '../etc/passwd' is not a Pulumi stack name: letters, digits, '-', '_' and '.', ...
    """
    if not isinstance(stack, str) or not STACK_RE.match(stack):
        raise StackNameError(
            [
                Problem(
                    "stack",
                    stack,
                    "is not a Pulumi stack name: letters, "
                    "digits, '-', '_' and '.', at most 100 "
                    "characters",
                )
            ]
        )
    return Path(project_dir) / "locks" / f"{stack}.json"


def _cidr_problem(key: Any, cidr: Any) -> tuple[Any, str] | None:
    """What is wrong with an ``allocations`` or ``held`` entry: (the bad value, why)."""
    if not isinstance(key, str) or not KEY_RE.match(key):
        return key, (
            "is not an allocation key meshfleet writes (e.g. vpc:NAME, pod:CLUSTER, "
            "vswitch:VPC:node:CLUSTER:ZONE)"
        )
    message = cidrs.cidr_problem(cidr, RULES[key.split(":", 1)[0]])
    return (cidr, message) if message else None


def _version_problem(key: Any, version: Any) -> tuple[Any, str] | None:
    """What is wrong with a ``versions`` entry: (the bad value, why)."""
    if not isinstance(key, str) or not VERSION_KEY_RE.match(key):
        return key, "is not a version key meshfleet writes (kubernetes:CLUSTER or mesh)"
    if not isinstance(version, str) or not VERSION_RE.match(version):
        return version, (
            "is not a version string (e.g. 1.30.7-aliyun.1, v1.22.6.36-g3b5d3c9e-aliyun)"
        )
    return None


Check = Callable[[Any, Any], "tuple[Any, str] | None"]


def _entries(
    raw: Any, path: str, shape: str, problem: Check, problems: list[Problem]
) -> dict[str, str]:
    """The valid entries of the section ``raw`` at ``path`` (an object of ``shape``); each bad
    one (``problem(key, value)``) becomes a problem at ``path.<key>``."""
    if not isinstance(raw, Mapping):
        problems.append(Problem(path, raw, f"must be an object of {shape}"))
        return {}
    out: dict[str, str] = {}
    for key, value in raw.items():
        bad = problem(key, value)
        if bad is None:
            out[key] = value
        else:
            problems.append(Problem(f"{path}.{key}", *bad))
    return out


def parse_lock(raw: Any, source: str = "lock") -> Lock:
    """Validate a decoded lock document (version 1 or 2); raise ``LockError`` listing every
    problem."""
    if not isinstance(raw, Mapping):
        raise LockError(
            [Problem(source, raw, "must be a JSON object with `version` and `allocations`")]
        )
    problems: list[Problem] = []
    version: Any = raw.get("version")
    if version not in READS or isinstance(version, bool):
        problems.append(
            Problem(
                f"{source}.version",
                version,
                f"is not a lock version meshfleet reads (expected {' or '.join(map(str, READS))})",
            )
        )
    if not isinstance(raw.get("allocations"), Mapping):
        problems.append(
            Problem(
                f"{source}.allocations", raw.get("allocations"), "must be an object of key -> CIDR"
            )
        )
        raise LockError(problems)
    allocations = _entries(
        raw["allocations"], f"{source}.allocations", "key -> CIDR", _cidr_problem, problems
    )
    versions: dict[str, str] = {}
    held: dict[str, str] = {}
    if version == 1:
        for extra in ("versions", "held"):
            if extra in raw:
                problems.append(
                    Problem(
                        f"{source}.{extra}",
                        raw[extra],
                        ("is a version 2 field in a version 1 lock: set `version` to 2"),
                    )
                )
    else:
        versions = _entries(
            raw.get("versions", {}),
            f"{source}.versions",
            "kubernetes:CLUSTER | mesh -> version",
            _version_problem,
            problems,
        )
        held = _entries(
            raw.get("held", {}), f"{source}.held", "key -> CIDR", _cidr_problem, problems
        )
        problems += [
            Problem(
                f"{source}.held.{k}",
                c,
                (
                    f"is both allocated ({allocations[k]}) and held: a key the spec has is never "
                    "held; remove it from `held`"
                ),
            )
            for k, c in held.items()
            if k in allocations
        ]
    unknown = sorted(set(raw) - {"version", "allocations", "versions", "held"})
    problems += [
        Problem(
            f"{source}.{k}", raw[k], "is not a lock field (version, allocations, versions, held)"
        )
        for k in unknown
    ]
    if problems:
        raise LockError(problems)
    return Lock(allocations, versions, held, read_as=version)


def load_lock(path: str | Path, *, must_exist: bool = False) -> Lock:
    """The lock at ``path``. A file that does not exist is an empty lock (a new stack), unless
    ``must_exist`` (a lock named on purpose), then it is a ``LockError`` naming the path."""
    p = Path(path)
    if not p.exists():
        if must_exist:
            raise LockError(
                [
                    Problem(
                        str(p),
                        None,
                        "does not exist (a lock named explicitly "
                        "must exist; omit it to start from none)",
                    )
                ]
            )
        return EMPTY_LOCK
    try:
        text = p.read_text()
    except OSError as exc:
        raise LockError([Problem(str(p), None, f"cannot be read: {exc.strerror}")]) from exc
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LockError([Problem(str(p), text[:60], f"is not valid JSON: {exc}")]) from exc
    return parse_lock(raw, str(p))


def dump_lock(
    allocations: Mapping[str, str],
    versions: Mapping[str, str] | None = None,
    held: Mapping[str, str] | None = None,
) -> str:
    """The version 2 lock document: sorted, one key per line, stable diffs."""
    doc = {
        "version": LOCK_VERSION,
        "allocations": dict(sorted(allocations.items())),
        "versions": dict(sorted((versions or {}).items())),
        "held": dict(sorted((held or {}).items())),
    }
    return json.dumps(doc, indent=2) + "\n"
