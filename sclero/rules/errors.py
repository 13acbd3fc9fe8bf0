"""Named errors of the protocol engine: a bad protocol file and a bad case."""

from __future__ import annotations


class ProtocolError(Exception):
    """A protocol file was refused; the message names the file, the line and the reason."""

    def __init__(
        self, reason: str, *, path: str = "", line: int | None = None, loc: str = ""
    ) -> None:
        self.reason = reason
        self.path = path
        self.line = line
        self.loc = loc
        where = path or "<protocol>"
        if line is not None:
            where = f"{where}, line {line}"
        field = f" ({loc})" if loc else ""
        super().__init__(f"{where}{field}: {reason}")


class CaseError(ValueError):
    """A case (or an injection, a symptom list) was refused.

    `field` is the dotted path of the offending value (`patient.weight_kg`,
    `findings[2].diameter_mm`); `message` says in plain words what is wrong.
    """

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")
