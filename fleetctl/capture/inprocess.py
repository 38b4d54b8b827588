"""Run a program callable in this process under the recording monitor (component tests use it;
the subprocess runner's child runs ``__main__.py`` through it too)."""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import os
import traceback
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from fleetctl.answers.answerfile import AnswerEntry
from fleetctl.capture import sdk
from fleetctl.capture.model import Capture, ProgramError, UnexpectedInvokeError
from fleetctl.capture.monitor import RecordingMonitor


def make_monitor(**options: Any) -> RecordingMonitor:
    """A fresh recording monitor (the keyword options of :class:`RecordingMonitor`)."""
    return RecordingMonitor(**options)


def config_string(value: Any) -> str:
    """Config values reach a program as strings; objects/lists/numbers/bools as JSON."""
    return value if isinstance(value, str) else json.dumps(value)


def run_program(
    program: Callable[[], Any],
    *,
    project: str,
    stack: str,
    config: Mapping[str, Any],
    strict_invokes: bool = False,
    preview: bool = True,
    organization: str = "organization",
    root_directory: str | None = None,
    answers: Sequence[AnswerEntry] = (),
) -> Capture:
    """Run ``program`` in this process under recording mocks and return what it registered.

    ``config`` uses full keys (``"meshfleet:fleet"``); non-string values are passed as JSON, as
    the CLI does. ``preview=True`` (default) behaves as ``pulumi preview``: new resources have
    unknown ids and computed outputs. Data sources are answered from ``answers`` (an answers
    file's entries), fleetctl's catalogue, or synthesized from their result type;
    ``strict_invokes=True`` makes a data source answered by neither of the first two fail the
    program (component tests: an unexpected invoke is an error).

    The run happens in a fresh :mod:`contextvars` context and the global Pulumi settings are
    restored afterwards, so two runs in one process do not see each other's root stack, config
    or monitor. Raises :class:`ProgramError` if the program (or an apply in it) fails.
    """
    # Looked up on the package at call time: tests replace fleetctl.capture._make_monitor to
    # see the monitor of a run that failed (tests/reliability).
    import fleetctl.capture as package

    monitor = package._make_monitor(
        strict_invokes=strict_invokes, preview=preview, config=dict(config), answers=tuple(answers)
    )
    scope = sdk.SettingsScope()
    try:
        return contextvars.Context().run(
            _run,
            program,
            monitor,
            scope,
            project,
            stack,
            dict(config),
            preview,
            organization,
            root_directory,
        )
    finally:
        scope.restore()


def _run(
    program: Callable[[], Any],
    monitor: RecordingMonitor,
    scope: sdk.SettingsScope,
    project: str,
    stack: str,
    config: dict[str, Any],
    preview: bool,
    organization: str,
    root_directory: str | None,
) -> Capture:
    from google.protobuf import empty_pb2

    features = set(monitor.GetDeploymentInfo(empty_pb2.Empty()).supportedFeatures)
    # pulumi.log goes to the engine's Log RPC; a private logger (not in the logging registry,
    # so nothing global changes) collects it for the report, as the CLI shows diagnostics.
    logs: list[dict[str, str]] = []
    # INFO and up, as the CLI shows them by default (the SDK logs a debug line per RPC).
    logger = logging.Logger("fleetctl.program", level=logging.INFO)
    logger.addHandler(_ListHandler(logs))
    scope.configure(
        monitor=monitor,
        logger=logger,
        project=project,
        stack=stack,
        dry_run=preview,
        organization=organization,
        root_directory=root_directory,
        features=features,
        config={k: config_string(v) for k, v in config.items()},
    )

    async def main() -> None:
        await sdk.run_in_stack(program)

    try:  # the caller's loop (e.g. a test using pulumi.runtime.test) is restored afterwards
        previous: asyncio.AbstractEventLoop | None = (
            asyncio.get_event_loop_policy().get_event_loop()
        )
    except RuntimeError:
        previous = None
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    error: BaseException | None = None
    try:
        loop.run_until_complete(main())
    except BaseException as exn:  # noqa: BLE001 - reported as ProgramError below
        error = exn
    finally:
        try:
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            asyncio.set_event_loop(previous)
            loop.close()
    if monitor.invoke_errors and monitor.strict_invokes:
        raise UnexpectedInvokeError("; ".join(monitor.invoke_errors))
    if error is not None:
        if isinstance(error, KeyboardInterrupt):
            raise error
        module = (error.name or "") if isinstance(error, ModuleNotFoundError) else ""
        raise ProgramError(error_message(error), program_traceback(error), module=module) from error
    return Capture(
        project=project,
        stack=stack,
        config=config,
        registrations=list(monitor.registrations),
        invokes=list(monitor.invokes),
        stack_outputs=dict(monitor.stack_outputs),
        logs=logs,
    )


class _ListHandler(logging.Handler):
    def __init__(self, sink: list[dict[str, str]]) -> None:
        super().__init__(level=logging.INFO)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink.append({"severity": record.levelname.lower(), "message": record.getMessage()})


def error_message(exn: BaseException) -> str:
    text = str(exn).strip() or type(exn).__name__
    name = type(exn).__name__
    return text if text.startswith(name) else f"{name}: {text}"


def program_traceback(exn: BaseException) -> str:
    """The program's own traceback frames (no Pulumi SDK, asyncio, runpy or fleetctl frames);
    the error message itself is in ``ProgramError.message``."""
    frames = traceback.extract_tb(exn.__traceback__)
    # fleetctl's frames, by the path it was imported from (in a child: a link) and the real one.
    here = Path(os.path.abspath(__file__)).parent.parent
    own = (str(here) + os.sep, str(here.resolve()) + os.sep)
    skip = ("site-packages", "<frozen ", f"{os.sep}asyncio{os.sep}", *own)
    kept = [f for f in frames if not any(s in f.filename for s in skip)]
    return "".join(traceback.format_list(kept)) if kept else ""
