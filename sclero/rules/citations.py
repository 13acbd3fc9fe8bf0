"""Which rules of a protocol cite each source: the Sources page's "what rests on it"."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sclero.rules.protocol import Protocol


@dataclass(frozen=True, slots=True)
class Citation:
    """One rule (or table row) of the protocol that names a source."""

    section: str
    what: str
    confirmed: bool


def citations(protocol: Protocol) -> dict[str, list[Citation]]:
    """Per source id, the rules that cite it, in file order (every listed source has a key)."""
    cited: dict[str, list[Citation]] = {s.id: [] for s in protocol.spec.sources}
    for section, node in protocol.spec.model_dump(exclude={"sources"}).items():
        for what, sources, confirmed in _sourced(node, section):
            for source_id in dict.fromkeys(sources):
                found = cited.setdefault(source_id, [])
                citation = Citation(section, what, confirmed)
                if citation not in found:
                    found.append(citation)
    return cited


def _sourced(node: Any, name: str) -> Iterator[tuple[str, list[str], bool]]:
    if isinstance(node, dict):
        if node.get("sources"):
            yield _name(node, name), list(node["sources"]), bool(node.get("confirmed", True))
        for key, value in node.items():
            if key != "sources":
                yield from _sourced(value, _name(node, name) if key == "positions" else key)
    elif isinstance(node, list | tuple):
        for item in node:
            yield from _sourced(item, name)


def _name(node: dict[str, Any], fallback: str) -> str:
    """A readable name of a rule: its code, symptom or vein type (with agent and technique)."""
    for key in ("code", "symptom"):
        if isinstance(node.get(key), str):
            return str(node[key])
    parts = [str(node[k]) for k in ("vein_type", "agent", "technique") if node.get(k)]
    return " ".join(parts) or fallback
