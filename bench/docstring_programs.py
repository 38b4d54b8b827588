"""Run every Python example program of the INSTALLED pulumi_alicloud's docstrings through
``fleetctl check --program`` and classify the outcomes.

    .venv/bin/python bench/docstring_programs.py [--limit N] [--jobs 2] [--show fleetctl]

The examples are extracted at run time from the ```python blocks of the package's docstrings
(never copied into this repository). Each runs in a temporary directory holding only
``__main__.py`` and a ``Pulumi.yaml``: no stack file, so the stack runs with empty config, as a
new stack does. An example importing a package the interpreter lacks (pulumi_random,
pulumi_std) gets a ``Pulumi.yaml`` naming a virtualenv with ``--venv DIR`` if given.

Outcomes:

* handled: exit 0 or 1 (the program ran and the pack judged it);
* program broken: the program itself is wrong, with the evidence (a name it never defines, a
  call the SDK refuses: an unexpected or missing argument, an attribute the SDK does not have,
  a syntax error), read from the error's type and message;
* needs a package: it imports a module the interpreter does not have (the message names it);
* needs config: it requires a config value (``config.require``) that only a stack file gives;
* fleetctl: anything else, e.g. an error raised while reading a data source's answer.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import importlib
import inspect
import json
import pkgutil
import re
import subprocess
import sys
import tempfile
import textwrap
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# (category, pattern over "Type: message") - the program's own mistakes, by their evidence.
PROGRAM_BROKEN = (
    ("undefined name", r"^NameError: name '[^']+' is not defined"),
    ("syntax error", r"^(SyntaxError|IndentationError)"),
    ("wrong call: unexpected argument", r"got an unexpected keyword argument"),
    ("wrong call: missing argument", r"missing \d+ required (positional|keyword-only) argument"),
    ("wrong call: positional arguments", r"takes \d+ positional argument"),
    ("SDK has no such attribute", r"^AttributeError: module '[^']+' has no attribute"),
    ("SDK has no such attribute", r"^AttributeError: '(Get\w+Result|Output)' object has no attr"),
    ("wrong argument type", r"^TypeError: Expected argument '\w+' to be a"),
    ("required argument missing", r"^TypeError: Missing required property '\w+'"),
    ("JSON of an Output", r"Object of type Output is not JSON serializable"),
)


CLASSES: dict[str, list[type]] = {}
"""Every class of pulumi_alicloud by name (filled by :func:`examples`), to check an
AttributeError against what the SDK really defines."""


def examples() -> list[tuple[str, str]]:
    """``(where, program)`` for each distinct ```python block of pulumi_alicloud's docstrings."""
    import pulumi_alicloud

    seen: set[str] = set()
    out: list[tuple[str, str]] = []
    for info in pkgutil.walk_packages(pulumi_alicloud.__path__, "pulumi_alicloud."):
        if info.name.rsplit(".", 1)[-1] in ("_inputs", "outputs", "_enums", "_utilities"):
            continue
        try:
            module = importlib.import_module(info.name)
        except Exception:  # noqa: BLE001 - a module that does not import has no examples
            continue
        for name, obj in vars(module).items():
            if inspect.isclass(obj):
                CLASSES.setdefault(name, []).append(obj)
                CLASSES.setdefault("Awaitable" + name, []).append(obj)
            if getattr(obj, "__module__", None) != info.name:
                continue
            docs = [obj.__doc__ or ""]
            if inspect.isclass(obj):
                docs.append(getattr(obj.__dict__.get("__init__"), "__doc__", "") or "")
            for doc in docs:
                for block in re.findall(r"```python\n(.*?)```", doc, re.S):
                    program = textwrap.dedent(block)
                    if program not in seen:
                        seen.add(program)
                        out.append((f"{info.name}.{name}", program))
    return out


def run_one(where: str, program: str, venv: str | None) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="fleetctl-docstring-") as tmp:
        d = Path(tmp)
        (d / "__main__.py").write_text(program)
        options = f"\n  options:\n    virtualenv: {venv}" if venv else ""
        (d / "Pulumi.yaml").write_text(f"name: example\nruntime:\n  name: python{options}\n")
        proc = subprocess.run(
            [sys.executable, "-m", "fleetctl", "check", "--program", str(d), "--json"],
            capture_output=True,
            text=True,
            cwd=REPO,
            check=False,
        )
    code = proc.returncode
    if code in (0, 1):
        summary = json.loads(proc.stdout)["summary"]
        sources = Counter(i["source"] for i in summary["invokes"])
        return {"where": where, "outcome": "handled", "code": code, "sources": dict(sources)}
    doc = json.loads(proc.stdout.splitlines()[-1]) if proc.stdout.strip() else {}
    error = doc.get("error", {}) if code == 2 else {"message": proc.stderr[-2000:]}
    return {"where": where, "code": code, **classify(error), "error": error}


def classify(error: dict[str, str]) -> dict[str, str]:
    message = error.get("message", "")
    if error.get("kind") == "program":
        text = message.removeprefix("the program failed: ")
        if "which is not installed in" in text:
            return {"outcome": "needs a package", "reason": text.split(",")[0]}
        if text.startswith("ConfigMissingError"):
            return {"outcome": "needs config", "reason": "requires a config value (stack file)"}
        for reason, pattern in PROGRAM_BROKEN:
            if re.search(pattern, text):
                return {"outcome": "program broken", "reason": reason}
        missing = re.match(r"AttributeError: '(\w+)' object has no attribute '(\w+)'", text)
        if missing:
            owner, attr = missing.groups()
            if owner in ("list", "str", "dict", "int", "NoneType") and owner != "NoneType":
                return {
                    "outcome": "program broken",
                    "reason": f"uses a {owner} (as the SDK types the field) as an object",
                }
            classes = CLASSES.get(owner, [])
            if classes and not any(hasattr(c, attr) for c in classes):
                return {"outcome": "program broken", "reason": "SDK class has no such attribute"}
        own_line = error.get("details", "").strip().splitlines()[-2:]
        if text.startswith("ValueError: invalid literal for int()") and any(
            "int(" in line for line in own_line
        ):
            return {"outcome": "program broken", "reason": "int() of a placeholder string"}
    return {"outcome": "fleetctl", "reason": message.splitlines()[0][:200] if message else "?"}


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--limit", type=int, default=None, help="only the first N examples")
    p.add_argument(
        "--where",
        default=None,
        help="only the examples whose location (module.name) matches this regex",
    )
    p.add_argument("--jobs", type=int, default=2, help="programs checked at once")
    p.add_argument(
        "--venv",
        default=None,
        help="virtualenv (with pulumi_random, pulumi_std) for examples needing them",
    )
    p.add_argument(
        "--show", default="fleetctl", help="print every result of this outcome in full (or 'none')"
    )
    p.add_argument("--json-out", type=Path, default=None, help="write every result here")
    return p.parse_args(argv)


def main_(argv: list[str]) -> int:
    args = parse(argv)
    started = time.monotonic()
    programs = [(w, p) for w, p in examples() if args.where is None or re.search(args.where, w)][
        : args.limit
    ]
    print(f"{len(programs)} distinct example programs in pulumi_alicloud's docstrings")
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        needs = [bool(re.search(r"^import pulumi_(random|std)", p, re.M)) for _, p in programs]
        results = list(
            pool.map(
                run_one,
                [w for w, _ in programs],
                [p for _, p in programs],
                [args.venv if n else None for n in needs],
            )
        )
    outcomes = Counter(str(r["outcome"]) for r in results)
    for outcome in ("handled", "program broken", "needs a package", "needs config", "fleetctl"):
        print(f"  {outcome:16} {outcomes.get(outcome, 0):4}")
    sources: Counter[str] = Counter()
    for r in results:
        sources.update(r.get("sources", {}))  # type: ignore[arg-type]
    print(f"  data sources answered (handled programs): {dict(sorted(sources.items()))}")
    reasons = Counter(
        (str(r["outcome"]), str(r.get("reason"))) for r in results if r["outcome"] != "handled"
    )
    for (outcome, reason), n in sorted(reasons.items()):
        print(f"    {outcome:16} {n:4}  {reason}")
    for r in results:
        if r["outcome"] == args.show:
            print(f"\n--- {r['where']} (exit {r['code']})\n{json.dumps(r['error'], indent=1)}")
    if args.json_out:
        args.json_out.write_text(json.dumps(results, indent=1))
    print(f"{time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main_(sys.argv[1:]))
