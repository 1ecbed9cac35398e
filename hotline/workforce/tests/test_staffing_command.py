"""``hotline staffing erlang-c``: the JSON a supervisor or a script reads, and the refusals of bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

EXAMPLE_ARGS = ["--calls", "100", "--interval-s", "1800", "--aht-s", "180", "--target", "0.8", "--answer-s", "20"]
REPO_ROOT = Path(__file__).resolve().parents[3]


def _run(*args: str) -> tuple[dict[str, Any], str]:
    out, err = StringIO(), StringIO()
    call_command("staffing", "erlang-c", *args, stdout=out, stderr=err)
    return json.loads(out.getvalue()), err.getvalue()


def test_published_example_prints_14_agents_and_20_staff() -> None:
    payload, stderr = _run(*EXAMPLE_ARGS, "--shrinkage", "0.3")

    assert payload["agents"] == 14
    assert round(payload["service_level"] * 100, 1) == 88.8
    assert round(payload["occupancy"] * 100, 1) == 71.4
    assert payload["asa_s"] == pytest.approx(7.8, abs=0.05)
    assert payload["probability_wait"] == pytest.approx(0.1741, abs=1e-4)
    assert payload["staff"] == 20
    assert payload["traffic_erlangs"] == pytest.approx(10.0)
    assert payload["meets_target"] is True
    assert "warning" not in payload
    assert stderr == ""


def test_without_shrinkage_staff_equals_agents() -> None:
    payload, _ = _run(*EXAMPLE_ARGS)

    assert payload["staff"] == payload["agents"] == 14


def test_interval_target_and_answer_time_default_to_half_an_hour_and_80_in_20() -> None:
    payload, _ = _run("--calls", "100", "--aht-s", "180")

    assert payload["agents"] == 14


def test_given_agents_are_evaluated_instead_of_searched() -> None:
    payload, _ = _run(*EXAMPLE_ARGS, "--agents", "13", "--shrinkage", "0.3")

    assert payload["agents"] == 13
    assert round(payload["service_level"] * 100, 1) == 79.6
    assert payload["meets_target"] is False
    assert payload["staff"] == 19


def test_large_traffic_is_answered() -> None:
    payload, _ = _run(
        "--calls", "20000", "--interval-s", "1800", "--aht-s", "180", "--target", "0.8", "--answer-s", "20"
    )

    assert 2000 < payload["agents"] < 2100
    assert payload["service_level"] >= 0.8


def test_too_few_agents_print_a_warning_with_service_level_zero() -> None:
    payload, stderr = _run(*EXAMPLE_ARGS, "--agents", "8")

    assert payload["agents"] == 8
    assert payload["service_level"] == 0.0
    assert payload["asa_s"] is None
    assert payload["probability_wait"] == 1.0
    assert payload["stable"] is False
    assert "11" in payload["warning"]  # the fewest agents that would keep the queue from growing
    assert payload["warning"] in stderr


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--calls", "0", "--aht-s", "180"], "--calls"),
        (["--calls", "-5", "--aht-s", "180"], "--calls"),
        (["--calls", "nan", "--aht-s", "180"], "--calls"),
        (["--calls", "100", "--aht-s", "0"], "--aht-s"),
        (["--calls", "100", "--aht-s", "-180"], "--aht-s"),
        (["--calls", "100", "--aht-s", "180", "--interval-s", "0"], "--interval-s"),
        (["--calls", "100", "--aht-s", "180", "--answer-s", "-1"], "--answer-s"),
        (["--calls", "100", "--aht-s", "180", "--target", "0"], "--target"),
        (["--calls", "100", "--aht-s", "180", "--target", "1"], "--target"),
        (["--calls", "100", "--aht-s", "180", "--target", "80"], "--target"),
        (["--calls", "100", "--aht-s", "180", "--target", "1.5", "--agents", "14"], "--target"),
        (["--calls", "100", "--aht-s", "180", "--shrinkage", "1"], "--shrinkage"),
        (["--calls", "100", "--aht-s", "180", "--shrinkage", "-0.1"], "--shrinkage"),
        (["--calls", "100", "--aht-s", "180", "--agents", "0"], "--agents"),
        (["--calls", "100", "--aht-s", "180", "--agents", "-2"], "--agents"),
        (["--calls", "1e15", "--aht-s", "180"], "--calls"),
    ],
)
def test_bad_input_is_refused_with_exit_code_2_naming_the_option(args: list[str], option: str) -> None:
    out = StringIO()

    with pytest.raises(CommandError) as err:
        call_command("staffing", "erlang-c", *args, stdout=out, stderr=StringIO())

    assert err.value.returncode == 2
    assert str(err.value).startswith(f"{option}: ")
    assert out.getvalue() == ""


@pytest.mark.parametrize(
    "args",
    [["--calls", "abc", "--aht-s", "180"], ["--calls", "100"], ["--calls", "100", "--aht-s", "180", "--agents", "1.5"]],
)
def test_unparseable_arguments_are_refused(args: list[str]) -> None:
    with pytest.raises(CommandError, match="Error: "):
        call_command("staffing", "erlang-c", *args, stdout=StringIO(), stderr=StringIO())


def _hotline(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "hotline.settings.test"}
    script = "import sys; from hotline.cli import main; main(['hotline', *sys.argv[1:]])"
    return subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
        timeout=60,
        check=False,
    )


def test_from_the_shell_bad_input_exits_2_with_a_message_and_no_traceback() -> None:
    done = _hotline("staffing", "erlang-c", "--calls", "100", "--aht-s", "180", "--shrinkage", "1.2")

    assert done.returncode == 2
    assert done.stdout == ""
    assert "--shrinkage" in done.stderr
    assert "Traceback" not in done.stderr


def test_from_the_shell_the_example_prints_json_and_exits_0() -> None:
    done = _hotline("staffing", "erlang-c", *EXAMPLE_ARGS, "--shrinkage", "0.3")

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["staff"] == 20
