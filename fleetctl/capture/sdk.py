"""Every use of the Pulumi Python SDK's private internals, in one place.

fleetctl runs a program offline by standing in for the engine's resource monitor. The SDK has no
public API for that beyond ``pulumi.runtime.set_mocks`` (which registers its own Stack, drops
resource options and round-trips every request through Python values), so the recording monitor
relies on these internals: the settings bag and its attributes, ``MockMonitor`` and its resource
table, ``_sync_await`` / ``_ensure_event_loop`` (the SDK's own way to await from a monitor
thread), ``rpc.serialize_properties`` and the signature keys of the wire format, ``run_in_stack``
and ``config.set_all_config``, ``_types._py_properties`` (the names of a generated result
class), and the SDK's end-of-program wait (``stack.wait_for_rpcs``, replaced during a capture by
:func:`linear_wait_for_rpcs`, see there). Nothing else in fleetctl touches them.

:func:`problems` lists what moved when the SDK changes; ``tests/fleetctl/test_sdk_fence.py``
fails with that list for any SDK version in the range ``requirements.txt`` declares.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import typing
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from pulumi import _types
from pulumi.runtime import config as _config
from pulumi.runtime import rpc as _rpc
from pulumi.runtime import settings as _settings
from pulumi.runtime import stack as _stack
from pulumi.runtime import sync_await as _sync
from pulumi.runtime.mocks import MockEngine, MockMonitor

UNKNOWN: str = _rpc.UNKNOWN
"""The engine's string sentinel for an unknown value."""
SIG_KEY: str = _rpc._special_sig_key
"""Key of the signature that marks a special value (secret, resource reference, output) in a map."""
SECRET_SIG: str = _rpc._special_secret_sig
RESOURCE_SIG: str = _rpc._special_resource_sig
OUTPUT_SIG: str = _rpc._special_output_value_sig

# What the fence relies on, by dotted name: checked by problems(), so a moved internal is named.
_REQUIRED: tuple[tuple[Any, str], ...] = (
    (_rpc, "UNKNOWN"),
    (_rpc, "_special_sig_key"),
    (_rpc, "_special_secret_sig"),
    (_rpc, "_special_resource_sig"),
    (_rpc, "_special_output_value_sig"),
    (_rpc, "serialize_properties"),
    (_settings, "SETTINGS"),
    (_settings, "Settings"),
    (_settings, "configure"),
    (_stack, "run_in_stack"),
    (_stack, "wait_for_rpcs"),
    (_settings, "_get_rpc_manager"),
    (_config, "set_all_config"),
    (_sync, "_sync_await"),
    (_sync, "_ensure_event_loop"),
    (_types, "_py_properties"),
    (MockMonitor, "ResourceRegistration"),
    (MockMonitor, "ReadResource"),
    (MockMonitor, "Invoke"),
    (MockMonitor, "RegisterResourceOutputs"),
    (MockMonitor, "GetDeploymentInfo"),
)
# Attributes of the settings bag the runtime reads in a run (set by configure()).
_SETTINGS_ATTRS = (
    "monitor",
    "engine",
    "project",
    "stack",
    "dry_run",
    "organization",
    "root_directory",
    "monitor_features",
    "outputs",
    "lock",
    "rpc_manager",
    "callbacks",
)


def problems() -> list[str]:
    """What this module relies on and the installed SDK no longer has (empty when all is well)."""
    out = []
    for owner, name in _REQUIRED:
        if not hasattr(owner, name):
            out.append(f"{getattr(owner, '__name__', owner)}.{name} is gone")
    settings = _settings.Settings(project="p", stack="s")
    for attr in _SETTINGS_ATTRS:
        if not hasattr(settings, attr):
            out.append(f"pulumi.runtime.settings.Settings has no attribute {attr!r}")
    fields = getattr(MockMonitor.ResourceRegistration, "_fields", ())
    if tuple(fields) != ("urn", "id", "state"):
        out.append(f"MockMonitor.ResourceRegistration fields are {fields}, not (urn, id, state)")
    return out


class MonitorBase(MockMonitor):
    """The SDK's mock monitor, with the one write into its resource table fleetctl needs
    (``Resource.get`` / ``pulumi:pulumi:getResource`` look resources up there)."""

    def remember(self, urn: str, resource_id: str) -> None:
        self.resources[urn] = MockMonitor.ResourceRegistration(urn, resource_id, {})


def serialize(value: dict[str, Any]) -> Any:
    """A Python dict as the protobuf Struct the engine sends (awaited on this thread)."""
    return _sync._sync_await(_rpc.serialize_properties(value, {}))


def ensure_event_loop() -> None:
    """Monitor calls arrive on SDK worker threads; serialising needs a loop there."""
    _sync._ensure_event_loop()


def py_properties(cls: type) -> Iterator[tuple[str, str, type | Any]]:
    """``(python name, pulumi name, annotated type)`` of each field of a generated
    input/output class, types resolved in the class's module (``typing.get_type_hints``)."""
    for py_name, pulumi_name, prop in _types._py_properties(cls):
        try:
            hint = typing.get_type_hints(prop.fget).get("return", Any)
        except Exception:  # noqa: BLE001 - an unresolvable hint is "any value"
            hint = Any
        yield py_name, pulumi_name, hint


class SettingsScope:
    """Configure the runtime for one run and put the caller's settings back afterwards, so two
    runs in one process never see each other's root stack, config or monitor."""

    def __init__(self) -> None:
        self._saved = dict(_settings.SETTINGS.__dict__)

    def configure(
        self,
        *,
        monitor: Any,
        logger: logging.Logger,
        project: str,
        stack: str,
        dry_run: bool,
        organization: str,
        root_directory: str | None,
        features: set[Any],
        config: dict[str, str],
    ) -> None:
        settings = _settings.Settings(
            project=project,
            stack=stack,
            monitor=monitor,
            engine=MockEngine(logger),
            dry_run=dry_run,
            organization=organization,
            root_directory=root_directory,
        )
        settings.monitor_features = set(features)
        settings.outputs = set()
        settings.lock = threading.Lock()
        settings.callbacks = None
        _settings.configure(settings)
        _config.set_all_config(config)

    def restore(self) -> None:
        for key, value in self._saved.items():
            setattr(_settings.SETTINGS, key, value)


#: Set to 1 to end a capture with the SDK's own ``wait_for_rpcs`` (slower; for comparisons).
SDK_WAIT_ENV = "FLEETCTL_SDK_WAIT"


async def linear_wait_for_rpcs(await_all_outstanding_tasks: bool = True) -> None:
    """What ``pulumi.runtime.stack.wait_for_rpcs`` does, in linear time.

    After the program returns, the SDK waits for every outstanding RPC and then for every pending
    Output task; it does the latter with ``asyncio.wait(all pending, FIRST_COMPLETED)`` in a loop,
    which attaches a callback to every pending task for each one that completes: quadratic in the
    number of Outputs (a 20-cluster fleet spent 40% of its run there). This waits for the same
    things, surfaces an RPC's or a task's exception the same way (the first task to fail ends the
    wait: ``FIRST_EXCEPTION``), and repeats until no RPC or task was added meanwhile.
    ``tests/fleetctl/test_sdk_fence.py`` compares both on real programs.
    """
    rpc_manager = _settings._get_rpc_manager()
    while True:
        while len(rpc_manager.rpcs) > 0:
            await asyncio.sleep(0)
            try:
                await rpc_manager.rpcs.pop()
            except Exception as exn:
                if rpc_manager.unhandled_exception is not None:
                    cause = rpc_manager.unhandled_exception.with_traceback(
                        rpc_manager.exception_traceback
                    )
                    raise exn from cause
                raise
        if rpc_manager.unhandled_exception is not None:
            raise rpc_manager.unhandled_exception.with_traceback(rpc_manager.exception_traceback)
        if await_all_outstanding_tasks:
            while True:
                with _settings.SETTINGS.lock:
                    if len(_settings.SETTINGS.outputs) == 0:
                        break
                    pending = list(_settings.SETTINGS.outputs)
                    _settings.SETTINGS.outputs.clear()
                done, not_done = await asyncio.wait(pending, return_when=asyncio.FIRST_EXCEPTION)
                for task in done:
                    await task  # re-raises a task's exception here, as the SDK's loop does
                if not_done:
                    with _settings.SETTINGS.lock:
                        _settings.SETTINGS.outputs.update(not_done)
        if len(rpc_manager.rpcs) == 0:
            break


async def run_in_stack(program: Callable[[], Awaitable[None] | None]) -> None:
    """Run ``program`` inside a new root Stack, as the language host's entry point does (ended
    by :func:`linear_wait_for_rpcs` unless ``FLEETCTL_SDK_WAIT=1``)."""
    if os.environ.get(SDK_WAIT_ENV) == "1":
        await _stack.run_in_stack(program)
        return
    sdk_wait = _stack.wait_for_rpcs
    _stack.wait_for_rpcs = linear_wait_for_rpcs
    try:
        await _stack.run_in_stack(program)
    finally:
        _stack.wait_for_rpcs = sdk_wait
