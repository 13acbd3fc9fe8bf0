"""The protocol in force for this installation: the shipped default or the clinic's own file."""

from __future__ import annotations

from functools import lru_cache

from sclero.core.settings import get_settings
from sclero.rules import Protocol, load_protocol


@lru_cache(maxsize=1)
def current_protocol() -> Protocol:
    return load_protocol(get_settings().protocol_path)
