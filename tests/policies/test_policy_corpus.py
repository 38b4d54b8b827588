"""The corpus of other teams' programs (tests/policies/corpus, see corpus.py) through the command
line: every case gets the exit code, rules and resources its expected.yaml says, and why."""

from __future__ import annotations

import pytest

from tests.policies.corpus import Outcome, cases, expected, run_all

CASES = cases()


@pytest.fixture(scope="module")
def outcomes() -> dict[str, Outcome]:
    """Every case once, two at a time (each run is two processes: the program and the pack)."""
    return {o.case: o for o in run_all(workers=2)}


def test_the_corpus_covers_every_class() -> None:
    assert len(CASES) >= 30
    broken = [c for c in CASES if expected(c)["exit"] == 1]
    assert len(broken) >= 12 and len(CASES) - len(broken) >= 10
    for case in CASES:
        exp = expected(case)
        assert exp.get("why"), f"{case.name}: expected.yaml must say why"
        assert (case / "__main__.py").is_file() and (case / "Pulumi.yaml").is_file()
        assert (case / f"Pulumi.{exp.get('stack', 'dev')}.yaml").is_file()
        if exp["exit"] == 1:
            assert any(r.get("level", "mandatory") == "mandatory" for r in exp["report"]), case


@pytest.mark.parametrize("case", [c.name for c in CASES])
def test_case(outcomes: dict[str, Outcome], case: str) -> None:
    o = outcomes[case]
    assert not o.problems(), "\n".join(o.problems())
