"""Run a Python Pulumi program offline, in preview mode, and record what it registers.

``pulumi preview`` runs a program against the engine's resource monitor; here a recording
monitor stands in for it, so no Pulumi CLI, plugin or cloud account is needed. One job per
module:

* :mod:`~fleetctl.capture.model`: the capture (registrations, invokes, outputs) and run errors;
* :mod:`~fleetctl.capture.engine`: the engine's view a policy pack receives, and what each
  resource waits on;
* :mod:`~fleetctl.capture.monitor`: the recording monitor (data sources answered by
  :mod:`fleetctl.answers`);
* :mod:`~fleetctl.capture.inprocess`: :func:`run_program`, a callable in this process;
* :mod:`~fleetctl.capture.program_dir` (+ ``child``, ``toolchain``): :func:`run_program_dir`, a
  program directory in a fresh subprocess with the interpreter its Pulumi.yaml selects;
* :mod:`~fleetctl.capture.sdk`: every use of the Pulumi SDK's private internals.

Example::

    >>> import pulumi
    >>> cap = run_program(lambda: pulumi.ComponentResource("my:mod:C", "c"),
    ...                   project="p", stack="s", config={})
    >>> [r["type"] for r in cap.engine_view()]
    ['pulumi:pulumi:Stack', 'my:mod:C']
"""

from __future__ import annotations

from fleetctl.answers.curated import FAKE_KUBECONFIG
from fleetctl.capture.engine import engine_urn
from fleetctl.capture.inprocess import make_monitor, run_program
from fleetctl.capture.model import (
    PROVIDER_PREFIX,
    STACK_TYPE,
    Capture,
    InvokeRecord,
    ProgramError,
    Registration,
    UnexpectedInvokeError,
)
from fleetctl.capture.program_dir import run_program_dir
from fleetctl.capture.sdk import UNKNOWN
from fleetctl.stackconfig import StackConfigError

CaptureError = StackConfigError
"""Bad input to a capture (no program, an invalid Pulumi.yaml or stack file)."""

# The monitor factory of in-process runs, replaceable by tests that inspect a run's monitor.
_make_monitor = make_monitor

__all__ = [
    "FAKE_KUBECONFIG",
    "PROVIDER_PREFIX",
    "STACK_TYPE",
    "UNKNOWN",
    "Capture",
    "CaptureError",
    "InvokeRecord",
    "ProgramError",
    "Registration",
    "UnexpectedInvokeError",
    "engine_urn",
    "run_program",
    "run_program_dir",
]
