"""Load and validate a protocol file; a refused file raises ProtocolError with its line number.

The YAML node tree is kept beside the data so that a pydantic error path (`triage[3].level`) or
a cross-field problem can be mapped back to the line a clinician has to fix.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from sclero.rules.bounds import check_bounds
from sclero.rules.checks import Loc, Problem, check_protocol
from sclero.rules.errors import ProtocolError
from sclero.rules.protocol import Protocol
from sclero.rules.schema import ProtocolFile

DEFAULT_PROTOCOL_PATH = Path(__file__).parent / "protocols" / "sclero-default.yaml"


def load_protocol(path: Path | str | None = None) -> Protocol:
    """Load a protocol file; None gives the shipped default (loaded once, then cached)."""
    if path is None:
        return default_protocol()
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as error:
        raise ProtocolError(
            f"cannot read the protocol file: {error.strerror}", path=str(file)
        ) from None
    return parse_protocol(text, str(file))


@cache
def default_protocol() -> Protocol:
    """The protocol shipped with Sclero (`protocols/sclero-default.yaml`)."""
    return parse_protocol(
        DEFAULT_PROTOCOL_PATH.read_text(encoding="utf-8"), str(DEFAULT_PROTOCOL_PATH)
    )


def parse_protocol(text: str, path: str = "<protocol>") -> Protocol:
    """Validate protocol text and build its indexes; refuse it with ProtocolError if bad."""
    node, data = _read_yaml(text, path)
    try:
        spec = ProtocolFile.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        loc = tuple(first["loc"])
        raise ProtocolError(
            _reason(first), path=path, line=line_of(node, loc), loc=_dotted(loc)
        ) from None
    try:
        check_protocol(spec, data)
        check_bounds(spec)
    except Problem as problem:
        raise ProtocolError(
            problem.reason, path=path, line=line_of(node, problem.loc), loc=_dotted(problem.loc)
        ) from None
    return Protocol(spec=spec, path=path)


# libyaml's parser when present (several times faster; nodes keep their line marks)
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(text: str, path: str) -> tuple[yaml.Node, Any]:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise ProtocolError("the protocol file is empty", path=path, line=1)
        _refuse_duplicate_keys(node, path)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        raise ProtocolError(f"not valid YAML: {error.problem}", path=path, line=line) from None
    except yaml.YAMLError as error:
        raise ProtocolError(f"not valid YAML: {error}", path=path) from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise ProtocolError("the protocol file must be a mapping of sections", path=path, line=1)
    return node, data


def _refuse_duplicate_keys(node: yaml.Node, path: str) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            name = str(key.value)
            if name in seen:
                line = key.start_mark.line + 1
                raise ProtocolError(f"key {name!r} appears twice", path=path, line=line)
            seen.add(name)
            _refuse_duplicate_keys(value, path)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _refuse_duplicate_keys(item, path)


def line_of(node: yaml.Node, loc: Sequence[str | int]) -> int:
    """The 1-based line of the deepest node `loc` reaches (a missing key: its parent's line)."""
    line = node.start_mark.line + 1
    for step in loc:
        child = _child(node, step)
        if child is None:
            break
        key_line, node = child
        line = key_line
    return line


def _child(node: yaml.Node, step: str | int) -> tuple[int, yaml.Node] | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if str(key.value) == str(step):
                return key.start_mark.line + 1, value
    elif (
        isinstance(node, yaml.SequenceNode)
        and isinstance(step, int)
        and 0 <= step < len(node.value)
    ):
        item: yaml.Node = node.value[step]
        return item.start_mark.line + 1, item
    return None


def _dotted(loc: Loc | tuple[Any, ...]) -> str:
    text = ""
    for step in loc:
        if isinstance(step, int):
            text += f"[{step}]"
        else:
            text += f".{step}" if text else str(step)
    return text


def _reason(error: Any) -> str:
    message = str(error["msg"])
    if error["type"] == "extra_forbidden":
        return "unknown key (not part of the protocol format; check the spelling)"
    if error["type"] == "missing":
        return f"required key {error['loc'][-1]!r} is missing"
    return message.removeprefix("Value error, ")
