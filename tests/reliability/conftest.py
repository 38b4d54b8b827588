"""Fixtures of the reliability suite: ONE policy pack process for the whole session (starting
the pack costs about a second), driven over the real analyzer gRPC protocol."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fleetctl.analyzer import PolicyPackRunner
from tests.reliability.harness import PACK_DIR


@pytest.fixture(scope="session")
def pack() -> Iterator[PolicyPackRunner]:
    """The pack as the engine starts it, with the default (resolved) config."""
    with PolicyPackRunner(PACK_DIR) as runner:
        yield runner


@pytest.fixture()
def configured(pack: PolicyPackRunner) -> Iterator[PolicyPackRunner]:
    """The session pack; a test may ``reconfigure`` it, the default config is restored after."""
    yield pack
    pack.reconfigure(None)
