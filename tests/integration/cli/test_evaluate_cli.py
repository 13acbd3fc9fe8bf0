"""`sclero evaluate`: every bad input is one line and exit code 2; batches answer every case."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sclero.evaluate_cli import main
from tests.factories.cases import build_case

SCLERO = str(Path(sys.executable).with_name("sclero"))
GOOD = build_case()
BAD = build_case(weight_kg=0)
GENERATED = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def run(data: bytes) -> tuple[int, list[str]]:
    out = io.StringIO()
    code = main(["-"], stdin=io.BytesIO(data), out=out)
    return code, out.getvalue().splitlines()


def assert_one_error_line(code: int, lines: list[str]) -> dict[str, Any]:
    assert code == 2
    assert len(lines) == 1, lines
    (error,) = json.loads(lines[0])["errors"]
    assert set(error) == {"code", "field", "message"} and error["message"]
    return dict(error)


@pytest.mark.parametrize(
    "data",
    [
        b"[" * 3000 + b"]" * 3000,
        b'{"patient": ' * 100_000,
        b'{"patient": {"age_years": ' + b"9" * 5000 + b"}}",
        b"\xff\xfe\x00{}",
        "{\"patient\": \"caf\u00e9\"}".encode("latin-1"),
        b"",
        b"{not json",
        b"null",
        b"42",
    ],
    ids=["nested 3000", "nested 100000", "5000 digits", "utf-16", "latin-1", "empty",
         "not json", "null", "number"],
)  # fmt: skip
def test_a_bad_input_is_one_line_and_exit_code_2(data: bytes) -> None:
    assert_one_error_line(*run(data))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@GENERATED
@given(data=st.binary(max_size=200))
def test_any_bytes_give_results_or_one_line_errors(data: bytes) -> None:
    """Whatever the bytes, each output line is one JSON answer (a result, or an error of the
    API's shape), and the exit code is 2 exactly when some answer is an error."""
    code, lines = run(data)
    assert lines
    answers = [json.loads("\n".join(lines))] if code == 0 and len(lines) > 1 else []
    answers = answers or [json.loads(line) for line in lines]
    errors = [a for a in answers if "errors" in a]
    for error in errors:
        (entry,) = error["errors"]
        assert set(entry) == {"code", "field", "message"}
    assert (code == 2) == bool(errors)


@GENERATED
@given(patient=json_values, findings=json_values)
def test_any_json_in_a_case_gives_a_result_or_one_error_line(patient: Any, findings: Any) -> None:
    document = json.dumps({"patient": patient, "findings": findings}).encode()
    code, lines = run(document)
    if code:
        assert_one_error_line(code, lines)


@GENERATED
@given(depth=st.integers(1, 20_000), digits=st.integers(1, 20_000))
def test_deep_values_and_long_numbers_inside_a_case_are_refused(depth: int, digits: int) -> None:
    case = build_case()
    case["patient"]["conditions"] = json.loads("[" * min(depth, 500) + "]" * min(depth, 500))
    text = json.dumps(case).replace('"age_years": 42', f'"age_years": {"7" * digits}')
    code, lines = run(text.encode())
    if code:
        assert_one_error_line(code, lines)


def test_a_json_array_answers_every_case_on_its_own_line() -> None:
    code, lines = run(json.dumps([GOOD, BAD, GOOD]).encode())
    assert code == 2  # one case was refused
    assert len(lines) == 3
    first, second, third = (json.loads(line) for line in lines)
    assert first["screening"]["decision"] == third["screening"]["decision"] == "eligible"
    assert second["errors"][0]["field"] == "patient.weight_kg"


def test_ndjson_answers_every_line_and_a_broken_line_in_its_place() -> None:
    data = "\n".join([json.dumps(GOOD), "{broken", json.dumps(GOOD), ""]).encode()
    code, lines = run(data)
    assert code == 2 and len(lines) == 3
    assert json.loads(lines[1])["errors"][0]["code"] == "invalid_json"
    good = [json.loads(lines[0]), json.loads(lines[2])]
    assert all(d["screening"]["decision"] == "eligible" for d in good)


def test_a_batch_of_good_cases_exits_0() -> None:
    code, lines = run(b"\n".join(json.dumps(GOOD).encode() for _ in range(50)))
    assert code == 0 and len(lines) == 50


@pytest.mark.parametrize(
    "data", [b"[" * 5000, b'{"patient": {"age_years": ' + b"1" * 5000 + b"}}", b"\xff"]
)
def test_the_installed_command_never_prints_a_traceback(data: bytes) -> None:
    done = subprocess.run(  # noqa: S603 - our own installed command, fixed arguments
        [SCLERO, "evaluate", "-"], input=data, capture_output=True, timeout=60, check=False
    )
    assert done.returncode == 2
    assert done.stderr == b""
    assert len(done.stdout.decode().splitlines()) == 1


def test_the_installed_command_evaluates_a_file(tmp_path: Path) -> None:
    case = tmp_path / "case.json"
    case.write_text(json.dumps(GOOD))
    done = subprocess.run(  # noqa: S603 - our own installed command, fixed arguments
        [SCLERO, "evaluate", str(case)], capture_output=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stdout
    assert json.loads(done.stdout)["screening"]["decision"] == "eligible"
