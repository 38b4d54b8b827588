"""Shared fixtures: Hypothesis profiles and ONE policy-pack process per session.

Hypothesis profiles: `ci` (fast; default when CI=true), `dev` (default), `deep` (local soak);
pick one with HYPOTHESIS_PROFILE=deep .venv/bin/pytest tests/planner. The pack is started as the
engine starts it (about a second) and driven over the real analyzer gRPC protocol by the policy,
reliability and fleetctl tests alike.
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from fleetctl.analyzer import PolicyPackRunner

PACK_DIR = Path(__file__).resolve().parents[1] / "policies"

# Fixture programs are Pulumi programs, not test modules: --doctest-modules must not import them.
collect_ignore_glob = ["fixtures/*"]

settings.register_profile(
    "ci",
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "dev", max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "deep", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


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
