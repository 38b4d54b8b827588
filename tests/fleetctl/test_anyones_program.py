"""`fleetctl check --program` on programs written outside this project: no stack file, a stack
name that is not there, the program's own virtualenv, data sources (synthesized, recorded
answers, strict mode), outputs, duplicated YAML keys."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from fleetctl.capture import UNKNOWN, run_program_dir
from fleetctl.cli import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
BROWNFIELD = FIXTURES / "brownfield"


def _check(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["check", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def _props(report: dict, name: str) -> dict:
    return next(r for r in report["resources"] if r["name"] == name)["properties"]


@pytest.fixture(scope="module")
def brownfield_report() -> dict:
    """The brownfield fixture as `check --json` reports it, with its recorded answers."""
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "fleetctl",
            "check",
            "--program",
            str(BROWNFIELD),
            "--answers",
            str(BROWNFIELD / "answers.yaml"),
            "--json",
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    return dict(json.loads(proc.stdout))


def test_no_stack_file_runs_with_empty_config_and_defaults_to_dev(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = _check(capsys, "--program", str(BROWNFIELD))
    assert code == 0, err
    assert "stack 'dev'" in out
    # Without answers the existing VPC is synthesized, and the report says so.
    assert "Data sources answered by synthesis" in out and "getNetworks" in out
    assert "Outputs:" in out and "    token: [secret]" in out and "s3cr3t" not in out
    assert "    sg_id: [unknown]" in out


def test_recorded_answers_reach_the_resources(brownfield_report: dict) -> None:
    sg = _props(brownfield_report, "team-sg")
    cluster = _props(brownfield_report, "team-cluster")
    assert sg["vpcId"] == "vpc-bp1prod000000000001"
    assert cluster["vswitchIds"] == ["vsw-bp1prod00000000000a", "vsw-bp1prod00000000000b"]
    outputs = brownfield_report["outputs"]
    assert outputs["vpc_cidr"] == "10.20.0.0/16"
    assert outputs["vswitch_cidrs"] == ["10.20.1.0/24", "10.20.2.0/24"]
    assert outputs["token"] == "[secret]" and outputs["sg_id"] == UNKNOWN
    sources = {
        i["token"].split(":")[-1]: i["source"] for i in brownfield_report["summary"]["invokes"]
    }
    assert sources == {
        "getNetworks": "answers",
        "getSwitches": "answers",
        "getZones": "curated",
        "getInstanceTypes": "curated",
    }


def test_strict_answers_refuses_synthesis_and_accepts_recorded_answers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = _check(capsys, "--program", str(BROWNFIELD), "--strict-answers", "--json")
    assert code == 2
    error = json.loads(out)["error"]
    assert error["kind"] == "program" and "alicloud:vpc/getNetworks:getNetworks" in error["message"]
    assert "has no recorded answer" in err
    code, _, err = _check(
        capsys,
        "--program",
        str(BROWNFIELD),
        "--strict-answers",
        "--answers",
        str(BROWNFIELD / "answers.yaml"),
    )
    assert code == 0, err


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("- function: vpc.get_switchs\n  result: {}\n", "did you mean vpc.get_switches?"),
        ("- function: vpc.get_switches\n  result: {vswitchez: []}\n", "has no field(s) vswitchez"),
        ("- function: vpc.get_switches\n  reslt: {}\n", "unknown key(s) reslt"),
        (
            "- function: vpc.get_switches\n  result: {}\n  result: {}\n",
            "answers.yaml:3: duplicate key 'result'",
        ),
        ("{answers: 3}", "expected a list of answers"),
    ],
)
def test_bad_answers_files_exit_2_naming_the_entry(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str, fragment: str
) -> None:
    path = tmp_path / "answers.yaml"
    path.write_text(text)
    code, _, err = _check(capsys, "--program", str(BROWNFIELD), "--answers", str(path))
    assert code == 2 and fragment in err, err


def test_an_unknown_stack_lists_the_stacks_found(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _check(capsys, "--program", str(FIXTURES / "raw_overlap"), "--stack", "dve")
    assert code == 2
    assert "Pulumi.dve.yaml: does not exist" in err and "the stacks here are bad, dev, ok" in err


def test_the_only_stack_file_is_the_default_stack(tmp_path: Path) -> None:
    from fleetctl.stackconfig import resolve_stack

    shutil.copy(FIXTURES / "raw_overlap" / "Pulumi.yaml", tmp_path)
    assert resolve_stack(tmp_path, None) == "dev"
    shutil.copy(FIXTURES / "raw_overlap" / "Pulumi.ok.yaml", tmp_path)
    assert resolve_stack(tmp_path, None) == "ok"
    assert resolve_stack(FIXTURES / "raw_overlap", None) == "dev"  # several: dev
    assert resolve_stack(Path(__file__).resolve().parents[2], None) == "example"


def test_a_duplicated_key_is_refused_naming_file_line_and_key(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = _check(capsys, "--program", str(FIXTURES / "dup_keys"))
    assert code == 2
    assert (
        f"{FIXTURES / 'dup_keys' / 'Pulumi.dev.yaml'}:5: duplicate key 'ack-1' (first at "
        "line 3)" in err
    )
    (tmp_path / "Pulumi.yaml").write_text("name: a\nname: b\nruntime: python\n")
    (tmp_path / "__main__.py").write_text("")
    code, _, err = _check(capsys, "--program", str(tmp_path))
    assert code == 2 and "Pulumi.yaml:2: duplicate key 'name'" in err


def _make_venv(directory: Path) -> Path:
    """A virtualenv that sees this environment's packages (pulumi ...) plus one of its own."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(directory)], check=True)
    site = next(directory.glob("lib/python*/site-packages"))
    (site / "parent.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    (site / "fleetctl_fixture_dep.py").write_text('CIDR = "10.77.0.0/16"\n')
    return directory / "bin" / "python"


@pytest.mark.skipif(os.name == "nt", reason="POSIX virtualenv layout")
def test_the_program_runs_in_its_own_virtualenv(tmp_path: Path) -> None:
    program = tmp_path / "prog"
    shutil.copytree(FIXTURES / "own_venv", program)
    with pytest.raises(Exception) as missing:
        run_program_dir(program, stack="dev")
    message = str(missing.value)
    assert f"{program / 'venv'} does not exist" in message
    assert f"python3 -m venv {program / 'venv'}" in message
    assert f"{program / 'venv' / 'bin' / 'python'} -m pip install -r" in message
    python = _make_venv(program / "venv")
    cap = run_program_dir(program, stack="dev")
    assert cap.stack_outputs == {"cidr": "10.77.0.0/16"}
    assert cap.by_name("vpc").inputs["cidrBlock"] == "10.77.0.0/16"
    # fleetctl's own interpreter does not have the program's dependency: said clearly.
    with pytest.raises(Exception) as info:
        run_program_dir(program, stack="dev", python=sys.executable)
    text = str(info.value)
    assert (
        "needs the module 'fleetctl_fixture_dep', which is not installed in "
        f"{sys.executable} (--python)" in text
    )
    assert python.exists()


def test_the_child_imports_only_the_stdlib_pulumi_and_its_dependencies(tmp_path: Path) -> None:
    """What runs inside the program's interpreter: nothing of fleetctl's own environment."""
    from importlib.metadata import distribution, packages_distributions

    allowed_dists = {"pulumi", "pulumi_alicloud", "pulumi-alicloud"}
    todo = ["pulumi", "pulumi_alicloud"]
    while todo:
        for req in distribution(todo.pop()).requires or []:
            name = req.split(";")[0].split("[")[0].split("<")[0].split(">")[0].split("=")[0]
            name = name.split("~")[0].split("!")[0].strip().lower()
            if ("extra ==" not in req) and name not in allowed_dists:
                allowed_dists.add(name)
                todo.append(name)
    # cython_runtime: the module every Cython extension (grpc's) registers on import.
    allowed = set(sys.stdlib_module_names) | {
        "fleetctl",
        "pulumi",
        "pulumi_alicloud",
        "cython_runtime",
    }
    for top, dists in packages_distributions().items():
        if {d.lower().replace("_", "-") for d in dists} & {
            d.replace("_", "-") for d in allowed_dists
        }:
            allowed.add(top)
    program = tmp_path / "p"
    shutil.copytree(BROWNFIELD, program)
    (program / "__main__.py").write_text(
        (BROWNFIELD / "__main__.py").read_text()
        + "\nimport sys\npulumi.export('modules', sorted({m.split('.')[0] for m in "
        "sys.modules if not m.startswith('_')}))\n"
    )
    modules = set(run_program_dir(program, stack="dev").stack_outputs["modules"])
    assert modules - allowed == set()
    assert "fleetctl" in modules and "meshfleet" not in modules and "netaddr" not in modules


def test_toolchain_choices(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fleetctl.capture.toolchain import resolve
    from fleetctl.errors import InputError

    project = {"name": "p", "runtime": {"name": "python", "options": {"toolchain": "uv"}}}
    (tmp_path / "pyproject.toml").write_text("")
    with pytest.raises(InputError) as info:
        resolve(tmp_path, project)
    assert f"{tmp_path / '.venv'} does not exist" in info.value.message
    assert "1. uv sync" in info.value.message and info.value.kind == "environment"
    monkeypatch.setenv("PULUMI_PYTHON_CMD", Path(sys.executable).name)
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent))
    chosen = resolve(tmp_path, {"name": "p", "runtime": "python"})
    assert chosen.python == sys.executable and "PULUMI_PYTHON_CMD" in chosen.origin
    monkeypatch.delenv("PULUMI_PYTHON_CMD")
    assert "fleetctl's own interpreter" in resolve(tmp_path, {"name": "p"}).origin
    with pytest.raises(InputError, match="Pulumi knows pip, uv and poetry"):
        resolve(tmp_path, {"runtime": {"name": "python", "options": {"toolchain": "conda"}}})
