"""The protocol in force for this installation: the shipped default or the clinic's own file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from sclero.core.settings import Settings, get_settings
from sclero.rules import Protocol, load_protocol


def protocol_for(settings: Settings) -> Protocol:
    """The protocol these settings name, loaded (and validated) once per file."""
    return _load(settings.protocol_path)


def current_protocol() -> Protocol:
    """The protocol of the process's own settings (for commands that open no database)."""
    return protocol_for(get_settings())


@lru_cache(maxsize=4)
def _load(path: Path | None) -> Protocol:
    return load_protocol(path)
