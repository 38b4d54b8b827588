"""Hypothesis profiles: `ci` (fast; default when CI=true), `dev` (default), `deep` (local soak).

Pick one with HYPOTHESIS_PROFILE=deep .venv/bin/pytest tests/planner.
"""

import os

from hypothesis import HealthCheck, settings

# Fixture programs are Pulumi programs, not test modules: --doctest-modules must not import them.
collect_ignore_glob = ["fixtures/*"]

settings.register_profile("ci", max_examples=40, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=100, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("deep", max_examples=2000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))
