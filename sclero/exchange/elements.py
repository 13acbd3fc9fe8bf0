"""FHIR JSON elements as the mappings build them: `clean` drops the empty ones, `Frozen` marks
an element shared between resources (a code's concept, built once), which `clean` keeps as it
is and nobody may change."""

from __future__ import annotations

from typing import Any, NoReturn

Resource = dict[str, Any]
"""A FHIR resource as JSON (what the mappings build; fhir.resources R4B validates it)."""

_EMPTY: tuple[Any, ...] = ({}, [], "")


class Frozen(dict[str, Any]):
    """A clean element shared by many resources: read-only, so that no resource can change
    another's (copy it, e.g. `{**frozen, "text": ...}`, to make a variant)."""

    @classmethod
    def of(cls, element: dict[str, Any]) -> Frozen:
        """The element cleaned, with every object in it frozen too."""
        return cls({key: _freeze(value) for key, value in clean(element).items()})

    def _refuse(self, *_args: Any, **_kwargs: Any) -> NoReturn:
        raise TypeError("a shared FHIR element is read-only: copy it to change it")

    __setitem__ = __delitem__ = __ior__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse

    def __reduce__(self) -> tuple[type[Frozen], tuple[dict[str, Any]]]:
        return (Frozen, (dict(self),))  # copy and pickle without calling __setitem__


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return Frozen({key: _freeze(item) for key, item in value.items()})
    if isinstance(value, list):
        return [_freeze(item) for item in value]
    return value


def clean(resource: Resource) -> Resource:
    """Drop empty values (None, [], {}, "") at every level: FHIR forbids empty elements.
    The hot loop of every export: strings, most of what it sees, are tested first, and a
    Frozen element (clean when made) is kept as it is."""
    out: Resource = {}
    for key, value in resource.items():
        kind = value.__class__
        if kind is str:
            if value:
                out[key] = value
        elif kind is Frozen:
            out[key] = value
        elif value is None:
            continue
        elif isinstance(value, dict):
            if value := clean(value):
                out[key] = value
        elif isinstance(value, list):
            if value := _clean_list(value):
                out[key] = value
        elif value not in _EMPTY:  # numbers and booleans: 0 and False are values
            out[key] = value
    return out


def _clean_list(items: list[Any]) -> list[Any]:
    kept = []
    for item in items:
        kind = item.__class__
        if kind is Frozen:
            kept.append(item)
            continue
        if isinstance(item, dict):
            item = clean(item)
        if item is not None and item != "" and item != [] and item != {}:
            kept.append(item)
    return kept
