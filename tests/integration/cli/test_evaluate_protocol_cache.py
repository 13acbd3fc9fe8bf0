"""`sclero evaluate` restores a protocol it validated before from a private cache: the same
answers, a new entry for a changed file or engine, and a cache it cannot trust or read is passed
by (the file is validated again), never a failure."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from sclero import evaluate_cli
from sclero.rules import DEFAULT_PROTOCOL_PATH
from tests.factories.cases import build_case

CASE = json.dumps(build_case()).encode()


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    place = tmp_path / "cache"
    monkeypatch.setenv("SCLERO_CACHE_DIR", str(place))
    return place


@pytest.fixture
def validations(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """The protocol files validated from their text (not restored from the cache)."""
    seen: list[str | None] = []
    validate = evaluate_cli.parse_protocol

    def counting(text: str, path: str = "<protocol>") -> evaluate_cli.Protocol:
        seen.append(path)
        return validate(text, path)

    monkeypatch.setattr(evaluate_cli, "parse_protocol", counting)
    return seen


def evaluate(protocol: Path | None = None) -> dict[str, object]:
    out = io.StringIO()
    saved = os.environ.get("SCLERO_PROTOCOL_PATH")
    if protocol is not None:
        os.environ["SCLERO_PROTOCOL_PATH"] = str(protocol)
    try:
        assert evaluate_cli.main(["-"], stdin=io.BytesIO(CASE), out=out) == 0, out.getvalue()
    finally:
        if protocol is not None:
            os.environ.pop("SCLERO_PROTOCOL_PATH")
        if saved is not None:
            os.environ["SCLERO_PROTOCOL_PATH"] = saved
    answer: dict[str, object] = json.loads(out.getvalue())
    return answer


def entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("protocol-*.pickle"))


def a_copy(tmp_path: Path, change: Callable[[str], str] = lambda text: text) -> Path:
    copy = tmp_path / "clinic-protocol.yaml"
    copy.write_text(change(DEFAULT_PROTOCOL_PATH.read_text(encoding="utf-8")), encoding="utf-8")
    return copy


def test_a_protocol_validated_once_is_restored_and_answers_the_same(
    cache: Path, validations: list[str | None], tmp_path: Path
) -> None:
    protocol = a_copy(tmp_path)
    first = evaluate(protocol)
    assert len(entries(cache)) == 1
    assert (cache.stat().st_mode & 0o777, entries(cache)[0].stat().st_mode & 0o777) == (
        0o700,
        0o600,
    )
    second = evaluate(protocol)
    assert second == first
    assert validations == [str(protocol)]  # the second run validated nothing


def test_a_changed_protocol_file_is_validated_again_under_a_new_entry(
    cache: Path, validations: list[str | None], tmp_path: Path
) -> None:
    protocol = a_copy(tmp_path)
    evaluate(protocol)
    a_copy(tmp_path, lambda text: text + "\n# a clinic's note\n")
    evaluate(protocol)
    assert len(validations) == 2
    assert len(entries(cache)) == 2


def test_a_refused_protocol_is_never_cached(cache: Path, tmp_path: Path) -> None:
    broken = a_copy(tmp_path, lambda text: text.replace("interval_days:", "interval_dayz:", 1))
    os.environ["SCLERO_PROTOCOL_PATH"] = str(broken)
    try:
        out = io.StringIO()
        assert evaluate_cli.main(["-"], stdin=io.BytesIO(CASE), out=out) == 2
    finally:
        os.environ.pop("SCLERO_PROTOCOL_PATH")
    assert json.loads(out.getvalue())["errors"][0]["code"] == "bad_protocol"
    assert entries(cache) == []


@pytest.mark.parametrize("spoil", ["truncated", "not a protocol", "others may write"])
def test_a_cache_entry_that_cannot_be_trusted_or_read_is_passed_by(
    cache: Path, validations: list[str | None], tmp_path: Path, spoil: str
) -> None:
    protocol = a_copy(tmp_path)
    first = evaluate(protocol)
    (entry,) = entries(cache)
    if spoil == "truncated":
        entry.write_bytes(entry.read_bytes()[:100])
    elif spoil == "not a protocol":
        entry.write_bytes(b"\x80\x05\x95\x05\x00\x00\x00\x00\x00\x00\x00\x8c\x01x\x94.")
    else:
        entry.chmod(0o666)
    assert evaluate(protocol) == first
    assert len(validations) == 2  # validated again, not restored


def test_an_empty_cache_setting_turns_the_cache_off(
    monkeypatch: pytest.MonkeyPatch, validations: list[str | None], tmp_path: Path
) -> None:
    monkeypatch.setenv("SCLERO_CACHE_DIR", "")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    protocol = a_copy(tmp_path)
    assert evaluate(protocol) == evaluate(protocol)
    assert validations == []  # validated by the engine's own loader each time, never cached
    assert not (tmp_path / "xdg").exists()
