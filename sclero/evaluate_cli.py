"""`sclero evaluate`: the engine's public contract on the command line, fast and never a traceback.

One case document (a JSON object) prints its result document. Many cases — a JSON array, or
NDJSON (one object per line) — print one compact result per line, in input order, so a clinic can
re-check its protocol copy against thousands of cases in one run. A refused case prints
`{"errors": [{"code", "field", "message"}]}` on one line in its place; any refusal makes the exit
code 2. Only the standard library and the pure engine are imported: no database, no web stack.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from sclero.rules import CaseError, Protocol, ProtocolError, evaluate_document, load_protocol

BAD_INPUT = 2
_PROTOCOL_VARIABLE = "SCLERO_PROTOCOL_PATH"


class Unreadable(Exception):
    """The input as a whole cannot be read as case documents."""


def error_line(code: str, field: str, message: str) -> str:
    """The one-line error document (the API's error shape)."""
    line = {"errors": [{"code": code, "field": field, "message": " ".join(message.split())}]}
    return json.dumps(line)  # ASCII: no character of the input can break the line


def protocol_path() -> str | None:
    """The clinic's protocol file, as the app finds it: SCLERO_PROTOCOL_PATH in the environment,
    else in `.env` of the working directory; None for the shipped default."""
    value = os.environ.get(_PROTOCOL_VARIABLE)
    if value is None and Path(".env").is_file():
        from dotenv import dotenv_values  # only when a .env exists: keeps the common path lean

        value = dotenv_values(".env").get(_PROTOCOL_VARIABLE)
    return value or None


def documents(data: bytes) -> tuple[list[Any] | None, bool]:
    """The case documents in `data` and whether it is a batch. A line that is not JSON in a
    batch becomes None (answered with an error in its place)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise Unreadable(f"the input is not UTF-8 text (byte {error.start})") from None
    try:
        whole = json.loads(text)
    except json.JSONDecodeError as error:
        if error.msg != "Extra data":
            raise Unreadable(f"not valid JSON: {error.msg} (line {error.lineno})") from None
        return [_line(line) for line in text.splitlines() if line.strip()], True
    except (ValueError, RecursionError) as error:
        raise Unreadable(_why(error)) from None
    if isinstance(whole, list):
        return whole, True
    return [whole], False


def _line(line: str) -> Any:
    try:
        return json.loads(line)
    except (ValueError, RecursionError):
        return None


def _why(error: BaseException) -> str:
    if isinstance(error, RecursionError):
        return "the input is nested too deeply to be a case document"
    text = str(error)
    if "digits" in text:
        return "a number in the input has too many digits"
    return f"not valid JSON: {text.splitlines()[0] if text else type(error).__name__}"


def answer(document: Any, protocol: Protocol) -> tuple[str, bool]:
    """The result document of one case as JSON text, or its error line; and whether it passed."""
    if document is None:
        return error_line("invalid_json", "case", "this line is not valid JSON"), False
    try:
        result = evaluate_document(document, protocol)
        # ASCII: an id echoed from the input (e.g. U+2028) cannot split the answer's line
        return json.dumps(result, allow_nan=False), True
    except CaseError as error:
        return error_line("invalid_case", error.field, error.message), False
    except (RecursionError, ValueError, TypeError, OverflowError) as error:
        return error_line("invalid_case", "case", f"the case cannot be evaluated: {_why(error)}"), (
            False
        )


def run(data: bytes, protocol: Protocol) -> Iterator[tuple[str, bool]]:
    """Every answer for the input, in order; a single case is printed indented."""
    cases, batch = documents(data)
    assert cases is not None
    for document in cases:
        text, ok = answer(document, protocol)
        if ok and not batch:
            text = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
        yield text, ok


def _read(source: str, stdin: BinaryIO) -> bytes:
    if source == "-":
        return stdin.read()
    try:
        return Path(source).read_bytes()
    except OSError as error:
        raise Unreadable(f"cannot read {source}: {error.strerror}") from None


def main(argv: list[str], stdin: BinaryIO | None = None, out: Any = None) -> int:
    """Run `sclero evaluate CASE|-`; returns the exit code (0, or 2 for any bad input)."""
    out = out or sys.stdout
    if len(argv) != 1:
        print(error_line("usage", "case", "usage: sclero evaluate CASE.json | -"), file=out)
        return BAD_INPUT
    try:
        protocol = load_protocol(protocol_path())
        code = 0
        for text, ok in run(_read(argv[0], stdin or sys.stdin.buffer), protocol):
            print(text, file=out)
            code = code if ok else BAD_INPUT
        return code
    except Unreadable as error:
        print(error_line("unreadable", "case", f"Cannot read the case: {error}"), file=out)
    except ProtocolError as error:
        print(error_line("bad_protocol", "protocol", str(error)), file=out)
    return BAD_INPUT
