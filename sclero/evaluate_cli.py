"""`sclero evaluate`: the engine's public contract on the command line, fast and never a traceback.

One case document (a JSON object) prints its result document. Many cases — a JSON array, or
NDJSON (one object per line) — print one compact result per line, in input order, so a clinic can
re-check its protocol copy against thousands of cases in one run. A refused case prints
`{"errors": [{"code", "field", "message"}]}` on one line in its place; any refusal makes the exit
code 2. Only the standard library and the pure engine are imported: no database, no web stack.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import pydantic.version

from sclero.rules import (
    DEFAULT_PROTOCOL_PATH,
    CaseError,
    Protocol,
    ProtocolError,
    evaluate_document,
    load_protocol,
    parse_protocol,
)
from sclero.rules.schema import ProtocolFile

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


_CACHE_VARIABLE = "SCLERO_CACHE_DIR"
_ENGINE = Path(__file__).parent / "rules"


def cached_protocol(path: str | None) -> Protocol:
    """The protocol, restored from a cache of its validated form when this same file was
    validated before by this same engine: validating it again was a third of each evaluation's
    time (benchmarks/bench_cli.py). A file not yet seen, or a cache that cannot be trusted or
    read, is validated as ever (and a refused file is never cached)."""
    file = Path(path) if path else DEFAULT_PROTOCOL_PATH
    place = _cache_dir()
    try:
        content = file.read_bytes()
    except OSError:
        place = None  # load_protocol says why it cannot be read
    if place is None:
        return load_protocol(path)
    entry = place / f"protocol-{_cache_key(content)}.pickle"
    spec = _restore(entry)
    if spec is not None:
        return Protocol(spec=spec, path=str(file))
    try:  # the bytes the key was made of, not the file read again (it may change meanwhile)
        protocol = parse_protocol(content.decode("utf-8"), str(file))
    except UnicodeDecodeError:
        return load_protocol(path)
    _store(entry, protocol.spec)
    return protocol


def _cache_dir() -> Path | None:
    """`SCLERO_CACHE_DIR`, else the user's cache folder; None when it cannot be made, or when
    someone else owns it or may write in it (what it holds is loaded as code would be)."""
    chosen = os.environ.get(_CACHE_VARIABLE)
    if chosen == "":
        return None  # set empty: no cache
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    place = Path(chosen) if chosen else Path(base) / "sclero"
    try:
        place.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return None
    return place if _private(place) else None


def _private(path: Path) -> bool:
    try:
        status = path.stat()
    except OSError:
        return False
    return status.st_uid == os.getuid() and not status.st_mode & 0o022


def _cache_key(content: bytes) -> str:
    """The protocol file's bytes and the engine that validated them (each module's size and
    modification time, Python's and pydantic's versions): any change makes a new entry."""
    digest = hashlib.sha256(content)
    for module in sorted(_ENGINE.glob("*.py")):
        status = module.stat()
        digest.update(f"{module.name}:{status.st_size}:{status.st_mtime_ns};".encode())
    digest.update(f"{sys.version}:{pydantic.version.VERSION}".encode())
    return digest.hexdigest()[:32]


def _restore(entry: Path) -> ProtocolFile | None:
    if not entry.is_file() or not _private(entry):
        return None
    try:
        with entry.open("rb") as stream:
            spec = pickle.load(stream)  # noqa: S301 - the user's own private cache folder
    except Exception:  # a cache that cannot be read is only a miss
        return None
    return spec if isinstance(spec, ProtocolFile) else None


def _store(entry: Path, spec: ProtocolFile) -> None:
    """Write the entry whole or not at all (a temporary file renamed over it)."""
    try:
        handle, name = tempfile.mkstemp(dir=entry.parent, prefix=".protocol-")
    except OSError:
        return
    try:
        with os.fdopen(handle, "wb") as stream:
            pickle.dump(spec, stream, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(name, entry)
    except OSError:
        Path(name).unlink(missing_ok=True)


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
        protocol = cached_protocol(protocol_path())
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
