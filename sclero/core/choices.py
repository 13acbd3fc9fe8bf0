"""Choice classes: each operational code (a status, kind, severity, outcome) with the clinic's
label and the badge style the pages show it in — one definition for tables, API, and pages."""

from __future__ import annotations

from enum import StrEnum
from typing import Self

_ALL: dict[str, Choice] = {}


class Choice(StrEnum):
    """A stored code. Members are declared as `NAME = "code", "Label", "style"`; styles are the
    badge classes of the style sheet (ok, caution, warning, danger, info, muted)."""

    def __new__(cls, code: str, label: str = "", style: str = "muted") -> Self:
        member = str.__new__(cls, code)
        member._value_ = code
        member._label = label or code.replace("_", " ").capitalize()  # type: ignore[attr-defined]
        member._style = style  # type: ignore[attr-defined]
        return member

    @property
    def label(self) -> str:
        return str(self._label)  # type: ignore[attr-defined]

    @property
    def style(self) -> str:
        return str(self._style)  # type: ignore[attr-defined]

    @classmethod
    def codes(cls) -> tuple[str, ...]:
        return tuple(member.value for member in cls)

    @classmethod
    def styles(cls) -> dict[str, str]:
        return {member.value: member.style for member in cls}

    @classmethod
    def labels(cls) -> dict[str, str]:
        return {member.value: member.label for member in cls}


def register(*classes: type[Choice]) -> None:
    """Make these choices' labels known to `choice_label` (the pages' `label` filter)."""
    for cls in classes:
        for member in cls:
            _ALL.setdefault(member.value, member)


def choice_label(code: str) -> str | None:
    """The label of a registered operational code, or None when the code is not one."""
    member = _ALL.get(code)
    return None if member is None else member.label


def choice_style(code: str, default: str = "muted") -> str:
    """The badge style of a registered operational code."""
    member = _ALL.get(code)
    return default if member is None else member.style
