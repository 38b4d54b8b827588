"""The docstring examples of the pack's modules run as tests. The pack is imported as the engine
imports it (its own directory on sys.path), which pytest's --doctest-modules collection of the
repository's testpaths does not reach."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import sys

import pytest

from tests.conftest import PACK_DIR

sys.path.insert(0, str(PACK_DIR))
import meshfleet_policies  # noqa: E402

MODULES = sorted(
    m.name for m in pkgutil.iter_modules(meshfleet_policies.__path__, "meshfleet_policies.")
)


@pytest.mark.parametrize("name", MODULES)
def test_module_doctests(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.failed == 0, f"{name}: {result.failed} of {result.attempted} examples failed"


def test_the_examples_exist() -> None:
    attempted = sum(doctest.testmod(importlib.import_module(n)).attempted for n in MODULES)
    assert attempted >= 8
