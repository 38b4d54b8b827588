"""Fixtures for the policy-pack tests: ONE pack process per session, driven over gRPC."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fleetctl.analyzer import PolicyPackRunner

PACK_DIR = Path(__file__).resolve().parents[2] / "policies"


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
